/**
 * Effort (or an explicit budget) + the model's thinking profile → how much it thinks, provider-
 * neutral. Monotonic by construction: budgets are clamped (order-preserving) and a level is the
 * least one at or above the asked effort, so a higher effort never thinks less. `none` is the least
 * the model allows: off where it can be off, else its smallest budget or level.
 */
import { EFFORTS, type Effort, type ThinkingSpec } from "../config/thinking.js"
import type { ReasoningAsk } from "./effort.js"

export type ThinkingPlan =
  /** Nothing asked: the request goes out as before. */
  | { readonly kind: "unchanged" }
  | { readonly kind: "off" }
  | { readonly kind: "budget"; readonly budget: number }
  | { readonly kind: "level"; readonly level: string }

export interface Planned {
  readonly plan: ThinkingPlan
  /** Whether reasoning goes back to the client (`reasoning.exclude` hides it). */
  readonly show: boolean
  /** Adjustments worth telling the client (header and debug log). */
  readonly notes: ReadonlyArray<string>
}

/** Nominal thinking budget per effort, before the model's range is applied. */
export const EFFORT_BUDGET: Readonly<Record<Effort, number>> = {
  none: 0, minimal: 1024, low: 4096, medium: 8192, high: 16_384, xhigh: 32_768
}

/** Well-known level names ranked like efforts (`max` is Anthropic's top adaptive effort). */
const LEVEL_RANK: Readonly<Record<string, number>> = { minimal: 1, low: 2, medium: 3, high: 4, max: 5, xhigh: 5 }

const effortRank = (effort: Effort): number => EFFORTS.indexOf(effort)

/** The least effort whose nominal budget covers `budget`. */
export const effortForBudget = (budget: number): Effort =>
  EFFORTS.find((e) => EFFORT_BUDGET[e] >= budget) ?? "xhigh"

const levelRank = (levels: ReadonlyArray<string>, index: number): number => {
  const name = levels[index] ?? ""
  // Unknown names (custom config): spread by position over minimal…max.
  return LEVEL_RANK[name] ?? (levels.length < 2 ? 1 : 1 + Math.round((index * 4) / (levels.length - 1)))
}

const pickLevel = (levels: ReadonlyArray<string>, effort: Effort): string | undefined => {
  const wanted = effortRank(effort)
  for (let i = 0; i < levels.length; i++) if (levelRank(levels, i) >= wanted) return levels[i]
  return levels[levels.length - 1]
}

export const planThinking = (ask: ReasoningAsk | undefined, spec: ThinkingSpec): Planned => {
  const show = ask?.exclude !== true
  if (ask === undefined || (ask.effort === undefined && ask.budget === undefined)) return { plan: { kind: "unchanged" }, show, notes: [] }
  if (spec.style === "none") {
    return { plan: { kind: "unchanged" }, show, notes: ["reasoning ignored: this model does not think (configure the endpoint's `thinking` if it does)"] }
  }
  const effort = ask.effort ?? effortForBudget(ask.budget ?? 0)
  const wantsNone = ask.budget === 0 || (ask.budget === undefined && effort === "none")
  if (spec.style === "levels") {
    const levels = spec.levels ?? []
    if (wantsNone && spec.canDisable === true) return { plan: { kind: "off" }, show, notes: [] }
    const level = wantsNone ? levels[0] : pickLevel(levels, effort)
    return level === undefined ? { plan: { kind: "unchanged" }, show, notes: [] } : { plan: { kind: "level", level }, show, notes: [] }
  }
  const min = spec.minBudget ?? 0
  const max = spec.maxBudget ?? Number.MAX_SAFE_INTEGER
  if (wantsNone) {
    return spec.canDisable === true || min === 0
      ? { plan: { kind: "off" }, show, notes: [] }
      : { plan: { kind: "budget", budget: Math.max(1, min) }, show, notes: ["thinking cannot be off on this model: its least budget is used"] }
  }
  const wanted = ask.budget ?? EFFORT_BUDGET[effort]
  const budget = Math.min(max, Math.max(min, wanted))
  const notes = ask.budget !== undefined && budget !== ask.budget
    ? [`thinking budget ${ask.budget} -> ${budget} (this model allows ${min}-${max})`]
    : []
  return { plan: { kind: "budget", budget }, show, notes }
}
