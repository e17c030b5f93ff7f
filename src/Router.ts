/**
 * The `Router` service: the request path. Resolve the model (classifying `auto`), then try the
 * candidate chain — breaker admission, same-endpoint retries on a `Schedule`, failover by
 * `catchIf` over the error tags, a bounded attempt budget and a total deadline — until one endpoint
 * produces a complete answer or its first streamed content. Nothing is retried once a byte has
 * reached the client; a committed stream that breaks is continued elsewhere (`routing/stream`).
 */
import { Context, Effect, Either, Layer, Ref, Runtime, type Schedule } from "effect"
import { Classifier } from "./Classifier.js"
import { Config } from "./Config.js"
import { Conversations } from "./Conversations.js"
import { type ModelNotFound, NoRoutableEndpoint } from "./errors/request.js"
import { AllCandidatesFailed, type AttemptSummary } from "./errors/routing.js"
import { RateLimited, StreamBroken, type UpstreamError } from "./errors/upstream.js"
import { Health } from "./Health.js"
import { Metrics } from "./Metrics.js"
import { makePriceList } from "./metrics/prices.js"
import { NO_TOKENS, usageFromChunk } from "./metrics/usage.js"
import { Payments } from "./Payments.js"
import type { ChatRequest, ResolvedEndpoint } from "./providers/Adapter.js"
import { adapters } from "./providers/registry.js"
import { ProviderPool, type Route } from "./ProviderPool.js"
import { Secrets } from "./Secrets.js"
import { type Attempted, attemptEndpoint } from "./routing/attempt.js"
import { type DecidedRoute, makeAutoRoute } from "./routing/autoRoute.js"
import { continuationOrder, continueOn } from "./routing/continuation.js"
import { describeError } from "./errors/describe.js"
import { sseErrorEvent } from "./providers/sse.js"
import { withKeepAlive } from "./routing/keepAlive.js"
import { logStreamEnd, makeReporter, newTrace, streamEndError, type Trace } from "./routing/report.js"
import { makePaymentSession, type PaymentSession, payOnce, sealAfterPayment } from "./routing/payOnce.js"
import { type AttemptError, failoverPause, failsOver, sameEndpointSchedule } from "./routing/policy.js"
import type { Answer, RouterError, RouterResponse } from "./routing/response.js"
import { type Continuation, streamSession } from "./routing/stream/session.js"
import { UpstreamClient } from "./transport/UpstreamClient.js"
import { ThinkingMemory } from "./reasoning/memory.js"

export interface RouterService {
  readonly handle: (request: ChatRequest) => Effect.Effect<RouterResponse, RouterError>
}

export class Router extends Context.Tag("llmrouter/Router")<Router, RouterService>() {}

type Log = Ref.Ref<ReadonlyArray<AttemptSummary>>

