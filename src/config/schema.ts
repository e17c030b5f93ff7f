/**
 * The configuration schema: the one description of every setting, its default and its validation.
 * Decoding a config file, env overrides or an embedder's value all go through `RouterConfig`.
 */
import { Schema } from "effect"
import { ConversationsConfig, Prices } from "./conversations.js"
import { PaymentsConfig, WalletConfig } from "./payments.js"
import { StoreConfig } from "./store.js"
import { ReasoningConfig, ThinkingSpec } from "./thinking.js"

/** The wire formats an adapter exists for. Custom providers pick one with `derives`. */
export const ProviderKind = Schema.Literal("openai", "anthropic", "google")
export type ProviderKind = typeof ProviderKind.Type

const PositiveInt = Schema.Int.pipe(Schema.positive())
const NonNegativeInt = Schema.Int.pipe(Schema.nonNegative())

export const Timeouts = Schema.Struct({
  /** TCP/TLS connect. */
  connectMs: Schema.optionalWith(PositiveInt, { default: () => 5_000 }),
  /** Streaming: request sent → first content (not just headers or keep-alives). Then: fail over. */
  firstTokenMs: Schema.optionalWith(PositiveInt, { default: () => 10_000 }),
  /** Streaming: longest silence between content chunks once the answer started. Then: continue elsewhere. */
  idleMs: Schema.optionalWith(PositiveInt, { default: () => 15_000 }),
  /** Non-streaming: one attempt's whole answer. */
  responseMs: Schema.optionalWith(PositiveInt, { default: () => 120_000 }),
  /** One client request, all attempts and the whole stream included. */
  totalMs: Schema.optionalWith(PositiveInt, { default: () => 600_000 }),
  /** Streaming: while waiting for the first token, send an SSE comment this often (0: never). */
  keepAliveMs: Schema.optionalWith(NonNegativeInt, { default: () => 5_000 })
})
export type Timeouts = typeof Timeouts.Type

export const EndpointTimeouts = Schema.partialWith(Schema.typeSchema(Timeouts), { exact: true })

/** One concrete upstream: a provider plus the model id it knows. */
/** Longer budgets for reasoning models, which think before their first token. */
const defaultCategoryTimeouts = () => ({ reasoning: { firstTokenMs: 60_000, idleMs: 60_000, responseMs: 300_000 } })

export const EndpointSpec = Schema.Struct({
  provider: Schema.NonEmptyString,
  modelId: Schema.NonEmptyString,
  /** Overrides the provider's key for this endpoint (literal or `${ENV_VAR}`). */
  apiKey: Schema.optional(Schema.String),
  /** Overrides the provider's base URL for this endpoint. */
  apiBase: Schema.optional(Schema.String),
  timeouts: Schema.optional(EndpointTimeouts),
  /** How this model thinks (default: the built-in profile for its model id, else not at all). */
  thinking: Schema.optional(ThinkingSpec)
})
export type EndpointSpec = typeof EndpointSpec.Type

/** `"provider:modelId"` is accepted wherever an endpoint is expected. */
const EndpointShorthand = Schema.TemplateLiteral(Schema.String, ":", Schema.String).pipe(
  Schema.transform(Schema.typeSchema(EndpointSpec), {
    strict: true,
    decode: (s) => {
      const at = s.indexOf(":")
      return { provider: s.slice(0, at), modelId: s.slice(at + 1) }
    },
    encode: (e) => `${e.provider}:${e.modelId}` as const
  })
)

export const Endpoint = Schema.Union(EndpointSpec, EndpointShorthand)

export const Strategy = Schema.Literal("priority", "load_balance")
export type Strategy = typeof Strategy.Type

export const VirtualModel = Schema.Struct({
  strategy: Schema.optionalWith(Strategy, { default: () => "priority" as const }),
  endpoints: Schema.NonEmptyArray(Endpoint)
})
export type VirtualModel = typeof VirtualModel.Type

export const ProviderSpec = Schema.Struct({
  /** Wire format of a custom provider; built-ins know their own. */
  derives: Schema.optional(ProviderKind),
  apiBase: Schema.optional(Schema.String),
  /** Literal key or `"${ENV_VAR}"`. */
  apiKey: Schema.optional(Schema.String),
  /** `<envPrefix>_API_KEY` is read from the environment / `.env`. */
  envPrefix: Schema.optional(Schema.String.pipe(Schema.pattern(/^[A-Za-z_][A-Za-z0-9_]*$/))),
  /** A local server that needs no key (Ollama, vLLM without auth). */
  requiresKey: Schema.optional(Schema.Boolean),
  /** Extra headers sent to this provider on every call. */
  headers: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String })),
  /**
   * How a stream cut mid-answer is continued on this provider: `prefill` (send the delivered text as
   * an assistant message to continue from) or `restart` (ask again, forward only the new part).
   */
  continuation: Schema.optional(Schema.Literal("prefill", "restart")),
  /** `false` removes a built-in provider from routing even when its key is present. */
  enabled: Schema.optional(Schema.Boolean)
})
export type ProviderSpec = typeof ProviderSpec.Type

