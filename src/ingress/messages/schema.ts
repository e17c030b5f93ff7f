/**
 * The Anthropic Messages request (`POST /v1/messages`), checked at the boundary. Fields the router
 * does not read itself are kept as the client wrote them (the body goes natively to Anthropic
 * upstreams), so the schemas check shapes without stripping anything.
 */
import { Schema } from "effect"

const CacheControl = Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown }))
const Loose = Schema.Record({ key: Schema.String, value: Schema.Unknown })

export const TextBlock = Schema.Struct({ type: Schema.Literal("text"), text: Schema.String, cache_control: CacheControl })

const Base64Source = Schema.Struct({ type: Schema.Literal("base64"), media_type: Schema.String, data: Schema.String })
const UrlSource = Schema.Struct({ type: Schema.Literal("url"), url: Schema.String })
const FileSource = Schema.Struct({ type: Schema.Literal("file"), file_id: Schema.String })
const TextSource = Schema.Struct({ type: Schema.Literal("text"), media_type: Schema.String, data: Schema.String })

export const ImageBlock = Schema.Struct({
  type: Schema.Literal("image"),
  source: Schema.Union(Base64Source, UrlSource, FileSource),
  cache_control: CacheControl
})

export const DocumentBlock = Schema.Struct({
  type: Schema.Literal("document"),
  source: Schema.Union(Base64Source, UrlSource, FileSource, TextSource, Loose),
  title: Schema.optional(Schema.NullOr(Schema.String)),
  cache_control: CacheControl
})

export const ToolUseBlock = Schema.Struct({
  type: Schema.Literal("tool_use"),
  id: Schema.NonEmptyString,
  name: Schema.NonEmptyString,
  input: Loose,
  cache_control: CacheControl
})

export const ToolResultBlock = Schema.Struct({
  type: Schema.Literal("tool_result"),
  tool_use_id: Schema.NonEmptyString,
  content: Schema.optional(Schema.Union(Schema.String, Schema.Array(Schema.Union(TextBlock, ImageBlock, DocumentBlock)))),
  is_error: Schema.optional(Schema.Boolean),
  cache_control: CacheControl
})

export const ThinkingBlock = Schema.Struct({ type: Schema.Literal("thinking"), thinking: Schema.String, signature: Schema.optional(Schema.String) })
export const RedactedThinkingBlock = Schema.Struct({ type: Schema.Literal("redacted_thinking"), data: Schema.String })

export const ContentBlock = Schema.Union(TextBlock, ImageBlock, DocumentBlock, ToolUseBlock, ToolResultBlock, ThinkingBlock, RedactedThinkingBlock)
export type ContentBlock = typeof ContentBlock.Type

export const Message = Schema.Struct({
  role: Schema.Literal("user", "assistant"),
  content: Schema.Union(Schema.String, Schema.Array(ContentBlock))
})
export type Message = typeof Message.Type

/** Client tools only: server tools (web search, code execution, computer use) have a `type` of their own. */
export const Tool = Schema.Struct({
  type: Schema.optional(Schema.Literal("custom")),
  name: Schema.NonEmptyString,
  description: Schema.optional(Schema.String),
  input_schema: Loose,
  cache_control: CacheControl
})

export const ToolChoice = Schema.Union(
  Schema.Struct({ type: Schema.Literal("auto", "any", "none"), disable_parallel_tool_use: Schema.optional(Schema.Boolean) }),
  Schema.Struct({ type: Schema.Literal("tool"), name: Schema.NonEmptyString, disable_parallel_tool_use: Schema.optional(Schema.Boolean) })
)

export const MessagesBody = Schema.Struct({
  // No control characters: the name ends up in response headers (`x-llmrouter-model`).
  model: Schema.NonEmptyString.pipe(Schema.pattern(/^[^\u0000-\u001f\u007f]+$/, { message: () => "must not contain control characters" })),
  max_tokens: Schema.Int.pipe(Schema.positive()),
  messages: Schema.Array(Message).pipe(Schema.minItems(1)),
  system: Schema.optional(Schema.Union(Schema.String, Schema.Array(TextBlock))),
  tools: Schema.optional(Schema.Array(Tool)),
  tool_choice: Schema.optional(ToolChoice),
  stop_sequences: Schema.optional(Schema.Array(Schema.String)),
  temperature: Schema.optional(Schema.Number.pipe(Schema.between(0, 1))),
  top_p: Schema.optional(Schema.Number.pipe(Schema.between(0, 1))),
  top_k: Schema.optional(Schema.Int.pipe(Schema.positive())),
  metadata: Schema.optional(Schema.Struct({ user_id: Schema.optional(Schema.NullOr(Schema.String)) })),
  stream: Schema.optional(Schema.Boolean),
  thinking: Schema.optional(Loose)
})
export type MessagesBody = typeof MessagesBody.Type

/** `count_tokens` takes the same body without `max_tokens` (and never streams). */
export const CountTokensBody = MessagesBody.pipe(Schema.omit("max_tokens", "stream", "stop_sequences", "temperature", "top_p", "top_k", "metadata"))
