/**
 * Retry and failover policy, written once over the upstream error tags.
 * - same endpoint: transient failures (5xx, reset before headers) and a 429 with a short
 *   Retry-After are retried on a bounded, jittered exponential schedule that never waits less than
 *   Retry-After;
 * - next candidate: anything a different endpoint could serve (rate limits, outages, 404, timeouts,
 *   a broken body before the first byte reached the client);
 * - never: a non-retryable 4xx, which is the client's answer as the upstream gave it.
 */
import { Duration, Schedule } from "effect"
import type { Retry } from "../config/schema.js"
import type { InvalidRequest } from "../errors/request.js"
import type { UpstreamError } from "../errors/upstream.js"

export type AttemptError = UpstreamError | InvalidRequest

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

export const failsOver = (error: AttemptError): boolean => {
  switch (error._tag) {
    case "BadRequest":
      return false
    default:
      return true
  }
}

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
