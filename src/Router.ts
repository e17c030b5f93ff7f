/**
 * The `Router` service: the request path. Resolve the model to a candidate chain, then try the
 * chain — same-endpoint retries on a `Schedule`, failover by `catchIf` over the error tags, a
 * bounded attempt budget and a total deadline — until one endpoint answers. Nothing here is
 * retried once a byte has reached the client: the answer is returned before any byte is written.
 */
import { Context, Effect, Either, Layer, Ref } from "effect"
import { Config } from "./Config.js"
import type { Category } from "./config/schema.js"
import { type ModelNotFound, NoRoutableEndpoint } from "./errors/request.js"
import { AllCandidatesFailed, type AttemptSummary } from "./errors/routing.js"
import { type BadRequest, Timeout } from "./errors/upstream.js"
import type { ChatRequest, ResolvedEndpoint } from "./providers/Adapter.js"
import { adapters } from "./providers/registry.js"
import type { Candidate } from "./providers/resolve.js"
import { ProviderPool, type Route } from "./ProviderPool.js"
import { type Answer, attemptEndpoint, type AnswerFrom } from "./routing/attempt.js"
import { type AttemptError, failsOver, sameEndpointSchedule } from "./routing/policy.js"
import { UpstreamClient } from "./transport/UpstreamClient.js"

export interface RouterResponse {
  /** The endpoint that answered. */
  readonly endpoint: ResolvedEndpoint
  /** Upstream calls made, retries and failovers included. */
  readonly attempts: number
  readonly category?: Category
  readonly answer: Answer
  /** Response headers for the client: `x-llmrouter-*` and pass-through ids. */
  readonly headers: Readonly<Record<string, string>>
}

export type RouterError = ModelNotFound | NoRoutableEndpoint | AllCandidatesFailed | BadRequest | AttemptError

export interface RouterService {
  readonly handle: (request: ChatRequest) => Effect.Effect<RouterResponse, RouterError>
}

export class Router extends Context.Tag("llmrouter/Router")<Router, RouterService>() {}

export const make = Effect.gen(function*() {
  const { config } = yield* Config
  const pool = yield* ProviderPool
  const client = yield* UpstreamClient
  const schedule = sameEndpointSchedule(config.retry)
  /** Round-robin position per load-balanced route. */
  const rotation = new Map<string, number>()

  const order = (route: Route): ReadonlyArray<ResolvedEndpoint> => {
    const ready = route.candidates.flatMap((c: Candidate) => (c._tag === "Ready" ? [c.endpoint] : []))
    if (route.strategy !== "load_balance" || ready.length < 2) return ready
    const start = rotation.get(route.model) ?? 0
    rotation.set(route.model, (start + 1) % ready.length)
    return [...ready.slice(start), ...ready.slice(0, start)]
  }

  const runChain = (request: ChatRequest, route: Route, endpoints: ReadonlyArray<ResolvedEndpoint>) =>
    Effect.gen(function*() {
      const log = yield* Ref.make<ReadonlyArray<AttemptSummary>>([])
      const budgetLeft = Effect.map(Ref.get(log), (attempts) => attempts.length < config.retry.maxAttempts)

      const once = (endpoint: ResolvedEndpoint) => {
        const adapter = adapters[endpoint.kind]
        return adapter === undefined
          ? Effect.die(new Error(`no adapter for ${endpoint.kind}`))
          : attemptEndpoint(client, adapter, endpoint, request).pipe(
            Effect.tapError((error) =>
              Ref.update(log, (attempts) => [...attempts, { endpoint: endpoint.id, error: error._tag, message: error.message }])
            )
          )
      }
      const onEndpoint = (endpoint: ResolvedEndpoint): Effect.Effect<AnswerFrom, AttemptError> =>
        once(endpoint).pipe(
          Effect.retry({ schedule, while: () => budgetLeft })
        )
      const chain = endpoints.slice(1).reduce(
        (previous, endpoint) =>
          previous.pipe(
            Effect.catchIf(failsOver, (error) =>
              Effect.flatMap(budgetLeft, (ok) => (ok ? onEndpoint(endpoint) : Effect.fail(error))))
          ),
        onEndpoint(endpoints[0] as ResolvedEndpoint)
      )
      const answer = yield* chain.pipe(
        Effect.catchIf(failsOver, (last) =>
          last._tag === "InvalidRequest"
            ? Effect.fail<AttemptError | AllCandidatesFailed>(last)
            : Effect.flatMap(Ref.get(log), (attempts) =>
              Effect.fail(new AllCandidatesFailed({ model: route.model, attempts, last }))))
      )
      return { answer, attempts: (yield* Ref.get(log)).length + 1 }
    })

  const handle = (request: ChatRequest): Effect.Effect<RouterResponse, RouterError> =>
    Effect.gen(function*() {
      const target = yield* Either.match(pool.resolve(request.model), { onLeft: Effect.fail, onRight: Effect.succeed })
      if (target._tag === "Auto") {
        return yield* new NoRoutableEndpoint({ model: request.model, reasons: ["the classifier is not available"] })
      }
      const route = target.route
      const endpoints = order(route)
      if (endpoints.length === 0) {
        const reasons = route.candidates.map((c) => (c._tag === "Skipped" ? `${c.id}: ${c.reason}` : c.endpoint.id))
        return yield* new NoRoutableEndpoint({
          model: request.model,
          reasons: reasons.length > 0 ? reasons : ["the route has no endpoints (configure categories or provider keys)"]
        })
      }
      const { answer, attempts } = yield* runChain(request, route, endpoints).pipe(
        Effect.timeoutFail({
          duration: config.timeouts.totalMs,
          onTimeout: () => new Timeout({ endpoint: route.model, phase: "total", message: `no upstream answered '${route.model}' within ${config.timeouts.totalMs} ms` })
        })
      )
      return {
        endpoint: answer.endpoint,
        attempts,
        ...(route.category === undefined ? {} : { category: route.category }),
        answer: answer.answer,
        headers: {
          ...answer.upstreamHeaders,
          "x-llmrouter-model": answer.endpoint.id,
          "x-llmrouter-attempts": String(attempts),
          ...(route.category === undefined ? {} : { "x-llmrouter-category": route.category })
        }
      }
    })

  return Router.of({ handle })
})

export const layer = Layer.effect(Router, make)
