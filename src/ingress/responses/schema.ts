/**
 * The OpenAI Responses request (`POST /v1/responses`), checked at the boundary: the fields the
 * router translates are checked strictly; tools other than function tools are refused by name
 * (`request.ts`), as are options that need OpenAI's own servers.
 */
import { Schema } from "effect"
import { Effort } from "../../config/thinking.js"

const Loose = Schema.Record({ key: Schema.String, value: Schema.Unknown })

const InputText = Schema.Struct({ type: Schema.Literal("input_text"), text: Schema.String })
const InputImage = Schema.Struct({
  type: Schema.Literal("input_image"),
  image_url: Schema.optional(Schema.NullOr(Schema.String)),
  file_id: Schema.optional(Schema.NullOr(Schema.String)),
  detail: Schema.optional(Schema.String)
})
const InputFile = Schema.Struct({
  type: Schema.Literal("input_file"),
  file_data: Schema.optional(Schema.String),
  file_id: Schema.optional(Schema.NullOr(Schema.String)),
  file_url: Schema.optional(Schema.String),
  filename: Schema.optional(Schema.String)
})
/** Earlier assistant output sent back as input. */
const OutputText = Schema.Struct({ type: Schema.Literal("output_text"), text: Schema.String })
const Refusal = Schema.Struct({ type: Schema.Literal("refusal"), refusal: Schema.String })

export const ContentPart = Schema.Union(InputText, InputImage, InputFile, OutputText, Refusal)
export type ContentPart = typeof ContentPart.Type

export const MessageItem = Schema.Struct({
  type: Schema.optional(Schema.Literal("message")),
  role: Schema.Literal("user", "assistant", "system", "developer"),
  content: Schema.Union(Schema.String, Schema.Array(ContentPart))
})

export const FunctionCallItem = Schema.Struct({
  type: Schema.Literal("function_call"),
  call_id: Schema.NonEmptyString,
  name: Schema.NonEmptyString,
  arguments: Schema.String
})

export const FunctionCallOutputItem = Schema.Struct({
  type: Schema.Literal("function_call_output"),
  call_id: Schema.NonEmptyString,
  output: Schema.Union(Schema.String, Schema.Array(ContentPart))
})

/** Reasoning items a client echoes back (Codex does): they only mean something to OpenAI, and are skipped. */
export const ReasoningItem = Schema.Struct({ type: Schema.Literal("reasoning") })

export const InputItem = Schema.Union(MessageItem, FunctionCallItem, FunctionCallOutputItem, ReasoningItem)
export type InputItem = typeof InputItem.Type

export const ResponsesBody = Schema.Struct({
  model: Schema.NonEmptyString.pipe(Schema.pattern(/^[^\u0000-\u001f\u007f]+$/, { message: () => "must not contain control characters" })),
  input: Schema.Union(Schema.String, Schema.Array(InputItem)),
  instructions: Schema.optional(Schema.NullOr(Schema.String)),
  tools: Schema.optional(Schema.Array(Loose)),
  tool_choice: Schema.optional(Schema.Union(
    Schema.Literal("auto", "none", "required"),
    Schema.Struct({ type: Schema.Literal("function"), name: Schema.NonEmptyString })
  )),
  parallel_tool_calls: Schema.optional(Schema.NullOr(Schema.Boolean)),
  max_output_tokens: Schema.optional(Schema.NullOr(Schema.Int.pipe(Schema.positive()))),
  temperature: Schema.optional(Schema.NullOr(Schema.Number.pipe(Schema.between(0, 2)))),
  top_p: Schema.optional(Schema.NullOr(Schema.Number.pipe(Schema.between(0, 1)))),
  stream: Schema.optional(Schema.NullOr(Schema.Boolean)),
  previous_response_id: Schema.optional(Schema.NullOr(Schema.String)),
  store: Schema.optional(Schema.NullOr(Schema.Boolean)),
  prompt_cache_key: Schema.optional(Schema.String),
  user: Schema.optional(Schema.String),
  metadata: Schema.optional(Schema.NullOr(Schema.Record({ key: Schema.String, value: Schema.String }))),
  text: Schema.optional(Schema.Struct({ format: Schema.optional(Loose) })),
  /** `effort` is chat's `reasoning_effort`; `summary` has no equivalent (reasoning comes back as the upstream gives it). */
  reasoning: Schema.optional(Schema.NullOr(Schema.Struct({ effort: Schema.optional(Schema.NullOr(Effort)), summary: Schema.optional(Schema.NullOr(Schema.String)) }))),
  background: Schema.optional(Schema.NullOr(Schema.Boolean))
})
export type ResponsesBody = typeof ResponsesBody.Type

/** A function tool, once `tools` entries are known to be function tools. */
export const FunctionTool = Schema.Struct({
  type: Schema.Literal("function"),
  name: Schema.NonEmptyString,
  description: Schema.optional(Schema.NullOr(Schema.String)),
  parameters: Schema.optional(Schema.NullOr(Loose)),
  strict: Schema.optional(Schema.NullOr(Schema.Boolean))
})
export type FunctionTool = typeof FunctionTool.Type