export const make = Effect.gen(function*() {
  const { config } = yield* Config
  const pool = yield* ProviderPool
  const client = yield* UpstreamClient
  const health = yield* Health
  const classifier = yield* Classifier
  const payments = yield* Payments
  const metrics = yield* Metrics
  const conversations = yield* Conversations
  const autoRoute = makeAutoRoute({ config, pool, classifier, conversations, health })
  const secrets = yield* Secrets
  const redact = (text: string) => secrets.redact(text)
  const runtime = yield* Effect.runtime<never>()
  const schedule = sameEndpointSchedule(config.retry)
  const failover = failsOver(config.failoverOnContentFilter)
  const pauseBeforeFailover = failoverPause(config.retry)
  /** Thinking of tool-calling turns, handed back when the tool loop continues (never logged). */
  const memory = new ThinkingMemory({ entries: config.reasoning.memoryEntries, bytes: config.reasoning.memoryBytes })
  /** Round-robin position per load-balanced route. */
  const rotation = new Map<string, number>()

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
  const call = (log: Log, session: PaymentSession) => (endpoint: ResolvedEndpoint, request: ChatRequest) => {
    const adapter = adapters[endpoint.kind]
    if (adapter === undefined) return Effect.die(new Error(`no adapter for ${endpoint.kind}`))
    return payOnce(payments, session, endpoint, (paymentHeaders) => attemptEndpoint(client, adapter, endpoint, request, paymentHeaders).pipe(
      Effect.tap((attempted) => health.success(endpoint.id, attempted.latencyMs)),
      Effect.tapError((error) => error._tag === "InvalidRequest" ? Effect.void : health.failure(endpoint.id, error)),
      Effect.onInterrupt(() => health.release(endpoint.id))
    )).pipe(
      // Logged after payOnce: a refused 402 is reported with why it was not paid.
      Effect.tapError((error) => Ref.update(log, (attempts) => [...attempts, { endpoint: endpoint.id, error: error._tag, message: error.message }]))
    )
  }

  const budgetLeft = (log: Log) => Effect.map(Ref.get(log), (attempts) => attempts.length < config.retry.maxAttempts)

  /** An endpoint's breaker must admit the call; then transient failures are retried there. */
  const onEndpoint = (log: Log, session: PaymentSession, request: ChatRequest) => (endpoint: ResolvedEndpoint) =>
    Effect.flatMap(health.admit(endpoint.id), (admitted): Effect.Effect<Attempted, AttemptError> =>
      admitted
        ? retryOnFailure(call(log, session)(endpoint, request), {
          schedule,
          // a failure that opened the breaker (or a failed half-open probe) is not retried there
          while: () => Effect.zipWith(budgetLeft(log), health.isOpen(endpoint.id), (ok, open) => ok && !open)
        })
        : Effect.flip(health.refusal(endpoint.id)))

  const chain = (log: Log, session: PaymentSession, request: ChatRequest, endpoints: ReadonlyArray<ResolvedEndpoint>) => {
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
  const conclude = (log: Log, model: string) => (last: AttemptError) =>
    Effect.flatMap(Ref.get(log), (attempts): Effect.Effect<never, RouterError> => {
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

  const continuation = (log: Log, session: PaymentSession, request: ChatRequest, endpoints: ReadonlyArray<ResolvedEndpoint>) => {
    const broken = new Set<string>()
    return (delivered: string, failed: ResolvedEndpoint, signal: AbortSignal): Promise<Continuation | string> => {
      broken.add(failed.id)
      const attempt = call(log, session)
      const tries = continuationOrder(endpoints, failed, broken).map((endpoint) =>
        Effect.flatMap(Effect.zip(health.admit(endpoint.id), budgetLeft(log)), ([admitted, ok]): Effect.Effect<Continuation, unknown> =>
          admitted && ok ? continueOn(attempt, endpoint, request, delivered) : Effect.fail("skipped"))
      )
      const first = tries.reduce((previous, next) => Effect.orElse(previous, () => next), Effect.fail("none") as Effect.Effect<Continuation, unknown>)
      return Runtime.runPromise(runtime)(first, { signal }).catch((): string => "no other candidate could continue it")
    }
  }

  const respond = (request: ChatRequest, attempted: Attempted, log: Log, session: PaymentSession, endpoints: ReadonlyArray<ResolvedEndpoint>, deadline: number, route: DecidedRoute, trace: Trace) =>
    Effect.zipLeft(Effect.map(Ref.get(log), (failed): RouterResponse => {
      const { endpoint, outcome } = attempted
      trace.readyAt = Date.now()
      trace.answered = endpoint.id
      const headers = {
        ...attempted.upstreamHeaders,
        ...routeHeaders(route),
        "x-llmrouter-model": endpoint.id,
        "x-llmrouter-attempts": String(failed.length + 1),
        ...(attempted.notes.length === 0 ? {} : { "x-llmrouter-adjusted": attempted.notes.join("; ") })
      }
      const answer: Answer = outcome._tag === "Complete"
        ? outcome
        : {
          _tag: "Stream",
          stream: streamSession(outcome.answer, outcome.head, {
            idleMs: (e) => e.timeouts.idleMs,
            deadline,
            stallMs: config.limits.streamStallTimeoutMs,
            redact,
            continueAnswer: continuation(log, session, request, endpoints),
            onBroken: (e, message) => Runtime.runFork(runtime)(health.failure(e.id, new StreamBroken({ endpoint: e.id, message }))),
            onEnd: (end) =>
              Runtime.runFork(runtime)(Effect.zipRight(
                end.complete && end.endpoint.id !== endpoint.id ? pin(route, end.endpoint) : Effect.void,
                Effect.zipRight(logStreamEnd(end, config.limits.streamStallTimeoutMs), finish(trace, end.endpoint.id, streamEndError(end), usageFromChunk(end.usage)))
              ))
          })
        }
      return { endpoint, answer, headers, ...routeFields(route) }
    }), pin(route, attempted.endpoint))

  const resolve = (request: ChatRequest): Effect.Effect<DecidedRoute, ModelNotFound> =>
    Effect.flatMap(Either.match(pool.resolve(request.model), { onLeft: Effect.fail, onRight: Effect.succeed }), (target) =>
      target._tag === "Route" ? Effect.succeed(target.route) : autoRoute(request))

  /** The conversation was served by `endpoint`: pin it there (a failover re-pins to the endpoint that answered). */
  const pin = (route: DecidedRoute, endpoint: ResolvedEndpoint) =>
    route.conversation === undefined || route.category === undefined
      ? Effect.void
      : conversations.remember(route.conversation, endpoint, route.category)

  const baseline = pool.categoryRoute("reasoning", "").candidates.find((c) => c._tag === "Ready")
  const { finish, settle } = makeReporter(metrics, config, {
    price: makePriceList(config.prices),
    baseline: baseline?._tag === "Ready" ? baseline.endpoint.id : undefined
  })

  const handle = (request: ChatRequest): Effect.Effect<RouterResponse, RouterError> => {
    return routeRequest(request, newTrace(request))
  }

  const routeRequest = (request: ChatRequest, trace: Trace): Effect.Effect<RouterResponse, RouterError> =>
    Effect.gen(function*() {
      const route = yield* Effect.tapError(resolve(request), (error) => finish(trace, undefined, error._tag, NO_TOKENS))
      trace.route = route
      const endpoints = order(route)
      if (endpoints.length === 0) {
        const reasons = route.candidates.map((c) => (c._tag === "Skipped" ? `${c.id}: ${c.reason}` : c.endpoint.id))
        const error = new NoRoutableEndpoint({
          model: request.model,
          reasons: reasons.length > 0 ? reasons : ["the route has no endpoints (configure categories or provider keys)"]
        })
        yield* finish(trace, undefined, error._tag, NO_TOKENS)
        return yield* error
      }
      const log: Log = yield* Ref.make<ReadonlyArray<AttemptSummary>>([])
      const deadline = Date.now() + config.timeouts.totalMs
      const session = makePaymentSession(request.idempotencyKey)
      trace.log = log
      trace.session = session
      // The total deadline travels with the request and bounds every upstream wait (attempt.ts).
      const defaultEffort = route.category === undefined ? undefined : config.reasoning.defaultEffort[route.category]
      const timed: ChatRequest = { ...request, deadline, memory, ...(defaultEffort === undefined ? {} : { defaultEffort }) }
      const work = chain(log, session, timed, endpoints).pipe(
        Effect.catchAll(conclude(log, route.model)),
        sealAfterPayment(session),
        Effect.flatMap((attempted) => respond(timed, attempted, log, session, endpoints, deadline, route, trace)),
        // Failures and complete answers are reported here (also when a keep-alive stream started first); streams at their end.
        Effect.onExit(settle(trace))
      )
      if (!request.stream) return yield* work
      const waited = yield* withKeepAlive(
        work,
        config.timeouts.keepAliveMs,
        (response) => (response.answer._tag === "Stream" ? response.answer.stream : never(response)),
        (error) => {
          const described = describeError(error)
          return sseErrorEvent(redact(described.upstreamError?.message ?? described.message), described.code ?? described.type)
        }
      )
      return waited._tag === "Ready"
        ? waited.value
        : { endpoint: undefined, answer: { _tag: "Stream", stream: waited.stream }, headers: routeHeaders(route), ...routeFields(route) }
    })

  return Router.of({ handle })
})

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

const routeFields = (route: DecidedRoute) => ({
  ...(route.category === undefined ? {} : { category: route.category }),
  ...(route.decision === undefined ? {} : { decision: route.decision }),
  ...(route.reason === undefined ? {} : { reason: route.reason })
})

const routeHeaders = (route: DecidedRoute): Record<string, string> => ({
  ...(route.category === undefined ? {} : { "x-llmrouter-category": route.category }),
  ...(route.decision === undefined ? {} : { "x-llmrouter-confidence": route.decision.confidence.toFixed(2) }),
  ...(route.reason === undefined ? {} : { "x-llmrouter-reason": route.reason }),
  ...(route.conversation === undefined ? {} : { "x-llmrouter-conversation": `${route.conversation.source}:${route.conversation.key.slice(0, 12)}` })
})

const never = (_: unknown): never => {
  throw new Error("a streaming request produced a complete answer")
}

export const layer = Layer.effect(Router, make)
