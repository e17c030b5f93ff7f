/**
 * The client-facing APIs besides Chat Completions: `POST /v1/messages` (Anthropic Messages, with
 * `count_tokens`) and `POST /v1/responses` (OpenAI Responses). Each request is read and bounded
 * like a chat request, decoded by its API's codec, routed exactly like a chat request (scoped
 * keys, idempotency, failover, payments, metrics) and encoded back. Failures take the shape of the
 * API the route speaks (`errorShapeFor`).
 */
import { HttpServerRequest } from "@effect/platform"
import { Effect, Option } from "effect"
import { Accounts } from "../Accounts.js"
import { Config } from "../Config.js"
import type { ErrorShape, IngressCodec } from "../ingress/Codec.js"
import { messagesCodec } from "../ingress/messages/codec.js"
import { countTokens } from "../ingress/messages/countTokens.js"
import { messagesError } from "../ingress/messages/errors.js"
import { makeResponsesCodec } from "../ingress/responses/codec.js"
import { ResponseStore } from "../ingress/responses/ResponseStore.js"
import { Router } from "../Router.js"
import { readRequestBytes } from "./requestBody.js"
import { parseJsonObject } from "./jsonBody.js"
import { describedErrorResponse } from "./errorResponse.js"
import { withIdempotencyKey } from "./idempotency.js"
import { withSessionId } from "./sessionId.js"

export const makeIngressRoutes = Effect.gen(function*() {
  const { config } = yield* Config
  const router = yield* Router
  // Optional for embedders: without `Accounts` only plain accessKeys exist; without a store, nothing is stored.
  const accounts = Option.getOrUndefined(yield* Effect.serviceOption(Accounts))
  const store = Option.getOrUndefined(yield* Effect.serviceOption(ResponseStore))

  const readBody = Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) =>
    Effect.flatMap(readRequestBytes(request, config.maxBodyBytes), parseJsonObject))

  const serve = <C>(codec: IngressCodec<C>) =>
    Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const { body } = yield* readBody
      const { chat, context } = yield* codec.decode(body, request.headers)
      const handled = router.handle(withSessionId(yield* withIdempotencyKey(chat, request.headers), request.headers))
      // A scoped key is checked before routing (scope, rpm, budgets) and its usage recorded, as for chat.
      return yield* codec.encode(yield* (accounts === undefined ? handled : accounts.metered(chat, handled)), context)
    })

  return {
    messages: serve(messagesCodec),
    responses: serve(makeResponsesCodec(store)),
    countTokens: Effect.flatMap(readBody, ({ body }) => countTokens(body))
  }
})

/** The error shape of the API a path belongs to: Anthropic's for `/v1/messages…`, OpenAI's elsewhere. */
export const errorShapeFor = (path: string): ErrorShape =>
  /^(\/v1)?\/messages(\/|$)/.test(path) ? messagesError : describedErrorResponse
