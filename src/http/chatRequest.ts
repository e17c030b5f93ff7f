/**
 * Validating `POST /v1/chat/completions`: the body, read once (`requestBody.ts`), is validated only
 * as far as routing needs; everything else is passed to the upstream as the client wrote it.
 *
 * The common case is a scan of the bytes (`jsonScan.ts`) that checks the JSON and the routing
 * fields (model, stream, each message's role and content type) and builds a body whose large
 * members are decoded only if something reads them (`lazyJson.ts`). Whatever that scan does not
 * accept (malformed or too deeply nested JSON, a field of the wrong type, an escaped role...) is
 * parsed the slow way (`jsonBody.ts`, then `Schema` when the hand check finds something odd), which
 * accepts what it accepts and names the problem precisely.
 */
import { Effect, Either, ParseResult, Schema } from "effect"
import { InvalidRequest } from "../errors/request.js"
import type { ChatRequest } from "../providers/Adapter.js"
import { asBuffer, fieldName, MAX_JSON_DEPTH, parseJsonObject } from "./jsonBody.js"
import { type ElementSpan, Kind, type MemberSpan, plainText, scanObject } from "./jsonScan.js"
import { lazyObject, stringAt } from "./lazyJson.js"

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

/** The chat request from its bytes: the scan when it plainly accepts them, else parsed and checked (see above). */
export const parseChatRequest = (bytes: ArrayBuffer | Uint8Array | string): Effect.Effect<ChatRequest, InvalidRequest> =>
  Either.match(decodeChatRequest(bytes), { onLeft: Effect.fail, onRight: Effect.succeed })

export const decodeChatRequest = (bytes: ArrayBuffer | Uint8Array | string): Either.Either<ChatRequest, InvalidRequest> => {
  const scanned = typeof bytes === "string" || bytes.byteLength < SCAN_FROM_BYTES ? undefined : scanChatRequest(asBuffer(bytes))
  return scanned === undefined ? parseChatBody(bytes) : Either.right(scanned)
}

const parseChatBody = (bytes: ArrayBuffer | Uint8Array | string): Either.Either<ChatRequest, InvalidRequest> =>
  Either.flatMap(parseJsonObject(bytes), ({ body, raw }) => {
    if (looksValid(body)) return Either.right({ body, model: body.model as string, stream: body.stream === true, raw })
    return Either.match(decodeChatBody(body), {
      onLeft: (error) => Either.left(fieldError(error)),
      onRight: (valid) => Either.right({ body, model: valid.model, stream: valid.stream === true, raw })
    })
  })

/** Below this, parsing the whole body costs less than scanning it and building a lazy one, and leaves little garbage. */
const SCAN_FROM_BYTES = 4096

const EXPANDED: ReadonlySet<string> = new Set(["messages"])

/** The request from a scan, or `undefined` for anything the scan does not plainly accept (the slow way decides). */
const scanChatRequest = (bytes: Buffer): ChatRequest | undefined => {
  const members = scanObject(bytes, MAX_JSON_DEPTH, EXPANDED)
  // An escaped key may spell `model` or `role` another way: the slow way reads those.
  if (members === undefined || members.some((member) => escapedKey(bytes, member))) return undefined
  const model = last(bytes, members, "model")
  const stream = last(bytes, members, "stream")
  const messages = last(bytes, members, "messages")?.elements
  if (model === undefined || model.value.kind !== Kind.String) return undefined
  const name = stringAt(bytes, model.value.start, model.value.end)
  if (name === "" || CONTROL.test(name)) return undefined
  if (stream !== undefined && stream.value.kind !== Kind.Literal) return undefined
  if (messages === undefined || messages.length === 0 || !messages.every((message) => plainMessage(bytes, message))) return undefined
  return { body: lazyObject(bytes, members), model: name, stream: stream !== undefined && bytes[stream.value.start] === TRUE, raw: bytes }
}

const TRUE = 0x74
const NULL = 0x6e

const BACKSLASH = 0x5c

const escapedKey = (bytes: Buffer, member: MemberSpan): boolean => {
  for (let i = member.keyStart + 1; i < member.keyEnd - 1; i++) if (bytes[i] === BACKSLASH) return true
  return false
}

/** The member a repeated key ends up with in `JSON.parse`: the last (`key` is plain ASCII; keys have no escapes here). */
const last = <M extends MemberSpan>(bytes: Buffer, members: ReadonlyArray<M>, key: string): M | undefined => {
  for (let i = members.length - 1; i >= 0; i--) {
    const member = members[i] as M
    if (member.keyEnd - member.keyStart === key.length + 2 && sameKey(bytes, member.keyStart + 1, key)) return member
  }
  return undefined
}

const sameKey = (bytes: Buffer, at: number, key: string): boolean => {
  for (let k = 0; k < key.length; k++) if (bytes[at + k] !== key.charCodeAt(k)) return false
  return true
}

/** A message object with a known role (plain ASCII) and content absent, null, a string or an array. */
const plainMessage = (bytes: Buffer, message: ElementSpan): boolean => {
  if (message.members === undefined || message.members.some((member) => escapedKey(bytes, member))) return false
  const role = last(bytes, message.members, "role")
  if (role === undefined || role.value.kind !== Kind.String || !ROLES.has(plainText(bytes, role.value.start, role.value.end))) return false
  const content = last(bytes, message.members, "content")?.value
  return content === undefined || content.kind === Kind.String || content.kind === Kind.Array ||
    (content.kind === Kind.Literal && bytes[content.start] === NULL)
}

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
