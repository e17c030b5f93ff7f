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
