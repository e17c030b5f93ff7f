/**
 * Upstream failures as data. Every way an upstream call can fail is one of these tagged errors;
 * retry, failover and the client-facing status are all decided from the tag alone (see
 * `src/routing/policy.ts`), never from ad-hoc status checks scattered through the code.
 */
import { Schema } from "effect"

const Common = {
  /** `provider:modelId` of the endpoint that failed. */
  endpoint: Schema.String,
  message: Schema.String
}

/** HTTP 429. `retryAfterMs` comes from the upstream's `Retry-After` header when present. */
export class RateLimited extends Schema.TaggedError<RateLimited>()("RateLimited", {
  ...Common,
  retryAfterMs: Schema.optional(Schema.Number)
}) {}

/** HTTP 402. `challenge` is the raw, still untrusted challenge (parsed by Payments). */
export class PaymentRequired extends Schema.TaggedError<PaymentRequired>()("PaymentRequired", {
  ...Common,
  challenge: Schema.Unknown
}) {}

/** HTTP 5xx (and 529 overloaded). */
export class Unavailable extends Schema.TaggedError<Unavailable>()("Unavailable", {
  ...Common,
  status: Schema.Number
}) {}

/** HTTP 404: the endpoint or the model id does not exist there. */
export class NotFound extends Schema.TaggedError<NotFound>()("NotFound", Common) {}

/** A deadline expired: connecting, waiting for the first byte, between chunks, or overall. */
export class Timeout extends Schema.TaggedError<Timeout>()("Timeout", {
  ...Common,
  phase: Schema.Literal("connect", "first-byte", "first-token", "idle", "total", "upstream")
}) {}

/** The connection could not be made or was reset before a response arrived. */
export class ConnectionFailed extends Schema.TaggedError<ConnectionFailed>()("ConnectionFailed", {
  ...Common,
  code: Schema.optional(Schema.String)
}) {}

/**
 * A non-retryable 4xx (invalid request, context length, content policy, auth). The upstream's own
 * status and error body are kept so the client sees exactly what the provider said.
 */
export class BadRequest extends Schema.TaggedError<BadRequest>()("BadRequest", {
  ...Common,
  status: Schema.Number,
  body: Schema.String,
  contentType: Schema.optional(Schema.String),
  /** What kind of refusal, when recognisable: decides whether another model may be tried. */
  reason: Schema.optional(Schema.Literal("context_length", "content_policy"))
}) {}

/** The response broke after it started (reset, malformed, or cut before completion). */
export class StreamBroken extends Schema.TaggedError<StreamBroken>()("StreamBroken", Common) {}

export type UpstreamError =
  | RateLimited
  | PaymentRequired
  | Unavailable
  | NotFound
  | Timeout
  | ConnectionFailed
  | BadRequest
  | StreamBroken

export const isUpstreamError = (u: unknown): u is UpstreamError =>
  typeof u === "object" && u !== null && "_tag" in u && typeof u._tag === "string" &&
  upstreamTags.has(u._tag)

const upstreamTags = new Set<string>([
  "RateLimited",
  "PaymentRequired",
  "Unavailable",
  "NotFound",
  "Timeout",
  "ConnectionFailed",
  "BadRequest",
  "StreamBroken"
])
