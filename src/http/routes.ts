/**
 * The HTTP surface as one `HttpApp`: guard → route → handler, errors mapped to OpenAI's shape.
 * Serve it with `Server.layer`, or mount it on your own `@effect/platform` server.
 */
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Cause, Effect, FiberRef, Logger, Option } from "effect"
import { Accounts, CurrentKey } from "../Accounts.js"
import { keyRejectedDescription } from "../accounts/http.js"
import { Config } from "../Config.js"
import { toLogLevel } from "../config/logLevel.js"
import { Health } from "../Health.js"
import { ProviderPool } from "../ProviderPool.js"
import { Router, type RouterResponse } from "../Router.js"
import { Secrets } from "../Secrets.js"
import { readChatRequest } from "./chatRequest.js"
import { describeError, type ErrorDescription } from "../errors/describe.js"
import { type HandledError, redactDescription } from "./errorResponse.js"
import { UnsupportedMediaType } from "../errors/request.js"
import { type Caller, isAdmin, makeAccess } from "./access.js"
import { makeGuard } from "./guard.js"
import { withIdempotencyKey } from "./idempotency.js"
import { errorShapeFor, makeIngressRoutes, withApiKeyAsBearer } from "./ingress.js"
import { withSessionId } from "./sessionId.js"
import { makeObservabilityRoutes } from "./observability.js"
import { makeWalletRoute } from "./wallet.js"

export const makeHttpApp = Effect.gen(function*() {
  const { config } = yield* Config
  const pool = yield* ProviderPool
  const healthService = yield* Health
  const router = yield* Router
  // Optional for embedders that mount this app without `Accounts`: then only plain accessKeys exist.
  const accounts = Option.getOrUndefined(yield* Effect.serviceOption(Accounts))
  const guard = makeGuard(config)
  const secrets = yield* Secrets
  const access = makeAccess(config, accounts)
  const observability = yield* makeObservabilityRoutes
  const started = Math.floor(Date.now() / 1000)
  const wallet = yield* makeWalletRoute
  const ingress = yield* makeIngressRoutes

  const chatCompletions = Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const chat = yield* readChatRequest(request, config.maxBodyBytes)
    // A scoped key (JWT) is checked here, before routing: scope, rpm, budgets; its usage is recorded.
    const handled = router.handle(withSessionId(yield* withIdempotencyKey(chat, request.headers), request.headers))
    return toHttp(yield* (accounts === undefined ? handled : accounts.metered(chat, handled)))
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

  const respond = (request: HttpServerRequest.HttpServerRequest) =>
    Effect.gen(function*() {
      // Anthropic clients send their key as `x-api-key`: the same keys, read as a bearer token.
      const headers = withApiKeyAsBearer(request.headers)
      yield* guard.check(headers)
      // A preflight carries no credentials and gets no data: the Host and Origin checks are its gate.
      if (request.method === "OPTIONS") return preflight()
      const path = request.url.split("?")[0] ?? "/"
      const caller = yield* access.identify(headers)
      yield* access.admit(caller, path)
      const served = Effect.locally(routes, CurrentCaller, caller)
      return yield* (caller._tag === "ScopedKey" ? Effect.locally(served, CurrentKey, caller.key) : served)
    })

  // CORS headers go on error answers too: an allowed page must be able to read why it failed.
  return Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
    const origin = guard.allowedOrigin(request.headers)
    // Errors in the shape of the API the client speaks (Anthropic's on /v1/messages).
    const shapeOf = errorShapeFor(request.url.split("?")[0] ?? "")
    // Whatever shape the error takes, its texts pass through the redactor first.
    const shape = (described: ErrorDescription) => shapeOf(redactDescription(described, secrets))
    return respond(request).pipe(
      Effect.catchTags({
        KeyRejected: (error) => Effect.succeed(shape(keyRejectedDescription(error))),
        RouteNotFound: (error) =>
          Effect.succeed(shape({
            status: 404,
            message: `Unknown endpoint ${error.request.method} ${error.request.url.slice(0, 500)}. Try POST /v1/chat/completions, /v1/messages or /v1/responses.`,
            type: "invalid_request_error",
            code: "unknown_url",
            headers: {}
          }))
      }),
      Effect.catchIf(isHandled, (error) => Effect.succeed(shape(describeError(error)))),
      Effect.catchAllCause((cause) =>
        // A client that hung up interrupts its request: nothing unexpected, nobody to answer.
        (Cause.isInterruptedOnly(cause) ? Effect.void : Effect.logError("unexpected failure", cause)).pipe(
          Effect.as(shape({ status: 500, message: "Internal error in llmrouter (see its log).", type: "server_error", code: "internal_error", headers: {} }))
        )
      ),
      Effect.map((response) => closeAfterRefusal(origin === undefined ? response : withCors(response, origin)))
    )
  }).pipe(Logger.withMinimumLogLevel(toLogLevel(config.logLevel)))
})

const NO_STORE = { "cache-control": "no-store" }

/** Who the request being served comes from (set once it is identified). */
const CurrentCaller = FiberRef.unsafeMake<Caller>({ _tag: "Anonymous" })

/** `application/json`, `application/json; charset=utf-8`, `application/vnd.x+json`. */
const isJson = (contentType: string | undefined) =>
  contentType !== undefined && /^application\/(?:[\w.+-]*\+)?json\s*(?:;|$)/i.test(contentType.trim())

/**
 * Every POST route takes JSON, and says so: any other (or no) content type is a 415 before the
 * body is read, so a browser form or "simple request" never reaches routing.
 */
export const jsonBody = <A, E, R>(
  handler: Effect.Effect<A, E, R>
): Effect.Effect<A, E | UnsupportedMediaType, R | HttpServerRequest.HttpServerRequest> =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request): Effect.Effect<A, E | UnsupportedMediaType, R> => {
    const contentType = request.headers["content-type"]
    return isJson(contentType) ? handler : Effect.fail(new UnsupportedMediaType(contentType === undefined ? {} : { contentType }))
  })

/**
 * After a refused key or an oversized body the connection is closed: an unauthenticated client
 * cannot keep a socket, and an unread body is never parsed as the next request.
 */
const closeAfterRefusal = (response: HttpServerResponse.HttpServerResponse) =>
  response.status === 401 || response.status === 403 || response.status === 413
    ? HttpServerResponse.setHeader(response, "connection", "close")
    : response

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
      contentType: "text/event-stream; charset=utf-8",
      headers: { ...response.headers, "cache-control": "no-cache", "x-accel-buffering": "no" }
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

const withCors = (response: HttpServerResponse.HttpServerResponse, origin: string) =>
  response.pipe(
    HttpServerResponse.setHeaders({
      "access-control-allow-origin": origin,
      "access-control-expose-headers": "x-llmrouter-model, x-llmrouter-attempts, x-llmrouter-category, x-llmrouter-confidence, x-llmrouter-reason, x-llmrouter-conversation",
      vary: "origin"
    })
  )

const handledTags = new Set([
  "InvalidRequest", "PayloadTooLarge", "Forbidden", "Unauthorized", "UnsupportedMediaType", "ModelNotFound", "NoRoutableEndpoint",
  "AllCandidatesFailed", "RateLimited", "PaymentRequired", "Unavailable", "NotFound", "Timeout",
  "ConnectionFailed", "BadRequest", "StreamBroken", "PaymentFailed"
])

const isHandled = (error: unknown): error is HandledError =>
  typeof error === "object" && error !== null && "_tag" in error && handledTags.has(String(error._tag))
