/**
 * What every request passes at the edge, written once for both ways a request arrives: the
 * `@effect/platform` app (`routes.ts`, every route) and the lean Node listener for chat completions
 * (`nodeChat.ts`, the hot path). Admission (strict Host, Origin, who is calling and whether they may
 * reach the path), the chat request from its bytes to the Router's answer, and any failure as the
 * response the client gets: redacted, in the shape of the API the path speaks, with CORS headers.
 */
import type { HttpServerResponse } from "@effect/platform"
import { HttpServerResponse as Response } from "@effect/platform"
import { Cause, Effect, FiberRef, Option } from "effect"
import { Accounts, CurrentKey } from "../Accounts.js"
import type { KeyRejected } from "../accounts/errors.js"
import { keyRejectedDescription } from "../accounts/http.js"
import { Config } from "../Config.js"
import { describeError, type ErrorDescription } from "../errors/describe.js"
import { type Forbidden, type InvalidRequest, type Unauthorized, UnsupportedMediaType } from "../errors/request.js"
import { Router } from "../Router.js"
import type { RouterError, RouterResponse } from "../routing/response.js"
import { Secrets } from "../Secrets.js"
import { type Caller, makeAccess } from "./access.js"
import { decodeChatRequest } from "./chatRequest.js"
import { type HandledError, redactDescription } from "./errorResponse.js"
import { type Guard, makeGuard } from "./guard.js"
import { withIdempotencyKey } from "./idempotency.js"
import { errorShapeFor } from "./ingress.js"
import { withSessionId } from "./sessionId.js"

export type Headers = Readonly<Record<string, string | undefined>>

export interface Edge {
  readonly guard: Guard
  /**
   * The checks before any route, in order: Host and Origin (`guard.ts`), then who is calling and
   * whether they may reach `path` (`access.ts`). Anthropic clients' `x-api-key` counts as a bearer.
   */
  readonly admit: (headers: Headers, path: string) => Effect.Effect<Caller, Forbidden | Unauthorized | KeyRejected>
  /** `effect` served for `caller`: its key is the request's `CurrentKey` (metered by `Accounts`). */
  readonly as: <A, E, R>(effect: Effect.Effect<A, E, R>, caller: Caller) => Effect.Effect<A, E, R>
  /** A chat completions body → the Router's answer (idempotency key, session, scoped-key metering). */
  readonly chat: (headers: Headers, bytes: Uint8Array | ArrayBuffer) => Effect.Effect<RouterResponse, InvalidRequest | RouterError | KeyRejected>
  /** A described failure as the response to a request to `path`: redacted, in the shape of the path's API. */
  readonly shape: (path: string) => (described: ErrorDescription) => HttpServerResponse.HttpServerResponse
  /**
   * Any failure of a request to `path` as the response the client gets: handled errors described,
   * unexpected ones logged (500), every text through the redactor, in the shape of the path's API.
   */
  readonly failure: (path: string) => (cause: Cause.Cause<unknown>) => Effect.Effect<HttpServerResponse.HttpServerResponse>
  /** The last touch on every answer: CORS for an allowed origin, and a refused client's connection closed. */
  readonly finish: (response: HttpServerResponse.HttpServerResponse, origin: string | undefined) => HttpServerResponse.HttpServerResponse
}

/** Who the request being served comes from (set once it is identified). */
export const CurrentCaller = FiberRef.unsafeMake<Caller>({ _tag: "Anonymous" })