export const Category = Schema.Literal("simple", "coding", "reasoning", "vision")
export type Category = typeof Category.Type

export const Categories = Schema.Struct({
  simple: Schema.optional(Schema.Array(Endpoint)),
  coding: Schema.optional(Schema.Array(Endpoint)),
  reasoning: Schema.optional(Schema.Array(Endpoint)),
  vision: Schema.optional(Schema.Array(Endpoint))
})
export type Categories = typeof Categories.Type

export const Retry = Schema.Struct({
  /** Upper bound on upstream calls for one client request, failovers included. */
  maxAttempts: Schema.optionalWith(PositiveInt, { default: () => 6 }),
  /** Retries on the same endpoint after a transient failure (5xx, reset) before failing over. */
  sameEndpointRetries: Schema.optionalWith(NonNegativeInt, { default: () => 1 }),
  /** Base backoff before a same-endpoint retry (exponential with jitter). */
  backoffMs: Schema.optionalWith(NonNegativeInt, { default: () => 200 }),
  /** A 429 whose Retry-After is at most this is waited out on the same endpoint; longer fails over. */
  maxRetryAfterMs: Schema.optionalWith(NonNegativeInt, { default: () => 5_000 })
})
export type Retry = typeof Retry.Type

export const Breaker = Schema.Struct({
  /** Consecutive failures that open an endpoint's breaker. */
  failureThreshold: Schema.optionalWith(PositiveInt, { default: () => 5 }),
  /** Failure ratio over the last `windowSize` calls that opens it (after `minRequests` calls). */
  errorRatio: Schema.optionalWith(Schema.Number.pipe(Schema.between(0, 1)), { default: () => 0.5 }),
  windowSize: Schema.optionalWith(PositiveInt, { default: () => 20 }),
  minRequests: Schema.optionalWith(PositiveInt, { default: () => 10 }),
  /** How long an open breaker skips its endpoint before one probe (doubles on a failed probe). */
  cooldownMs: Schema.optionalWith(PositiveInt, { default: () => 30_000 }),
  /** Bound on cooldowns, including a 429's Retry-After. */
  maxCooldownMs: Schema.optionalWith(PositiveInt, { default: () => 300_000 })
})
export type Breaker = typeof Breaker.Type

/** Responses API (`POST /v1/responses`): stored responses that `previous_response_id` continues. */
export const StoredResponses = Schema.Struct({
  /** How long a stored response can be continued (OpenAI keeps them 30 days). */
  ttlHours: Schema.optionalWith(PositiveInt, { default: () => 720 }),
  /** At most this many are kept (the oldest go first); 0 stores none. */
  maxCount: Schema.optionalWith(NonNegativeInt, { default: () => 2000 }),
  /** Nor more than this many MiB in all. */
  maxMegabytes: Schema.optionalWith(PositiveInt, { default: () => 256 })
})
export type StoredResponses = typeof StoredResponses.Type

/** What one client may hold of the server (`src/http/connections.ts`). */
export const Limits = Schema.Struct({
  /** Request headers must arrive within this (slow-header clients get 408 and are closed). */
  headersTimeoutMs: Schema.optionalWith(PositiveInt, { default: () => 10_000 }),
  /** The whole request, body included, must arrive within this; the answer (a stream) is not bounded by it. */
  requestTimeoutMs: Schema.optionalWith(PositiveInt, { default: () => 60_000 }),
  /** Open client connections; beyond this a request gets 503 and its connection is closed. */
  maxConnections: Schema.optionalWith(PositiveInt, { default: () => 512 }),
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: Schema.optionalWith(PositiveInt, { default: () => 30_000 }),
  /**
   * A streaming client that reads nothing for this long (its buffers full) is dropped and the
   * upstream call aborted; the upstream is not blamed. Until then its upstream is paused, not buffered.
   */
  streamStallTimeoutMs: Schema.optionalWith(PositiveInt, { default: () => 30_000 })
})
export type Limits = typeof Limits.Type

