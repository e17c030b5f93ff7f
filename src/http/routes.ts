/**
 * The HTTP surface as one `HttpApp`: guard → route → handler, errors mapped to OpenAI's shape.
 * Serve it with `Server.layer`, or mount it on your own `@effect/platform` server.
 */
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Effect } from "effect"
import { Config } from "../Config.js"
import { ProviderPool } from "../ProviderPool.js"
import { Router, type RouterResponse } from "../Router.js"
import { readChatRequest } from "./chatRequest.js"
import { errorResponse, type HandledError, openAiError } from "./errorResponse.js"
import { makeGuard } from "./guard.js"

export const makeHttpApp = Effect.gen(function*() {
  const { config } = yield* Config
  const pool = yield* ProviderPool
  const router = yield* Router
  const guard = makeGuard(config)
  const started = Math.floor(Date.now() / 1000)

  const chatCompletions = Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const chat = yield* readChatRequest(request, config.maxBodyBytes)
    return toHttp(yield* router.handle(chat))
  })

  const models = Effect.succeed(
    HttpServerResponse.unsafeJson({
      object: "list",
      data: pool.modelNames.map((id) => ({ id, object: "model", created: started, owned_by: "llmrouter" }))
    })
  )

  const health = Effect.sync(() => {
    const routable = pool.providers.filter((p) => p.routable).length
    return HttpServerResponse.unsafeJson({
      status: routable > 0 ? "ok" : "no_providers",
      providers: pool.providers,
      models: pool.modelNames
    })
  })

  const routes = HttpRouter.empty.pipe(
    HttpRouter.post("/v1/chat/completions", chatCompletions),
    HttpRouter.post("/chat/completions", chatCompletions),
    HttpRouter.get("/v1/models", models),
    HttpRouter.get("/models", models),
    HttpRouter.get("/health", health)
  )

  return Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const origin = guard.allowedOrigin(request.headers)
    yield* guard.check(request.headers, { requireKey: request.url !== "/health" })
    const response = request.method === "OPTIONS" ? preflight() : yield* routes
    return origin === undefined ? response : withCors(response, origin)
  }).pipe(
    Effect.catchTags({
      RouteNotFound: (error) =>
        Effect.succeed(openAiError(404, {
          message: `Unknown endpoint ${error.request.method} ${error.request.url}. Try POST /v1/chat/completions.`,
          type: "invalid_request_error",
          code: "unknown_url"
        }))
    }),
    Effect.catchIf(isHandled, (error) => Effect.succeed(errorResponse(error))),
    Effect.catchAllCause((cause) =>
      Effect.logError("unexpected failure", cause).pipe(
        Effect.as(openAiError(500, { message: "Internal error in llmrouter (see its log).", type: "server_error", code: "internal_error" }))
      )
    )
  )
})

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
      "access-control-allow-headers": "authorization, content-type, idempotency-key",
      "access-control-max-age": "600"
    }
  })

const withCors = (response: HttpServerResponse.HttpServerResponse, origin: string) =>
  response.pipe(
    HttpServerResponse.setHeaders({
      "access-control-allow-origin": origin,
      "access-control-expose-headers": "x-llmrouter-model, x-llmrouter-attempts, x-llmrouter-category",
      vary: "origin"
    })
  )

const handledTags = new Set([
  "InvalidRequest", "PayloadTooLarge", "Forbidden", "Unauthorized", "ModelNotFound", "NoRoutableEndpoint",
  "AllCandidatesFailed", "RateLimited", "PaymentRequired", "Unavailable", "NotFound", "Timeout",
  "ConnectionFailed", "BadRequest", "StreamBroken"
])

const isHandled = (error: unknown): error is HandledError =>
  typeof error === "object" && error !== null && "_tag" in error && handledTags.has(String(error._tag))
