/**
 * Reading and validating `POST /v1/chat/completions`: the body is read once (bounded), parsed
 * once, and validated only as far as routing needs; everything else is passed to the upstream as
 * the client wrote it.
 */
import { HttpIncomingMessage, type HttpServerRequest } from "@effect/platform"
import { Effect, Either, Option, ParseResult, Schema } from "effect"
import { IncomingMessage } from "node:http"
import { InvalidRequest, PayloadTooLarge } from "../errors/request.js"
import type { ChatRequest } from "../providers/Adapter.js"
import { collect } from "../streams/collect.js"

const Role = Schema.Literal("system", "developer", "user", "assistant", "tool", "function")

const Message = Schema.Struct({
  role: Role,
  content: Schema.optional(Schema.NullOr(Schema.Union(Schema.String, Schema.Array(Schema.Unknown))))
})

const ChatBody = Schema.Struct({
  // No control characters: the name ends up in response headers (`x-llmrouter-model`).
  model: Schema.NonEmptyString.pipe(
    Schema.pattern(/^[^\u0000-\u001f\u007f]+$/, { message: () => "must not contain control characters" })
  ),
  // `minItems`, not `NonEmptyArray`: an empty list is blamed on `messages`, not on a missing `messages[0]`.
  messages: Schema.Array(Message).annotations({ identifier: "an array of messages" }).pipe(Schema.minItems(1)),
  stream: Schema.optional(Schema.NullOr(Schema.Boolean))
})

const decodeChatBody = Schema.decodeUnknownEither(ChatBody)

export const readChatRequest = (
  request: HttpServerRequest.HttpServerRequest,
  maxBodyBytes: number
): Effect.Effect<ChatRequest, InvalidRequest | PayloadTooLarge> => Effect.flatMap(readRequestBytes(request, maxBodyBytes), parseChatRequest)

/** The request body, read once and bounded (every JSON endpoint reads its body this way). */
export const readRequestBytes = (
  request: HttpServerRequest.HttpServerRequest,
  maxBodyBytes: number
): Effect.Effect<ArrayBuffer | Uint8Array, InvalidRequest | PayloadTooLarge> =>
  Effect.gen(function*() {
    const declared = Number(request.headers["content-length"] ?? NaN)
    if (declared > maxBodyBytes) return yield* new PayloadTooLarge({ limitBytes: maxBodyBytes })
    return request.source instanceof IncomingMessage
      ? yield* readBounded(request.source, maxBodyBytes)
      : yield* request.arrayBuffer.pipe(
        HttpIncomingMessage.withMaxBodySize(Option.some(maxBodyBytes)),
        Effect.mapError((error) =>
          String(error.cause).includes("maxBytes")
            ? new PayloadTooLarge({ limitBytes: maxBodyBytes })
            : unreadable()
        )
      )
  })

const unreadable = () => new InvalidRequest({ message: "The request body could not be read.", code: "invalid_body" })

/**
 * The Node request body, at most `limit` bytes, collected once. Over the limit (a chunked body has
 * no `content-length` to refuse up front) the rest is drained, not the socket destroyed, so the
 * client still gets its 413 — as with an unread body whose declared length was refused.
 */
const readBounded = (source: IncomingMessage, limit: number): Effect.Effect<Buffer, PayloadTooLarge | InvalidRequest> =>
  collect(source, limit, "drain").pipe(
    Effect.mapError((failure) => (failure._tag === "TooLarge" ? new PayloadTooLarge({ limitBytes: limit }) : unreadable()))
  )

/** The body as a JSON object, and its text. */
export const parseJsonObject = (
  bytes: ArrayBuffer | Uint8Array
): Either.Either<{ readonly body: Record<string, unknown>; readonly raw: string }, InvalidRequest> => {
  let body: unknown
  // A view, not a copy: the body can be megabytes.
  const raw = (Buffer.isBuffer(bytes) ? bytes : bytes instanceof ArrayBuffer ? Buffer.from(bytes) : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)).toString("utf8")
  try {
    body = JSON.parse(raw)
  } catch (error) {
    return Either.left(new InvalidRequest({
      message: `We could not parse the JSON body of your request: ${(error as Error).message}`,
      code: "invalid_json"
    }))
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return Either.left(new InvalidRequest({ message: "The request body must be a JSON object.", code: "invalid_json" }))
  }
  return Either.right({ body: body as Record<string, unknown>, raw })
}

export const parseChatRequest = (bytes: ArrayBuffer | Uint8Array): Effect.Effect<ChatRequest, InvalidRequest> =>
  Either.match(Either.flatMap(parseJsonObject(bytes), ({ body, raw }) =>
    Either.map(Either.mapLeft(decodeChatBody(body), fieldError), (valid) => ({ body, model: valid.model, stream: valid.stream === true, raw }))), {
    onLeft: Effect.fail,
    onRight: Effect.succeed
  })

/** The first problem, named the way OpenAI names params: `messages[0].role`. */
export const fieldError = (error: ParseResult.ParseError): InvalidRequest => {
  const issues = ParseResult.ArrayFormatter.formatErrorSync(error)
  const issue = issues[0]
  const param = (issue?.path ?? []).reduce<string>(
    (acc, key) => (typeof key === "number" ? `${acc}[${key}]` : acc === "" ? String(key) : `${acc}.${String(key)}`),
    ""
  )
  // A union (e.g. `role`) reports one issue per member: name them all, not just the first.
  const samePath = issues.filter((other) => other.path.join("\u0000") === issue?.path.join("\u0000"))
  const expected = samePath.flatMap((other) => /^Expected (.*), actual (.*)$/s.exec(other.message)?.slice(1) ?? [])
  const detail = issue?.message === "is missing"
    ? "is required"
    : expected.length > 2
    ? `expected ${expected.filter((_, i) => i % 2 === 0).join(" | ")}, got ${expected[1]}`
    : issue?.message.replace(/^Expected/, "expected").replace(/, actual /, ", got ")
  return new InvalidRequest({
    message: `Invalid request: '${param || "body"}' ${detail ?? "is invalid"}.`,
    code: issue?.message === "is missing" ? "missing_required_parameter" : "invalid_value",
    ...(param === "" ? {} : { param })
  })
}
