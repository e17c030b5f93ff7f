import { Schema } from "effect"
import {
  BadRequest,
  ConnectionFailed,
  NotFound,
  PaymentRequired,
  RateLimited,
  StreamBroken,
  Timeout,
  Unavailable
} from "./upstream.js"

/** One failed attempt, as reported to the client and the logs. */
export const AttemptSummary = Schema.Struct({
  endpoint: Schema.String,
  error: Schema.String,
  message: Schema.String
})
export type AttemptSummary = typeof AttemptSummary.Type

/** Every candidate of a route failed (or the attempt budget ran out) before any byte was sent. */
export class AllCandidatesFailed extends Schema.TaggedError<AllCandidatesFailed>()("AllCandidatesFailed", {
  model: Schema.String,
  attempts: Schema.Array(AttemptSummary),
  last: Schema.Union(
    RateLimited,
    PaymentRequired,
    Unavailable,
    NotFound,
    Timeout,
    ConnectionFailed,
    BadRequest,
    StreamBroken
  )
}) {
  override get message() {
    const tried = this.attempts.map((a) => `${a.endpoint}: ${a.message}`).join("; ")
    return `All upstream attempts for '${this.model}' failed (${this.attempts.length}): ${tried}`
  }
}

/** An endpoint skipped because its circuit breaker is open or it is cooling down after a 429. */
export class CircuitOpen extends Schema.TaggedError<CircuitOpen>()("CircuitOpen", {
  endpoint: Schema.String,
  /** `cooling`: rate-limited (healthy, busy); `open` / `half-open`: failing. */
  state: Schema.Literal("open", "half-open", "cooling"),
  retryAfterMs: Schema.Number
}) {
  override get message() {
    const seconds = Math.ceil(this.retryAfterMs / 1000)
    return this.state === "cooling"
      ? `${this.endpoint} is rate-limited for another ${seconds} s`
      : `${this.endpoint} is failing (circuit ${this.state}); next probe in ${seconds} s`
  }
}
