/**
 * One upstream call for one endpoint: build the request with the endpoint's adapter, send it, and
 * either fail with a tagged error (error bodies read and drained) or return the answer ready for
 * the client: a complete body, or a relayed stream.
 */
import { Effect, Either } from "effect"
import type { Readable } from "node:stream"
import type { InvalidRequest } from "../errors/request.js"
import type { UpstreamError } from "../errors/upstream.js"
import type { Adapter, ChatRequest, ResolvedEndpoint } from "../providers/Adapter.js"
import { headerValue } from "../providers/httpErrors.js"
import { readBody, readErrorBody } from "../transport/readBody.js"
import type { UpstreamClientService } from "../transport/UpstreamClient.js"
import { relayStream } from "./relay.js"

export type Answer =
  | { readonly _tag: "Complete"; readonly bytes: Buffer | string }
  | { readonly _tag: "Stream"; readonly stream: Readable }

export interface AnswerFrom {
  readonly endpoint: ResolvedEndpoint
  readonly answer: Answer
  /** Upstream headers worth passing on (request ids). */
  readonly upstreamHeaders: Readonly<Record<string, string>>
}

/** Largest non-streaming upstream answer the router will buffer. */
const MAX_RESPONSE_BYTES = 64 * 1024 * 1024

export const attemptEndpoint = (
  client: UpstreamClientService,
  adapter: Adapter,
  endpoint: ResolvedEndpoint,
  request: ChatRequest
): Effect.Effect<AnswerFrom, UpstreamError | InvalidRequest> =>
  Effect.gen(function*() {
    const upstreamRequest = yield* Either.match(adapter.buildRequest(endpoint, request), {
      onLeft: Effect.fail,
      onRight: Effect.succeed
    })
    const response = yield* client.send(endpoint, upstreamRequest)
    if (response.status < 200 || response.status >= 300) {
      const text = yield* readErrorBody(endpoint, response.body)
      return yield* Effect.fail(adapter.parseError(endpoint, response.status, response.headers, text))
    }
    const upstreamHeaders = passOnHeaders(response.headers)
    if (!request.stream) {
      const bytes = yield* readBody(endpoint, response.body, MAX_RESPONSE_BYTES)
      const translated = yield* Either.match(adapter.translateResponse(endpoint, request, bytes), {
        onLeft: Effect.fail,
        onRight: Effect.succeed
      })
      return { endpoint, upstreamHeaders, answer: { _tag: "Complete", bytes: translated } }
    }
    const stream = relayStream(endpoint, response.body, adapter.streamTranslator(endpoint, request))
    return { endpoint, upstreamHeaders, answer: { _tag: "Stream", stream } }
  })

const passOnHeaders = (headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>) => {
  const id = headerValue(headers, "x-request-id") ?? headerValue(headers, "request-id")
  return id === undefined ? {} : { "x-upstream-request-id": id }
}
