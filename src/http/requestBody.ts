/**
 * A client's request body, read once into bytes and never more than `maxBodyBytes`: refused up
 * front when `content-length` says it is too large, cut off (413) when a chunked body grows past
 * the limit. The bytes are kept as they are: parsed once, and forwarded as-is on every attempt.
 */
import { HttpIncomingMessage, type HttpServerRequest } from "@effect/platform"
import { Effect, Option } from "effect"
import { IncomingMessage } from "node:http"
import { InvalidRequest, PayloadTooLarge } from "../errors/request.js"
import { collect } from "../streams/collect.js"

/** The body of a platform request (on Node: straight from the `IncomingMessage`). Every JSON endpoint reads its body this way. */
export const readRequestBytes = (
  request: HttpServerRequest.HttpServerRequest,
  maxBodyBytes: number
): Effect.Effect<ArrayBuffer | Uint8Array, InvalidRequest | PayloadTooLarge> =>
  request.source instanceof IncomingMessage
    ? readNodeBody(request.source, maxBodyBytes)
    : declaredTooLarge(request.headers["content-length"], maxBodyBytes)
    ? Effect.fail(new PayloadTooLarge({ limitBytes: maxBodyBytes }))
    : request.arrayBuffer.pipe(
      HttpIncomingMessage.withMaxBodySize(Option.some(maxBodyBytes)),
      Effect.mapError((error) =>
        String(error.cause).includes("maxBytes") ? new PayloadTooLarge({ limitBytes: maxBodyBytes }) : unreadable()
      )
    )

/**
 * The body of a Node request, collected once. Over the limit (a chunked body has no
 * `content-length` to refuse up front) the rest is drained, not the socket destroyed, so the
 * client still gets its 413 — as with an unread body whose declared length was refused.
 */
export const readNodeBody = (source: IncomingMessage, limit: number): Effect.Effect<Buffer, PayloadTooLarge | InvalidRequest> =>
  declaredTooLarge(source.headers["content-length"], limit)
    ? Effect.fail(new PayloadTooLarge({ limitBytes: limit }))
    : collect(source, limit, "drain").pipe(
      Effect.mapError((failure) => (failure._tag === "TooLarge" ? new PayloadTooLarge({ limitBytes: limit }) : unreadable()))
    )

const declaredTooLarge = (header: string | undefined, limit: number) => Number(header ?? NaN) > limit

const unreadable = () => new InvalidRequest({ message: "The request body could not be read.", code: "invalid_body" })
