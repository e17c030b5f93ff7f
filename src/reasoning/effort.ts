/**
 * What the client asked for: OpenAI's `reasoning_effort`, or OpenRouter's
 * `reasoning: { effort | max_tokens | exclude | enabled }` (its `max_tokens` is the thinking budget
 * itself). Malformed values are refused with the field named; nothing asked is `undefined`.
 */
import { EFFORTS, type Effort } from "../config/thinking.js"
import { isRecord, reject } from "../providers/common/openaiContent.js"

export interface ReasoningAsk {
  readonly effort: Effort | undefined
  /** An explicit thinking budget in tokens (OpenRouter's `reasoning.max_tokens`). */
  readonly budget: number | undefined
  /** Think, but do not return the reasoning (`reasoning.exclude`). */
  readonly exclude: boolean
}

const isEffort = (value: unknown): value is Effort => typeof value === "string" && (EFFORTS as ReadonlyArray<string>).includes(value)

const effortAt = (value: unknown, param: string): Effort | undefined => {
  if (value === undefined || value === null) return undefined
  if (isEffort(value)) return value
  return reject(`'${param}' must be one of ${EFFORTS.join(", ")}.`, param, "invalid_value")
}

export const reasoningAsk = (body: Readonly<Record<string, unknown>>): ReasoningAsk | undefined => {
  const top = effortAt(body["reasoning_effort"], "reasoning_effort")
  const reasoning = body["reasoning"]
  if (reasoning === undefined || reasoning === null) return top === undefined ? undefined : { effort: top, budget: undefined, exclude: false }
  if (!isRecord(reasoning)) return reject("'reasoning' must be an object.", "reasoning", "invalid_value")
  const budget = reasoning["max_tokens"]
  if (budget !== undefined && budget !== null && !(Number.isInteger(budget) && (budget as number) >= 0)) {
    return reject("'reasoning.max_tokens' must be a non-negative integer (the thinking budget).", "reasoning.max_tokens", "invalid_value")
  }
  const exclude = reasoning["exclude"]
  if (exclude !== undefined && exclude !== null && typeof exclude !== "boolean") {
    return reject("'reasoning.exclude' must be a boolean.", "reasoning.exclude", "invalid_value")
  }
  const enabled = reasoning["enabled"]
  if (enabled !== undefined && enabled !== null && typeof enabled !== "boolean") {
    return reject("'reasoning.enabled' must be a boolean.", "reasoning.enabled", "invalid_value")
  }
  const explicit = top ?? effortAt(reasoning["effort"], "reasoning.effort")
  const tokens = typeof budget === "number" ? budget : undefined
  // OpenRouter: `enabled: true` alone means medium effort; `enabled: false` turns reasoning off.
  const effort = enabled === false ? "none" : explicit ?? (tokens === undefined && enabled === true ? "medium" : undefined)
  if (effort === undefined && tokens === undefined && exclude !== true) return undefined
  return { effort, budget: enabled === false ? undefined : tokens, exclude: exclude === true }
}

/** The client's ask, or the route's default effort when the client asked for no amount of thinking. */
export const withDefaultEffort = (ask: ReasoningAsk | undefined, effort: Effort | undefined): ReasoningAsk | undefined => {
  if (effort === undefined || (ask !== undefined && (ask.effort !== undefined || ask.budget !== undefined))) return ask
  return { effort, budget: undefined, exclude: ask?.exclude === true }
}
