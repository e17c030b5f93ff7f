/**
 * A Responses request → the router's internal (OpenAI chat) request: input items become chat
 * messages (consecutive `function_call` items one assistant turn with its tool calls, their
 * outputs `tool` messages), `instructions` the system message, function tools chat tools.
 */
import { unsupported } from "../untranslatable.js"
import type { ContentPart, FunctionTool, InputItem, ResponsesBody } from "./schema.js"

type ChatMessage = Record<string, unknown>

const userPart = (part: ContentPart, param: string): Record<string, unknown> => {
  switch (part.type) {
    case "input_text":
    case "output_text":
      return { type: "text", text: part.text }
    case "refusal":
      return { type: "text", text: part.refusal }
    case "input_image":
      if (typeof part.image_url !== "string") return unsupported(param, "Images by 'file_id' need OpenAI's Files API; send 'image_url' (a URL or a data URL).")
      return { type: "image_url", image_url: { url: part.image_url, ...(part.detail === undefined ? {} : { detail: part.detail }) } }
    case "input_file":
      if (part.file_data === undefined) return unsupported(param, "Files by 'file_id' or 'file_url' need OpenAI's servers; send 'file_data' (a base64 data URL).")
      return { type: "file", file: { file_data: part.file_data, ...(part.filename === undefined ? {} : { filename: part.filename }) } }
  }
}

const textOf = (content: string | ReadonlyArray<ContentPart>, param: string): string =>
  typeof content === "string"
    ? content
    : content.map((part, i) => {
      if (part.type === "input_text" || part.type === "output_text") return part.text
      if (part.type === "refusal") return part.refusal
      return unsupported(`${param}[${i}]`, `A '${part.type}' part can only be in a user message.`)
    }).join("")

/** Input items (after any stored history) → chat messages. */
export const inputMessages = (input: ResponsesBody["input"]): Array<ChatMessage> => {
  if (typeof input === "string") return [{ role: "user", content: input }]
  const messages: Array<ChatMessage> = []
  input.forEach((item: InputItem, i) => {
    const param = `input[${i}]`
    switch (item.type) {
      case "reasoning":
        return
      case "function_call": {
        const call = { id: item.call_id, type: "function", function: { name: item.name, arguments: item.arguments } }
        const last = messages[messages.length - 1]
        if (last !== undefined && last["role"] === "assistant") {
          last["tool_calls"] = [...((last["tool_calls"] as Array<unknown> | undefined) ?? []), call]
        } else messages.push({ role: "assistant", content: null, tool_calls: [call] })
        return
      }
      case "function_call_output":
        messages.push({ role: "tool", tool_call_id: item.call_id, content: textOf(item.output, `${param}.output`) })
        return
      default:
        switch (item.role) {
          case "user":
            messages.push({
              role: "user",
              content: typeof item.content === "string" ? item.content : item.content.map((part, j) => userPart(part, `${param}.content[${j}]`))
            })
            return
          case "assistant":
            messages.push({ role: "assistant", content: textOf(item.content, `${param}.content`) })
            return
          default:
            messages.push({ role: "system", content: textOf(item.content, `${param}.content`) })
        }
    }
  })
  return messages
}

const responseFormat = (format: Readonly<Record<string, unknown>> | undefined) => {
  if (format === undefined || format["type"] === "text") return {}
  if (format["type"] === "json_object") return { response_format: { type: "json_object" } }
  if (format["type"] === "json_schema") {
    const { type: _type, ...spec } = format
    return { response_format: { type: "json_schema", json_schema: spec } }
  }
  return unsupported("text.format.type", `Unknown text format '${String(format["type"])}'.`)
}

/** `conversation`: the stored history and this request's input, as chat messages. */
export const responsesToChat = (body: ResponsesBody, conversation: ReadonlyArray<ChatMessage>, tools: ReadonlyArray<FunctionTool>): Record<string, unknown> => {
  const choice = body.tool_choice
  return {
    model: body.model,
    messages: [
      ...(typeof body.instructions === "string" && body.instructions !== "" ? [{ role: "system", content: body.instructions }] : []),
      ...conversation
    ],
    ...(typeof body.max_output_tokens === "number" ? { max_tokens: body.max_output_tokens } : {}),
    ...(typeof body.temperature === "number" ? { temperature: body.temperature } : {}),
    ...(typeof body.top_p === "number" ? { top_p: body.top_p } : {}),
    ...(tools.length === 0
      ? {}
      : {
        tools: tools.map((tool) => ({
          type: "function",
          function: {
            name: tool.name,
            ...(typeof tool.description === "string" ? { description: tool.description } : {}),
            parameters: tool.parameters ?? { type: "object", properties: {} },
            ...(typeof tool.strict === "boolean" ? { strict: tool.strict } : {})
          }
        }))
      }),
    ...(choice === undefined || tools.length === 0 ? {} : { tool_choice: typeof choice === "string" ? choice : { type: "function", function: { name: choice.name } } }),
    ...(typeof body.parallel_tool_calls === "boolean" && tools.length > 0 ? { parallel_tool_calls: body.parallel_tool_calls } : {}),
    ...(body.user === undefined ? {} : { user: body.user }),
    ...(body.prompt_cache_key === undefined ? {} : { prompt_cache_key: body.prompt_cache_key }),
    ...responseFormat(body.text?.format),
    ...(typeof body.reasoning?.effort === "string" ? { reasoning_effort: body.reasoning.effort } : {}),
    ...(body.stream === true ? { stream: true, stream_options: { include_usage: true } } : {})
  }
}
