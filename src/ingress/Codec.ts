/**
 * A client-facing API, the mirror of a provider adapter: decode the client's request into the
 * router's internal one, encode the Router's answer (complete or streamed) back, and describe
 * failures in that API's shape. The HTTP layer picks the codec by route; the Router never knows
 * which API a client spoke.
 */
import type { HttpServerResponse } from "@effect/platform"
import { type Effect, Either, ParseResult, Schema } from "effect"
import type { ErrorDescription } from "../errors/describe.js"
import { InvalidRequest, type StateUnavailable } from "../errors/request.js"
import { fieldError } from "../http/chatRequest.js"
import type { ChatRequest } from "../providers/Adapter.js"
import type { RouterResponse } from "../routing/response.js"
import { Untranslatable } from "./untranslatable.js"

export interface Decoded<C> {
  readonly chat: ChatRequest
  /** What the encoder needs to know about the request (requested model, response id, …). */
  readonly context: C
}

export interface IngressCodec<C> {
  readonly decode: (
    body: Readonly<Record<string, unknown>>,
    headers: Readonly<Record<string, string | undefined>>
  ) => Effect.Effect<Decoded<C>, InvalidRequest | StateUnavailable>
  readonly encode: (response: RouterResponse, context: C) => Effect.Effect<HttpServerResponse.HttpServerResponse>
}

/** An error answer in one API's shape. */
export type ErrorShape = (described: ErrorDescription) => HttpServerResponse.HttpServerResponse

/** Schema decoding at the boundary, the first problem named like OpenAI names params (`messages[0].role`). */
export const decodeBody = <A, I>(schema: Schema.Schema<A, I>, body: unknown): Either.Either<A, InvalidRequest> =>
  Either.mapLeft(Schema.decodeUnknownEither(schema, { errors: "first" })(body), (error: ParseResult.ParseError) => fieldError(error))

/** A translation that may meet something the internal request cannot express: a 400 naming it. */
export const translate = <A>(build: () => A): Either.Either<A, InvalidRequest> => {
  try {
    return Either.right(build())
  } catch (error) {
    if (error instanceof Untranslatable) {
      return Either.left(new InvalidRequest({ message: error.message, param: error.param, code: "unsupported_value" }))
    }
    throw error
  }
}
