/**
 * Settings for conversation-aware auto routing (`conversations`) and per-model prices (`prices`).
 * Cache lifetimes default to what the providers document for their prompt caches.
 */
import { Schema } from "effect"

const NonNegativeInt = Schema.Int.pipe(Schema.nonNegative())
const PositiveInt = Schema.Int.pipe(Schema.positive())

/**
 * How long a provider keeps a prompt prefix warm after its last use, by provider name or wire
 * kind (a name wins over its kind). Anthropic: 5 minutes (the default `ephemeral` cache; 1 h is
 * an opt-in). OpenAI: 5–10 minutes of inactivity, so 5. Gemini's implicit cache documents no
 * lifetime ("send requests with a similar prefix in a short amount of time"): 5. DeepSeek's
 * disk cache keeps prefixes for hours: 1 h.
 */
export const DEFAULT_CACHE_TTL_MS: Readonly<Record<string, number>> = {
  anthropic: 5 * 60_000,
  openai: 5 * 60_000,
  google: 5 * 60_000,
  deepseek: 60 * 60_000
}

export const ConversationsConfig = Schema.Struct({
  /** `false`: every `llmrouter/auto` request is classified on its own (no stickiness, no tool-loop pins). */
  enabled: Schema.optionalWith(Schema.Boolean, { default: () => true }),
  /** Conversations remembered at once (least recently used forgotten first). */
  maxConversations: Schema.optionalWith(PositiveInt, { default: () => 10_000 }),
  /** Per provider name or kind: how long a conversation stays on the endpoint that served it. */
  cacheTtlMs: Schema.optionalWith(Schema.Record({ key: Schema.String, value: NonNegativeInt }), { default: () => ({}) }),
  /** A tool result goes back to the model that called the tool for this long, warm cache or not. */
  toolLoopTtlMs: Schema.optionalWith(NonNegativeInt, { default: () => 60 * 60_000 })
})
export type ConversationsConfig = typeof ConversationsConfig.Type

/** USD per million tokens. `cachedInput` defaults to `input`, `cacheWrite` to `input`. */
export const ModelPrice = Schema.Struct({
  input: Schema.NonNegative,
  output: Schema.NonNegative,
  cachedInput: Schema.optional(Schema.NonNegative),
  cacheWrite: Schema.optional(Schema.NonNegative)
})
export type ModelPrice = typeof ModelPrice.Type

/** Keyed by `provider:modelId` (an endpoint id) or by bare `modelId` (any provider serving it). */
export const Prices = Schema.Record({ key: Schema.String, value: ModelPrice })
export type Prices = typeof Prices.Type
