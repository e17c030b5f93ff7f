/**
 * Reading and validating `POST /v1/chat/completions`: the body is read once (bounded), parsed
 * once, and validated only as far as routing needs; everything else is passed to the upstream as
 * the client wrote it.
 */
import { HttpIncomingMessage, type HttpServerRequest } from "@effect/platform"
import { Effect, Either, Option, ParseResult, Schema } from "effect"
import { InvalidRequest, PayloadTooLarge } from "../errors/request.js"
import type { ChatRequest } from "../providers/Adapter.js"

const Role = Schema.Literal("system", "developer", "user", "assistant", "tool", "function")

const Message = Schema.Struct({
  role: Role,
  content: Schema.optional(Schema.NullOr(Schema.Union(Schema.String, Schema.Array(Schema.Unknown))))
})

const ChatBody = Schema.Struct({
  model: Schema.NonEmptyString,
  messages: Schema.NonEmptyArray(Message),
  stream: Schema.optional(Schema.NullOr(Schema.Boolean))
})

const decodeChatBody = Schema.decodeUnknownEither(ChatBody)

export const readChatRequest = (
  request: HttpServerRequest.HttpServerRequest,
  maxBodyBytes: number
): Effect.Effect<ChatRequest, InvalidRequest | PayloadTooLarge> =>
  Effect.gen(function*() {
    const declared = Number(request.headers["content-length"] ?? NaN)
    if (declared > maxBodyBytes) return yield* new PayloadTooLarge({ limitBytes: maxBodyBytes })
    const bytes = yield* request.arrayBuffer.pipe(
      HttpIncomingMessage.withMaxBodySize(Option.some(maxBodyBytes)),
      Effect.mapError((error) =>
        String(error.cause).includes("maxBytes")
          ? new PayloadTooLarge({ limitBytes: maxBodyBytes })
          : new InvalidRequest({ message: "The request body could not be read.", code: "invalid_body" })
      )
    )
    return yield* parseChatRequest(bytes)
  })

export const parseChatRequest = (bytes: ArrayBuffer | Uint8Array): Effect.Effect<ChatRequest, InvalidRequest> => {
  let body: unknown
  try {
    body = JSON.parse(Buffer.from(bytes as ArrayBuffer).toString("utf8"))
  } catch (error) {
    return Effect.fail(new InvalidRequest({
      message: `We could not parse the JSON body of your request: ${(error as Error).message}`,
      code: "invalid_json"
    }))
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return Effect.fail(new InvalidRequest({ message: "The request body must be a JSON object.", code: "invalid_json" }))
  }
  return Either.match(decodeChatBody(body), {
    onLeft: (error) => Effect.fail(fieldError(error)),
    onRight: (valid) =>
      Effect.succeed({ body: body as Record<string, unknown>, model: valid.model, stream: valid.stream === true })
  })
}

/** The first problem, named the way OpenAI names params: `messages[0].role`. */
const fieldError = (error: ParseResult.ParseError): InvalidRequest => {
  const issue = ParseResult.ArrayFormatter.formatErrorSync(error)[0]
  const param = (issue?.path ?? []).reduce<string>(
    (acc, key) => (typeof key === "number" ? `${acc}[${key}]` : acc === "" ? String(key) : `${acc}.${String(key)}`),
    ""
  )
  const detail = issue?.message === "is missing" ? "is required" : issue?.message.replace(/^Expected/, "expected").replace(/, actual /, ", got ")
  return new InvalidRequest({
    message: `Invalid request: '${param || "body"}' ${detail ?? "is invalid"}.`,
    code: issue?.message === "is missing" ? "missing_required_parameter" : "invalid_value",
    ...(param === "" ? {} : { param })
  })
}
