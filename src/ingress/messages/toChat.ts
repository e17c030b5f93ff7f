/**
 * An Anthropic Messages request → the router's internal (OpenAI chat) request. Anthropic upstreams
 * never see this translation (they get the client's body natively); it serves classification,
 * the OpenAI-compatible and Gemini upstreams. What has no chat equivalent is dropped where it does
 * not change the answer's meaning (thinking history, `top_k`, cache hints) and said here.
 */
import { unsupported } from "../untranslatable.js"
import type { ContentBlock, Message, MessagesBody } from "./schema.js"

type Part = Record<string, unknown>
type ChatMessage = Record<string, unknown>

const imagePart = (block: Extract<ContentBlock, { type: "image" }>, param: string): Part => {
  const { source } = block
  if (source.type === "base64") return { type: "image_url", image_url: { url: `data:${source.media_type};base64,${source.data}` } }
  if (source.type === "url") return { type: "image_url", image_url: { url: source.url } }
  return unsupported(`${param}.source`, "Images by 'file_id' need the Files API, which only Anthropic upstreams have; send the image as base64 or a URL.")
}

const documentPart = (block: Extract<ContentBlock, { type: "document" }>, param: string): Part => {
  const source = block.source as Record<string, unknown>
  if (source["type"] === "base64" && source["media_type"] === "application/pdf" && typeof source["data"] === "string") {
    return { type: "file", file: { file_data: `data:application/pdf;base64,${source["data"]}`, ...(typeof block.title === "string" ? { filename: block.title } : {}) } }
  }
  if (source["type"] === "text" && typeof source["data"] === "string") return { type: "text", text: source["data"] }
  return unsupported(`${param}.source`, "Only base64 PDF and plain-text documents can be translated for non-Anthropic upstreams.")
}

const withCache = (part: Part, block: { readonly cache_control?: unknown }): Part =>
  block.cache_control === undefined ? part : { ...part, cache_control: block.cache_control }

const userPart = (block: ContentBlock, param: string): Part | undefined => {
  switch (block.type) {
    case "text":
      return withCache({ type: "text", text: block.text }, block)
    case "image":
      return withCache(imagePart(block, param), block)
    case "document":
      return withCache(documentPart(block, param), block)
    default:
      return undefined
  }
}

/** A user turn: its `tool_result` blocks become `tool` messages (first, as chat requires), the rest one user message. */
const userMessages = (message: Message, param: string): Array<ChatMessage> => {
  if (typeof message.content === "string") return [{ role: "user", content: message.content }]
  const tools: Array<ChatMessage> = []
  const parts: Array<Part> = []
  message.content.forEach((block, i) => {
    const at = `${param}.content[${i}]`
    if (block.type === "tool_result") {
      const content = typeof block.content === "string" ? [{ type: "text" as const, text: block.content }] : block.content ?? []
      const text = content.flatMap((c) => (c.type === "text" ? [c.text] : [])).join("\n")
      // Chat tool messages carry text only: a result's images follow in the user message.
      content.forEach((c, j) => {
        if (c.type !== "text") parts.push(userPart(c, `${at}.content[${j}]`) as Part)
      })
      tools.push({ role: "tool", tool_call_id: block.tool_use_id, content: block.is_error === true ? `Error: ${text}` : text })
      return
    }
    if (block.type === "tool_use") unsupported(at, "A 'tool_use' block belongs in an assistant message.")
    const part = userPart(block, at)
    if (part !== undefined) parts.push(part)
  })
  return parts.length === 0 ? tools : [...tools, { role: "user", content: parts }]
}

/** An assistant turn: text and tool calls; thinking blocks are Anthropic's own and stay out. */
const assistantMessage = (message: Message, param: string): ChatMessage => {
  if (typeof message.content === "string") return { role: "assistant", content: message.content }
  const text: Array<string> = []
  const calls: Array<Record<string, unknown>> = []
  message.content.forEach((block, i) => {
    if (block.type === "text") text.push(block.text)
    else if (block.type === "tool_use") {
      calls.push({ id: block.id, type: "function", function: { name: block.name, arguments: JSON.stringify(block.input) } })
    } else if (block.type !== "thinking" && block.type !== "redacted_thinking") {
      unsupported(`${param}.content[${i}]`, `A '${block.type}' block cannot be in an assistant message.`)
    }
  })
  return { role: "assistant", content: text.length === 0 ? null : text.join(""), ...(calls.length === 0 ? {} : { tool_calls: calls }) }
}

const toolChoice = (choice: NonNullable<MessagesBody["tool_choice"]>) => {
  const parallel = choice.disable_parallel_tool_use === true ? { parallel_tool_calls: false } : {}
  switch (choice.type) {
    case "auto":
      return { tool_choice: "auto", ...parallel }
    case "any":
      return { tool_choice: "required", ...parallel }
    case "none":
      return { tool_choice: "none" }
    case "tool":
      return { tool_choice: { type: "function", function: { name: choice.name } }, ...parallel }
  }
}

export const messagesToChat = (body: MessagesBody): Record<string, unknown> => {
  const system = body.system === undefined
    ? []
    : [{ role: "system", content: typeof body.system === "string" ? body.system : body.system.map((b) => withCache({ type: "text", text: b.text }, b)) }]
  const messages = body.messages.flatMap((message, i) =>
    message.role === "user" ? userMessages(message, `messages[${i}]`) : [assistantMessage(message, `messages[${i}]`)]
  )
  return {
    model: body.model,
    messages: [...system, ...messages],
    max_tokens: body.max_tokens,
    ...(body.tools === undefined || body.tools.length === 0
      ? {}
      : {
        tools: body.tools.map((tool) => ({
          type: "function",
          function: { name: tool.name, ...(tool.description === undefined ? {} : { description: tool.description }), parameters: tool.input_schema }
        }))
      }),
    ...(body.tool_choice === undefined || body.tools === undefined ? {} : toolChoice(body.tool_choice)),
    ...(body.stop_sequences === undefined || body.stop_sequences.length === 0 ? {} : { stop: body.stop_sequences }),
    ...(body.temperature === undefined ? {} : { temperature: body.temperature }),
    ...(body.top_p === undefined ? {} : { top_p: body.top_p }),
    ...(typeof body.metadata?.user_id === "string" ? { user: body.metadata.user_id } : {}),
    ...(body.stream === true ? { stream: true, stream_options: { include_usage: true } } : {})
  }
}
