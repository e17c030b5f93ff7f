/**
 * How a model thinks, as data: per endpoint in the config (`thinking`), with defaults for the
 * built-in models (`reasoning/profiles.ts`). The adapters read it; no code branches on model names.
 */
import { Schema } from "effect"

/** OpenAI's `reasoning_effort` values (and OpenRouter's `reasoning.effort`), least to most. */
export const EFFORTS = ["none", "minimal", "low", "medium", "high", "xhigh"] as const
export const Effort = Schema.Literal(...EFFORTS)
export type Effort = typeof Effort.Type

const PositiveInt = Schema.Int.pipe(Schema.positive())

/**
 * - `budget`: a token budget (Anthropic `thinking.budget_tokens`, Gemini 2.5 `thinkingBudget`),
 *   between `minBudget` and `maxBudget`; `canDisable` says whether it can be off entirely.
 * - `levels`: named levels, least to most (Anthropic adaptive `output_config.effort`, Gemini 3
 *   `thinkingLevel`); `canDisable` as above.
 * - `none`: the model does not think; reasoning requests are ignored (and said so).
 */
export const ThinkingSpec = Schema.Struct({
  style: Schema.Literal("budget", "levels", "none"),
  minBudget: Schema.optional(Schema.Int.pipe(Schema.nonNegative())),
  maxBudget: Schema.optional(PositiveInt),
  levels: Schema.optional(Schema.Array(Schema.NonEmptyString)),
  canDisable: Schema.optional(Schema.Boolean),
  /** The model's largest `max_tokens` (Anthropic: thinking counts against it, so it may be raised up to this). */
  maxOutputTokens: Schema.optional(PositiveInt)
})
export type ThinkingSpec = typeof ThinkingSpec.Type

export const ReasoningConfig = Schema.Struct({
  /** Effort used when the client asks for none, per category (default: `reasoning` thinks at `medium`). */
  defaultEffort: Schema.optionalWith(
    Schema.partialWith(Schema.Struct({ simple: Effort, coding: Effort, reasoning: Effort, vision: Effort }), { exact: true }),
    { default: () => ({ reasoning: "medium" as const }) }
  ),
  /** Thinking blocks and thought signatures remembered for tool loops: at most this many assistant turns… */
  memoryEntries: Schema.optionalWith(PositiveInt, { default: () => 10_000 }),
  /** …and at most this many bytes of them (oldest forgotten first). */
  memoryBytes: Schema.optionalWith(PositiveInt, { default: () => 64 * 1024 * 1024 })
})
export type ReasoningConfig = typeof ReasoningConfig.Type
