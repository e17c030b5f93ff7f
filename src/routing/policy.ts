/**
 * Retry and failover policy, written once over the upstream error tags.
 * - same endpoint: transient failures (5xx, reset before headers) and a 429 with a short
 *   Retry-After are retried on a bounded, jittered exponential schedule that never waits less than
 *   Retry-After;
 * - next candidate: anything a different endpoint could serve (rate limits, outages, 404, timeouts,
 *   a broken body before the first byte reached the client);
 * - never: a non-retryable 4xx, which is the client's answer as the upstream gave it — except a
 *   context-length refusal (a later candidate may have a larger window) and, when configured, a
 *   content-policy refusal. Neither is ever re-sent to the same endpoint.
 */
import { Duration, Effect, Random, Schedule } from "effect"
import type { Retry } from "../config/schema.js"
import type { PaymentFailed } from "../errors/payment.js"
import type { InvalidRequest } from "../errors/request.js"
import type { CircuitOpen } from "../errors/routing.js"
import type { UpstreamError } from "../errors/upstream.js"

export type AttemptError = UpstreamError | InvalidRequest | CircuitOpen | PaymentFailed

export const retriesOnSameEndpoint = (error: AttemptError, retry: Retry): boolean => {
  switch (error._tag) {
    case "Unavailable":
    case "ConnectionFailed":
      return true
    case "RateLimited":
      return error.retryAfterMs !== undefined && error.retryAfterMs <= retry.maxRetryAfterMs
    default:
      return false
  }
}

export const failsOver = (failoverOnContentFilter: boolean) => (error: AttemptError): boolean => {
  switch (error._tag) {
    case "BadRequest":
      return error.reason === "context_length" || (error.reason === "content_policy" && failoverOnContentFilter)
    case "PaymentFailed": // a payment was signed (or refused as a second one): terminal
      return false
    default:
      return true
  }
}

/**
 * Before failing over after a 429 without Retry-After: a short jittered pause, so a burst of
 * rate-limited requests does not hammer the next candidate (often the same account) in lockstep.
 */
export const failoverPause = (retry: Retry) => (error: AttemptError): Effect.Effect<void> =>
  error._tag === "RateLimited" && error.retryAfterMs === undefined && retry.backoffMs > 0
    ? Effect.flatMap(Random.nextRange(0.5, 1.5), (factor) => Effect.sleep(Duration.millis(retry.backoffMs * factor)))
    : Effect.void

/** Delay before a same-endpoint retry: exponential backoff, at least the upstream's Retry-After. */
export const sameEndpointSchedule = (retry: Retry) =>
  Schedule.exponential(Duration.millis(retry.backoffMs)).pipe(
    Schedule.jittered,
    Schedule.intersect(Schedule.recurs(retry.sameEndpointRetries)),
    Schedule.intersect(
      Schedule.identity<AttemptError>().pipe(
        Schedule.addDelay((error) =>
          Duration.millis(error._tag === "RateLimited" ? error.retryAfterMs ?? 0 : 0)
        )
      )
    ),
    Schedule.whileInput((error: AttemptError) => retriesOnSameEndpoint(error, retry))
  )
