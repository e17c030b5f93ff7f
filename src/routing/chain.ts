/**
 * The candidate chain of one request: each endpoint's breaker must admit the call, transient
 * failures are retried there on a `Schedule`, then the request fails over (`catchIf` over the error
 * tags) to the next candidate — all within one attempt budget, with at most one x402 payment
 * (`payOnce`). `conclude` turns the chain's last failure into what the client should see.
 */
import { Effect, type Schedule } from "effect"
import type { RouterConfig } from "../config/schema.js"
import { NoRoutableEndpoint } from "../errors/request.js"
import { AllCandidatesFailed, type AttemptSummary } from "../errors/routing.js"
import { RateLimited, StreamBroken, type UpstreamError } from "../errors/upstream.js"
import type { HealthService } from "../Health.js"
import type { PaymentsService } from "../Payments.js"
import type { ChatRequest, ResolvedEndpoint } from "../providers/Adapter.js"
import { adapters } from "../providers/registry.js"
import type { Route } from "../ProviderPool.js"
import type { UpstreamClientService } from "../transport/UpstreamClient.js"
import { type Attempted, attemptEndpoint } from "./attempt.js"
import { type PaymentSession, payOnce } from "./payOnce.js"
import { type AttemptError, failoverPause, failsOver, sameEndpointSchedule } from "./policy.js"
import type { RouterError } from "./response.js"

/**
 * The failed attempts of one request, in order: its budget, its report and its error's detail. A
 * plain list, not a `Ref`: the request's fibers never touch it at the same time, and each read
 * through a `Ref` was one more step of the run loop on every request.
 */
export class AttemptLog {
  private readonly failed: Array<AttemptSummary> = []
  add(summary: AttemptSummary): void {
    this.failed.push(summary)
  }
  get size(): number {
    return this.failed.length
  }
  /** A copy: what the list holds now. */
  attempts(): ReadonlyArray<AttemptSummary> {
    return [...this.failed]
  }
}

export interface ChainDeps {
  readonly config: RouterConfig
  readonly client: UpstreamClientService
  readonly health: HealthService
  readonly payments: PaymentsService
}

