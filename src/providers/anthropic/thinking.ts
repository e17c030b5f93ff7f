/**
 * Anthropic thinking on the wire, always legal. The plan (`reasoning/plan.ts`) becomes
 * `thinking: { type: "enabled", budget_tokens }` or, on adaptive models, `thinking: { type:
 * "adaptive" }` with `output_config.effort`; then the documented rules are enforced by adjusting
 * the request, each adjustment noted:
 * - the budget is ≥ 1,024 and < `max_tokens`: `max_tokens` is raised (within the model's limit),
 *   else the budget lowered, else thinking is off;
 * - no `temperature` (but 1) / `top_k`, and `top_p` only within 0.95–1, with thinking;
 * - a forced `tool_choice` (`any` / `tool`) or an assistant prefill turns thinking off;
 * - a tool loop continues only with the thinking block of the turn being continued; when it is no
 *   longer remembered (restart, eviction), thinking is off for that request rather than a 400.
 */
import type { ThinkingSpec } from "../../config/thinking.js"
import { type ReasoningAsk } from "../../reasoning/effort.js"
import { effortForBudget, EFFORT_BUDGET, planThinking, type Planned } from "../../reasoning/plan.js"

/** Anthropic's floor for `budget_tokens`. */
export const MIN_BUDGET = 1024
/** Room for the answer itself when the router picks `max_tokens` (the client set none). */
export const ANSWER_ROOM = 4096

export interface ThinkingContext {
  readonly spec: ThinkingSpec
  readonly ask: ReasoningAsk | undefined
  /** The client's `max_tokens` (undefined: the router chooses). */
  readonly maxTokens: number | undefined
  readonly defaultMaxTokens: number
  readonly forcedTool: boolean
  readonly prefill: boolean
  /** The request continues a tool loop whose assistant turn has no remembered thinking. */
  readonly lostThinking: boolean
  readonly temperature: number | undefined
  readonly topP: number | undefined
  readonly topK: number | undefined
}

export interface ThinkingFields {
  /** The body fields to set (`max_tokens`, `thinking`, `output_config`, sampling). */
  readonly fields: Readonly<Record<string, unknown>>
  readonly show: boolean
  readonly notes: ReadonlyArray<string>
}

const sampling = (c: ThinkingContext): Record<string, unknown> => ({
  // OpenAI's scale is 0–2, Anthropic's 0–1: values above 1 are clamped to 1.
  ...(c.temperature === undefined ? {} : { temperature: Math.min(1, c.temperature) }),
  // top_p = 1 is a no-op, and newer Claude models refuse temperature and top_p together.
  ...(c.topP === undefined || c.topP === 1 ? {} : { top_p: c.topP }),
  ...(c.topK === undefined ? {} : { top_k: c.topK })
})

/** Sampling that Anthropic accepts with thinking on; what it refuses is dropped and said. */
const samplingWithThinking = (c: ThinkingContext, notes: Array<string>): Record<string, unknown> => {
  const kept: Record<string, unknown> = {}
  if (c.temperature !== undefined) {
    if (Math.min(1, c.temperature) === 1) kept["temperature"] = 1
    else notes.push(`temperature ${c.temperature} dropped (thinking allows only 1)`)
  }
  if (c.topK !== undefined) notes.push("top_k dropped (not allowed with thinking)")
  if (c.topP !== undefined && c.topP !== 1) {
    if (c.topP >= 0.95) kept["top_p"] = c.topP
    else notes.push(`top_p ${c.topP} dropped (thinking allows 0.95-1)`)
  }
  return kept
}

const off = (c: ThinkingContext, planned: Planned, why: string | undefined): ThinkingFields => ({
  fields: { max_tokens: c.maxTokens ?? c.defaultMaxTokens, ...sampling(c) },
  show: planned.show,
  notes: [...planned.notes, ...(why === undefined ? [] : [`thinking off: ${why}`])]
})

export const anthropicThinking = (c: ThinkingContext): ThinkingFields => {
  const planned = planThinking(c.ask, c.spec)
  const { plan } = planned
  if (plan.kind === "unchanged" || plan.kind === "off") return off(c, planned, undefined)
  if (c.forcedTool) return off(c, planned, "tool_choice forces a tool, which Anthropic refuses with thinking")
  if (c.prefill) return off(c, planned, "an assistant prefill cannot be continued with thinking")
  if (c.lostThinking) return off(c, planned, "the thinking of the tool-calling turn being continued is no longer remembered")
  const notes = [...planned.notes]
  const limit = c.spec.maxOutputTokens ?? Number.MAX_SAFE_INTEGER
  if (plan.kind === "level") {
    const nominal = EFFORT_BUDGET[c.ask?.effort ?? effortForBudget(c.ask?.budget ?? 0)]
    return {
      fields: {
        max_tokens: c.maxTokens ?? Math.min(limit, nominal + ANSWER_ROOM),
        thinking: { type: "adaptive" },
        output_config: { effort: plan.level },
        ...samplingWithThinking(c, notes)
      },
      show: planned.show,
      notes
    }
  }
  let budget = Math.max(MIN_BUDGET, plan.budget)
  const answerRoom = c.maxTokens ?? ANSWER_ROOM
  let maxTokens = c.maxTokens ?? Math.min(limit, budget + ANSWER_ROOM)
  if (budget >= maxTokens) {
    const raised = Math.min(limit, budget + answerRoom)
    if (raised > maxTokens) {
      notes.push(`max_tokens ${maxTokens} -> ${raised} (the thinking budget ${budget} must fit under it)`)
      maxTokens = raised
    }
  }
  if (budget >= maxTokens) {
    const lowered = Math.max(MIN_BUDGET, maxTokens - Math.min(answerRoom, ANSWER_ROOM))
    if (lowered >= maxTokens) return off(c, planned, `max_tokens ${maxTokens} leaves no room for the least thinking budget (${MIN_BUDGET})`)
    notes.push(`thinking budget ${budget} -> ${lowered} (max_tokens ${maxTokens} is the model's limit)`)
    budget = lowered
  }
  return {
    fields: { max_tokens: maxTokens, thinking: { type: "enabled", budget_tokens: budget }, ...samplingWithThinking(c, notes) },
    show: planned.show,
    notes
  }
}