export const RouterConfig = Schema.Struct({
  host: Schema.optionalWith(Schema.NonEmptyString, { default: () => "127.0.0.1" }),
  port: Schema.optionalWith(Schema.Int.pipe(Schema.between(0, 65535)), { default: () => 8787 }),
  /** Where `.env`, keys and state live. Default `~/.openclaw/llmrouter`. */
  dataDir: Schema.optional(Schema.String),
  maxBodyBytes: Schema.optionalWith(PositiveInt, { default: () => 10 * 1024 * 1024 }),
  /** Deadlines for receiving a request and the connection cap. */
  limits: Schema.optionalWith(Limits, { default: () => Schema.decodeSync(Limits)({}) }),
  providers: Schema.optionalWith(Schema.Record({ key: Schema.String, value: ProviderSpec }), {
    default: () => ({})
  }),
  models: Schema.optionalWith(Schema.Record({ key: Schema.String, value: VirtualModel }), {
    default: () => ({})
  }),
  categories: Schema.optionalWith(Categories, { default: () => ({}) }),
  timeouts: Schema.optionalWith(Timeouts, { default: () => Schema.decodeSync(Timeouts)({}) }),
  /** Per-category overrides of `timeouts` (default: longer budgets for `reasoning`). */
  categoryTimeouts: Schema.optionalWith(
    Schema.partialWith(Schema.Struct({
      simple: EndpointTimeouts,
      coding: EndpointTimeouts,
      reasoning: EndpointTimeouts,
      vision: EndpointTimeouts
    }), { exact: true }),
    { default: defaultCategoryTimeouts }
  ),
  /** `llmrouter/auto`: below `minConfidence` the classifier's choice is replaced by `fallbackCategory`. */
  auto: Schema.optionalWith(
    Schema.Struct({
      minConfidence: Schema.optionalWith(Schema.Number.pipe(Schema.between(0, 1)), { default: () => 0.45 }),
      fallbackCategory: Schema.optionalWith(Category, { default: () => "coding" as const })
    }),
    { default: () => ({ minConfidence: 0.45, fallbackCategory: "coding" as const }) }
  ),
  /** `llmrouter/auto` and conversations: stickiness to a warm prompt cache, tool-loop pins. */
  conversations: Schema.optionalWith(ConversationsConfig, { default: () => Schema.decodeSync(ConversationsConfig)({}) }),
  /** Per-model prices (USD per million tokens) over the built-in defaults: cost and savings in `/stats`. */
  prices: Schema.optionalWith(Prices, { default: () => ({}) }),
  /** Fail over when a provider refuses a prompt on content-policy grounds (default: return the refusal). */
  failoverOnContentFilter: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  retry: Schema.optionalWith(Retry, { default: () => Schema.decodeSync(Retry)({}) }),
  breaker: Schema.optionalWith(Breaker, { default: () => Schema.decodeSync(Breaker)({}) }),
  /** Active provider checks (a models listing, never billed); 0 disables them. */
  healthCheckIntervalMs: Schema.optionalWith(NonNegativeInt, { default: () => 30_000 }),
  /** Browser origins allowed to call the router (CORS). Empty: browsers are refused. */
  corsOrigins: Schema.optionalWith(Schema.Array(Schema.String), { default: () => [] }),
  /** Extra Host header names accepted besides localhost and the listen address. */
  allowedHosts: Schema.optionalWith(Schema.Array(Schema.String), { default: () => [] }),
  /** When non-empty, `Authorization: Bearer <key>` must match one of these. */
  accessKeys: Schema.optionalWith(Schema.Array(Schema.NonEmptyString), { default: () => [] }),
  /**
   * Every request (but `/health`) must carry a scoped key (`llmrouter keygen`) or one of
   * `accessKeys`. Unset: on exactly when `host` is not a loopback address.
   */
  requireKeys: Schema.optional(Schema.Boolean),
  logLevel: Schema.optionalWith(Schema.Literal("debug", "info", "warn", "error", "none"), {
    default: () => "info" as const
  }),
  /** Log lines as readable text (default) or JSON lines (one object per line, for log shippers). */
  logFormat: Schema.optionalWith(Schema.Literal("text", "json"), { default: () => "text" as const }),
  /** How long `serve` waits for in-flight requests on SIGINT/SIGTERM. */
  shutdownGraceMs: Schema.optionalWith(NonNegativeInt, { default: () => 10_000 }),
  /** Thinking: default effort per category, and the tool-loop memory's bounds. */
  reasoning: Schema.optionalWith(ReasoningConfig, { default: () => Schema.decodeSync(ReasoningConfig)({}) }),
  /** The router's own wallet (x402): network and balance RPC. */
  wallet: Schema.optionalWith(WalletConfig, { default: () => Schema.decodeSync(WalletConfig)({}) }),
  storedResponses: Schema.optionalWith(StoredResponses, { default: () => Schema.decodeSync(StoredResponses)({}) }),
  /** x402 payments: caps, allowlist, authorization lifetime. */
  payments: Schema.optionalWith(PaymentsConfig, { default: () => Schema.decodeSync(PaymentsConfig)({}) }),
  /** Where durable state lives: SQLite files in the data dir (default) or one shared Postgres. */
  store: Schema.optionalWith(StoreConfig, { default: () => ({ kind: "sqlite" as const }) })
})
export type RouterConfig = typeof RouterConfig.Type
export type RouterConfigInput = typeof RouterConfig.Encoded