export const makeCandidateChain = ({ config, client, health, payments }: ChainDeps) => {
  const schedule = sameEndpointSchedule(config.retry)
  const failover = failsOver(config.failoverOnContentFilter)
  const pauseBeforeFailover = failoverPause(config.retry)
  /** Round-robin position per load-balanced route. */
  const rotation = new Map<string, number>()

  /** The route's ready endpoints, in the order they are tried (rotated for `load_balance`). */
  const order = (route: Route): ReadonlyArray<ResolvedEndpoint> => {
    const ready = route.candidates.flatMap((c) => (c._tag === "Ready" ? [c.endpoint] : []))
    if (route.strategy !== "load_balance" || ready.length < 2) return ready
    const start = rotation.get(route.model) ?? 0
    rotation.set(route.model, (start + 1) % ready.length)
    return [...ready.slice(start), ...ready.slice(0, start)]
  }

  /**
   * One upstream call, counted against the budget and reported to `Health`; a 402 is paid and the
   * call made once more with the payment (`payOnce`: at most one payment per logical request).
   */
  const call = (log: AttemptLog, session: PaymentSession) => (endpoint: ResolvedEndpoint, request: ChatRequest) => {
    const adapter = adapters[endpoint.kind]
    if (adapter === undefined) return Effect.die(new Error(`no adapter for ${endpoint.kind}`))
    return payOnce(payments, session, endpoint, (paymentHeaders) => attemptEndpoint(client, adapter, endpoint, request, paymentHeaders).pipe(
      Effect.tap((attempted) => health.success(endpoint.id, attempted.latencyMs)),
      Effect.tapError((error) => error._tag === "InvalidRequest" ? Effect.void : health.failure(endpoint.id, error)),
      Effect.onInterrupt(() => health.release(endpoint.id))
    )).pipe(
      // Logged after payOnce: a refused 402 is reported with why it was not paid.
      Effect.tapError((error) => Effect.sync(() => log.add({ endpoint: endpoint.id, error: error._tag, message: error.message })))
    )
  }

  const budgetLeft = (log: AttemptLog) => Effect.sync(() => log.size < config.retry.maxAttempts)

  /** An endpoint's breaker must admit the call; then transient failures are retried there. */
  const onEndpoint = (log: AttemptLog, session: PaymentSession, request: ChatRequest) => (endpoint: ResolvedEndpoint) =>
    Effect.flatMap(health.admit(endpoint.id), (admitted): Effect.Effect<Attempted, AttemptError> =>
      admitted
        ? retryOnFailure(call(log, session)(endpoint, request), {
          schedule,
          // a failure that opened the breaker (or a failed half-open probe) is not retried there
          while: () => Effect.zipWith(budgetLeft(log), health.isOpen(endpoint.id), (ok, open) => ok && !open)
        })
        : Effect.flip(health.refusal(endpoint.id)))

  /** The endpoints in turn, failing over while the error allows it and the budget lasts. */
  const chain = (log: AttemptLog, session: PaymentSession, request: ChatRequest, endpoints: ReadonlyArray<ResolvedEndpoint>) => {
    const attempt = onEndpoint(log, session, request)
    return endpoints.slice(1).reduce(
      (previous, endpoint) =>
        previous.pipe(Effect.catchIf(failover, (error) =>
          Effect.zipRight(
            pauseBeforeFailover(error),
            Effect.flatMap(budgetLeft(log), (ok) => (ok ? attempt(endpoint) : Effect.fail(error)))
          ))),
      attempt(endpoints[0] as ResolvedEndpoint)
    )
  }

  /** The chain's last failure, as the client should see it. */
  const conclude = (log: AttemptLog, model: string) => (last: AttemptError) =>
    Effect.suspend((): Effect.Effect<never, RouterError> => {
      const attempts = log.attempts()
      if (last._tag === "InvalidRequest" || last._tag === "PaymentFailed" || (last._tag === "BadRequest" && !failover(last))) return Effect.fail(last)
      if (last._tag !== "CircuitOpen") return Effect.fail(new AllCandidatesFailed({ model, attempts, last }))
      const real = lastReal(attempts)
      if (real !== undefined) return Effect.fail(new AllCandidatesFailed({ model, attempts, last: real }))
      // Every candidate was skipped: rate limits are reported as one (429 + Retry-After), failures as 503.
      return last.state === "cooling"
        ? Effect.fail(new AllCandidatesFailed({
          model,
          attempts,
          last: new RateLimited({ endpoint: last.endpoint, message: last.message, retryAfterMs: last.retryAfterMs })
        }))
        : Effect.fail(new NoRoutableEndpoint({ model, reasons: [last.message] }))
    })

  return { order, call, budgetLeft, chain, conclude }
}

/**
 * `Effect.retry`, but the schedule's driver is only set up once the first attempt has failed (that
 * failure is replayed as the schedule's first input): the common, successful call pays nothing.
 */
const retryOnFailure = <A, E>(
  once: Effect.Effect<A, E>,
  options: { readonly schedule: Schedule.Schedule<unknown, E>; readonly while: (error: E) => Effect.Effect<boolean> }
): Effect.Effect<A, E> =>
  Effect.catchAll(once, (first) => {
    let replayed = false
    const again = Effect.suspend(() => {
      if (replayed) return once
      replayed = true
      return Effect.fail(first)
    })
    return Effect.retry(again, options)
  })

const lastReal = (attempts: ReadonlyArray<AttemptSummary>): UpstreamError | undefined => {
  const last = attempts.at(-1)
  return last === undefined ? undefined : new StreamBroken({ endpoint: last.endpoint, message: last.message })
}
