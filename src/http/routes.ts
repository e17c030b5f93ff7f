/**
 * The HTTP surface as one `HttpApp`: guard → route → handler, errors mapped to OpenAI's shape.
 * Serve it with `Server.layer`, or mount it on your own `@effect/platform` server.
 */
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Effect, Logger } from "effect"
import { Config } from "../Config.js"
import { toLogLevel } from "../config/logLevel.js"
import type { UnsupportedMediaType } from "../errors/request.js"
import { Health } from "../Health.js"
import { ProviderPool } from "../ProviderPool.js"
import type { RouterResponse } from "../routing/response.js"
import { type Caller, isAdmin } from "./access.js"
import { CurrentCaller, makeEdge, requireJson, STREAM_HEADERS } from "./edge.js"
import { makeIngressRoutes } from "./ingress.js"
import { makeObservabilityRoutes } from "./observability.js"
import { readRequestBytes } from "./requestBody.js"
import { makeWalletRoute } from "./wallet.js"

export const makeHttpApp = Effect.gen(function*() {
  const { config } = yield* Config
  const pool = yield* ProviderPool
  const healthService = yield* Health
  const edge = yield* makeEdge
  const observability = yield* makeObservabilityRoutes
  const started = Math.floor(Date.now() / 1000)
  const wallet = yield* makeWalletRoute
  const ingress = yield* makeIngressRoutes

  // Served here for embedders mounting this app; `Server` answers it on a leaner path (`nodeChat.ts`).
  const chatCompletions = Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const bytes = yield* readRequestBytes(request, config.maxBodyBytes)
    return toHttp(yield* edge.chat(request.headers, bytes))
  })

  const models = Effect.succeed(
    HttpServerResponse.unsafeJson({
      object: "list",
      data: pool.modelNames.map((id) => ({ id, object: "model", created: started, owned_by: "llmrouter" }))
    })
  )

  /** Everyone may ask whether the router is up; only an admin sees providers, endpoints and errors. */
  const health = (caller: Caller) =>
    Effect.map(healthService.snapshot, (snapshot) => {
      const routable = pool.providers.filter((p) => p.routable).length
      const status = routable === 0 ? "no_providers" : snapshot.endpoints.some((e) => e.state === "open") ? "degraded" : "ok"
      if (!isAdmin(caller)) return HttpServerResponse.unsafeJson({ status }, { headers: NO_STORE })
      return HttpServerResponse.unsafeJson({
        status,
        providers: pool.providers.map((provider) => ({
          ...provider,
          apiBase: redactUrl(provider.apiBase),
          check: snapshot.providers.find((c) => c.provider === provider.name) ?? null,
          endpoints: snapshot.endpoints.filter((e) => e.endpoint.startsWith(`${provider.name}:`))
        })),
        models: pool.modelNames
      }, { headers: NO_STORE })
    })

  const routes = HttpRouter.empty.pipe(
    HttpRouter.post("/v1/chat/completions", jsonBody(chatCompletions)),
    HttpRouter.post("/chat/completions", jsonBody(chatCompletions)),
    HttpRouter.post("/v1/messages", jsonBody(ingress.messages)),
    HttpRouter.post("/messages", jsonBody(ingress.messages)),
    HttpRouter.post("/v1/messages/count_tokens", jsonBody(ingress.countTokens)),
    HttpRouter.post("/messages/count_tokens", jsonBody(ingress.countTokens)),
    HttpRouter.post("/v1/responses", jsonBody(ingress.responses)),
    HttpRouter.post("/responses", jsonBody(ingress.responses)),
    HttpRouter.get("/v1/models", models),
    HttpRouter.get("/models", models),
    HttpRouter.get("/health", Effect.flatMap(CurrentCaller, health)),
    HttpRouter.get("/wallet", wallet),
    HttpRouter.get("/v1/wallet", wallet),
    HttpRouter.get("/metrics", observability.metrics),
    HttpRouter.get("/stats", observability.stats),
    HttpRouter.get("/", observability.page),
    HttpRouter.get("/status", observability.page)
  )

  const respond = (request: HttpServerRequest.HttpServerRequest, path: string) =>
    request.method === "OPTIONS"
      // A preflight carries no credentials and gets no data: the Host and Origin checks are its gate.
      ? Effect.as(edge.guard.check(request.headers), preflight())
      : Effect.flatMap(edge.admit(request.headers, path), (caller) => edge.as(routes, caller))

  return Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
    const path = request.url.split("?")[0] ?? "/"
    return respond(request, path).pipe(
      Effect.catchTag("RouteNotFound", (error) =>
        Effect.succeed(edge.shape(path)({
          status: 404,
          message: `Unknown endpoint ${error.request.method} ${error.request.url.slice(0, 500)}. Try POST /v1/chat/completions, /v1/messages or /v1/responses.`,
          type: "invalid_request_error",
          code: "unknown_url",
          headers: {}
        }))),
      Effect.catchAllCause(edge.failure(path)),
      Effect.map((response) => edge.finish(response, edge.guard.allowedOrigin(request.headers)))
    )
  }).pipe(Logger.withMinimumLogLevel(toLogLevel(config.logLevel)))
})

const NO_STORE = { "cache-control": "no-store" }

/** Every POST route takes JSON (`requireJson`: 415 before the body is read). */
const jsonBody = <A, E, R>(
  handler: Effect.Effect<A, E, R>
): Effect.Effect<A, E | UnsupportedMediaType, R | HttpServerRequest.HttpServerRequest> =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => Effect.zipRight(requireJson(request.headers), handler))

/** A base URL as shown to an admin: no credentials, no query (where secrets go). */
const redactUrl = (url: string) => {
  try {
    const parsed = new URL(url)
    parsed.username = ""
    parsed.password = ""
    parsed.search = ""
    return parsed.toString().replace(/\/$/, "")
  } catch {
    return "(unparseable URL)"
  }
}

const toHttp = (response: RouterResponse) =>
  response.answer._tag === "Complete"
    ? HttpServerResponse.uint8Array(
      typeof response.answer.bytes === "string" ? Buffer.from(response.answer.bytes) : response.answer.bytes,
      { contentType: "application/json", headers: response.headers }
    )
    : HttpServerResponse.raw(response.answer.stream, {
      headers: { ...response.headers, ...STREAM_HEADERS }
    })

const preflight = () =>
  HttpServerResponse.empty({
    status: 204,
    headers: {
      "access-control-allow-methods": "GET, POST, OPTIONS",
      "access-control-allow-headers": "authorization, content-type, idempotency-key, x-session-id, x-api-key, anthropic-version, anthropic-beta",
      "access-control-max-age": "600"
    }
  })
