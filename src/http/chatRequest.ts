/**
 * Validating `POST /v1/chat/completions`: the body, read once (`requestBody.ts`), is parsed once
 * (`jsonBody.ts`: a JSON object, bounded nesting) and validated only as far as routing needs;
 * everything else is passed to the upstream as the client wrote it.
 */
import { Effect, Either, ParseResult, Schema } from "effect"
import { InvalidRequest } from "../errors/request.js"
import type { ChatRequest } from "../providers/Adapter.js"
import { fieldName, parseJsonObject } from "./jsonBody.js"

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

/**
 * The chat request from its bytes. The common case costs one `JSON.parse` and a walk over the
 * routing fields (model, stream, each message's role and content type) and the containers (nesting
 * depth, `jsonBody.ts`): `Schema` runs only when that cheap pass finds something odd, to name the
 * field precisely. The cheap pass accepts nothing the schema refuses (it checks the same, strictly).
 */
export const parseChatRequest = (bytes: ArrayBuffer | Uint8Array | string): Effect.Effect<ChatRequest, InvalidRequest> =>
  Either.match(decodeChatRequest(bytes), { onLeft: Effect.fail, onRight: Effect.succeed })

export const decodeChatRequest = (bytes: ArrayBuffer | Uint8Array | string): Either.Either<ChatRequest, InvalidRequest> =>
  Either.flatMap(parseJsonObject(bytes), ({ body, raw }) => {
    if (looksValid(body)) return Either.right({ body, model: body.model as string, stream: body.stream === true, raw })
    return Either.match(decodeChatBody(body), {
      onLeft: (error) => Either.left(fieldError(error)),
      onRight: (valid) => Either.right({ body, model: valid.model, stream: valid.stream === true, raw })
    })
  })

const ROLES: ReadonlySet<unknown> = new Set(Role.literals)
const CONTROL = /[\u0000-\u001f\u007f]/

/** The schema's checks, by hand: true only for bodies `ChatBody` accepts. */
const looksValid = (body: Record<string, unknown>): boolean => {
  const { model, messages, stream } = body
  if (typeof model !== "string" || model === "" || CONTROL.test(model)) return false
  if (stream !== undefined && stream !== null && typeof stream !== "boolean") return false
  if (!Array.isArray(messages) || messages.length === 0) return false
  for (const message of messages as ReadonlyArray<unknown>) {
    if (typeof message !== "object" || message === null || Array.isArray(message)) return false
    const { role, content } = message as Record<string, unknown>
    if (!ROLES.has(role)) return false
    if (content !== undefined && content !== null && typeof content !== "string" && !Array.isArray(content)) return false
  }
  return true
}

/** The first problem, named the way OpenAI names params: `messages[0].role`. */
export const fieldError = (error: ParseResult.ParseError): InvalidRequest => {
  const issues = ParseResult.ArrayFormatter.formatErrorSync(error)
  const issue = issues[0]
  const param = fieldName(issue?.path ?? [])
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
