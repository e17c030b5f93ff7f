/**
 * The `Router` service: the request path. Resolve the model (classifying `auto`), then try the
 * candidate chain (`routing/chain`) — breaker admission, same-endpoint retries on a `Schedule`, failover by
 * `catchIf` over the error tags, a bounded attempt budget and a total deadline — until one endpoint
 * produces a complete answer or its first streamed content. Nothing is retried once a byte has
 * reached the client; a committed stream that breaks is continued elsewhere (`routing/stream`,
 * `routing/continuation`).
 */
import { Context, Effect, Either, Layer, Runtime } from "effect"
import { Classifier } from "./Classifier.js"
import { Config } from "./Config.js"
import { Conversations } from "./Conversations.js"
import { type ModelNotFound, NoRoutableEndpoint } from "./errors/request.js"
import { StreamBroken } from "./errors/upstream.js"
import { Health } from "./Health.js"
import { Metrics } from "./Metrics.js"
import { makePriceList } from "./metrics/prices.js"
import { NO_TOKENS, usageFromChunk } from "./metrics/usage.js"
import { Payments } from "./Payments.js"
import type { ChatRequest, ResolvedEndpoint } from "./providers/Adapter.js"
import { ProviderPool } from "./ProviderPool.js"
import { Secrets } from "./Secrets.js"
import type { Attempted } from "./routing/attempt.js"
import { AttemptLog, makeCandidateChain } from "./routing/chain.js"
import { type DecidedRoute, makeAutoRoute } from "./routing/autoRoute.js"
import { continueElsewhere } from "./routing/continuation.js"
import { describeError } from "./errors/describe.js"
import { sseErrorEvent } from "./providers/sse.js"
import { withKeepAlive } from "./routing/keepAlive.js"
import { logStreamEnd, makeReporter, newTrace, streamEndError, type Trace } from "./routing/report.js"
import { makePaymentSession, type PaymentSession, sealAfterPayment } from "./routing/payOnce.js"
import type { Answer, RouterError, RouterResponse } from "./routing/response.js"
import { streamSession } from "./routing/stream/session.js"
import { UpstreamClient } from "./transport/UpstreamClient.js"
import { ThinkingMemory } from "./reasoning/memory.js"

export interface RouterService {
  readonly handle: (request: ChatRequest) => Effect.Effect<RouterResponse, RouterError>
}

export class Router extends Context.Tag("llmrouter/Router")<Router, RouterService>() {}

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
  /** Thinking of tool-calling turns, handed back when the tool loop continues (never logged). */
  const memory = new ThinkingMemory({ entries: config.reasoning.memoryEntries, bytes: config.reasoning.memoryBytes })
  const { order, call, budgetLeft, chain, conclude } = makeCandidateChain({ config, client, health, payments })

  const respond = (request: ChatRequest, attempted: Attempted, log: AttemptLog, session: PaymentSession, endpoints: ReadonlyArray<ResolvedEndpoint>, deadline: number, route: DecidedRoute, trace: Trace) =>
    Effect.zipLeft(Effect.sync((): RouterResponse => {
      const { endpoint, outcome } = attempted
      trace.readyAt = Date.now()
      trace.answered = endpoint.id
      const headers = {
        ...attempted.upstreamHeaders,
        ...routeHeaders(route),
        "x-llmrouter-model": endpoint.id,
        "x-llmrouter-attempts": String(log.size + 1),
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
            continueAnswer: continueElsewhere({ health, runtime, attempt: call(log, session), budgetLeft: budgetLeft(log) }, request, endpoints),
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
      const log = new AttemptLog()
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