export const makeEdge = Effect.gen(function*() {
  const { config } = yield* Config
  const router = yield* Router
  // Optional for embedders that mount the app without `Accounts`: then only plain accessKeys exist.
  const accounts = Option.getOrUndefined(yield* Effect.serviceOption(Accounts))
  const secrets = yield* Secrets
  const guard = makeGuard(config)
  const access = makeAccess(config, accounts)

  // A key sent as `x-api-key` (Anthropic's clients) is read where every key is: `presentedKey` (access.ts).
  const admit: Edge["admit"] = (headers, path) =>
    Effect.zipRight(
      guard.check(headers),
      Effect.flatMap(access.identify(headers), (caller) => Effect.as(access.admit(caller, path), caller))
    )

  const as: Edge["as"] = (effect, caller) => {
    const served = Effect.locally(effect, CurrentCaller, caller)
    return caller._tag === "ScopedKey" ? Effect.locally(served, CurrentKey, caller.key) : served
  }

  const chat: Edge["chat"] = (headers, bytes) =>
    Effect.flatMap(decodeChatRequest(bytes), (parsed) =>
      Effect.flatMap(withIdempotencyKey(parsed, headers), (keyed) => {
        // A scoped key (JWT) is checked here, before routing: scope, rpm, budgets; its usage is recorded.
        const handled = router.handle(withSessionId(keyed, headers))
        return accounts === undefined ? handled : accounts.metered(parsed, handled)
      }))

  const shape: Edge["shape"] = (path) => {
    // Errors in the shape of the API the client speaks (Anthropic's on /v1/messages).
    const shapeOf = errorShapeFor(path)
    // Whatever shape the error takes, its texts pass through the redactor first.
    return (described) => shapeOf(redactDescription(described, secrets))
  }

  const failure: Edge["failure"] = (path) => {
    const shaped = shape(path)
    return (cause) => {
      const failed = Cause.failureOption(cause)
      if (failed._tag === "Some") {
        const error = failed.value
        if (isTagged(error, "KeyRejected")) return Effect.succeed(shaped(keyRejectedDescription(error as KeyRejected)))
        if (isHandled(error)) return Effect.succeed(shaped(describeError(error)))
      }
      // A client that hung up interrupts its request: nothing unexpected, nobody to answer.
      return (Cause.isInterruptedOnly(cause) ? Effect.void : Effect.logError("unexpected failure", cause)).pipe(
        Effect.as(shaped({ status: 500, message: "Internal error in llmrouter (see its log).", type: "server_error", code: "internal_error", headers: {} }))
      )
    }
  }

  const finish: Edge["finish"] = (response, origin) => closeAfterRefusal(origin === undefined ? response : withCors(response, origin))

  return { guard, admit, as, chat, shape, failure, finish } satisfies Edge
})

/** `application/json`, `application/json; charset=utf-8`, `application/vnd.x+json`. */
const isJson = (contentType: string | undefined) =>
  contentType !== undefined && /^application\/(?:[\w.+-]*\+)?json\s*(?:;|$)/i.test(contentType.trim())

/**
 * Every POST route takes JSON, and says so: any other (or no) content type is a 415 before the
 * body is read, so a browser form or "simple request" never reaches routing.
 */
export const requireJson = (headers: Headers): Effect.Effect<void, UnsupportedMediaType> => {
  const contentType = headers["content-type"]
  return isJson(contentType) ? Effect.void : Effect.fail(new UnsupportedMediaType(contentType === undefined ? {} : { contentType }))
}

/** Headers of a streamed answer, besides the Router's own. */
export const STREAM_HEADERS = { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", "x-accel-buffering": "no" } as const

/** CORS headers go on error answers too: an allowed page must be able to read why it failed. */
export const corsHeaders = (origin: string) => ({
  "access-control-allow-origin": origin,
  "access-control-expose-headers":
    "x-llmrouter-model, x-llmrouter-attempts, x-llmrouter-category, x-llmrouter-confidence, x-llmrouter-reason, x-llmrouter-conversation",
  vary: "origin"
})

const withCors = (response: HttpServerResponse.HttpServerResponse, origin: string) => Response.setHeaders(response, corsHeaders(origin))

/**
 * After a refused key or an oversized body the connection is closed: an unauthenticated client
 * cannot keep a socket, and an unread body is never parsed as the next request.
 */
const closeAfterRefusal = (response: HttpServerResponse.HttpServerResponse) =>
  response.status === 401 || response.status === 403 || response.status === 413
    ? Response.setHeader(response, "connection", "close")
    : response

const handledTags: ReadonlySet<string> = new Set([
  "InvalidRequest", "StateUnavailable", "PayloadTooLarge", "Forbidden", "Unauthorized", "UnsupportedMediaType", "ModelNotFound", "NoRoutableEndpoint",
  "AllCandidatesFailed", "RateLimited", "PaymentRequired", "Unavailable", "NotFound", "Timeout",
  "ConnectionFailed", "BadRequest", "StreamBroken", "PaymentFailed"
])

const isTagged = (error: unknown, tag: string) => typeof error === "object" && error !== null && "_tag" in error && error._tag === tag

const isHandled = (error: unknown): error is HandledError =>
  typeof error === "object" && error !== null && "_tag" in error && handledTags.has(String(error._tag))
