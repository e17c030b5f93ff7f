/**
 * A loopback Anthropic Messages API (`POST /v1/messages`) for tests. It validates requests the way
 * the real API does (headers, `max_tokens` and the model's output limit, alternation starting with
 * the user, tool_use/tool_result pairing, block shapes, non-whitespace text, unknown fields, and the
 * extended-thinking rules: budget ≥ 1,024 and < `max_tokens`, adaptive only on the models that have
 * it, no `temperature`/`top_k`, `top_p` ≥ 0.95, no forced tool choice and no prefill with thinking,
 * thinking blocks with the signature it issued, and a tool loop continued only with the thinking
 * block first), records them, and answers from a per-test script: a message (as JSON,
 * or as the real event sequence when `stream` is set, with deltas split as finely as asked),
 * raw events (mid-stream `error`, cut streams) or an HTTP error.
 */
import { createHmac } from "node:crypto"
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { isRecord } from "../../src/providers/common/openaiContent.js"
import type { PromptCache } from "./promptCache.js"

export type ContentBlock =
  | { readonly type: "text"; readonly text: string }
  | { readonly type: "thinking"; readonly thinking: string }
  | { readonly type: "redacted_thinking"; readonly data: string }
  | { readonly type: "tool_use"; readonly id: string; readonly name: string; readonly input: Record<string, unknown> }

export interface MessageSpec {
  readonly id?: string
  readonly model?: string
  readonly content: ReadonlyArray<ContentBlock>
  readonly stop_reason?: string
  /** With `stop_reason: "stop_sequence"`: which of the request's `stop_sequences` was met. */
  readonly stop_sequence?: string
  readonly usage?: Readonly<Record<string, number>>
}

export interface StreamEvent {
  readonly event: string
  readonly data: unknown
}

export type AnthropicReply =
  | {
    readonly type: "message"
    readonly message: MessageSpec
    /** Characters per `text_delta` / `input_json_delta` when streamed (default 4 / 3). */
    readonly textChunk?: number
    readonly jsonChunk?: number
  }
  | { readonly type: "events"; readonly events: ReadonlyArray<StreamEvent>; readonly end?: "eof" | "destroy" }
  | {
    readonly type: "error"
    readonly status: number
    readonly errorType: string
    readonly message: string
    readonly headers?: Readonly<Record<string, string>>
  }

export interface AnthropicRequest {
  readonly headers: IncomingHttpHeaders
  readonly path: string
  readonly body: Record<string, unknown>
  /** The validation error the stub answered with, if any. */
  readonly rejected: string | undefined
}

export interface AnthropicUpstream {
  /** The `apiBase` to configure (no `/v1`: the adapter appends `/v1/messages`). */
  readonly url: string
  readonly requests: Array<AnthropicRequest>
  /** Queue replies, consumed one per valid request; the last one repeats. */
  reply(...replies: ReadonlyArray<AnthropicReply>): void
  close(): Promise<void>
}


const TOP_LEVEL = new Set([
  "model", "messages", "max_tokens", "system", "metadata", "stop_sequences", "stream", "temperature",
  "top_p", "top_k", "tools", "tool_choice", "thinking", "service_tier", "output_config"
])

/** What the fake signs its thinking blocks with (the real API's signatures are opaque too). */
export const thinkingSignature = (thinking: string): string =>
  `sig_${createHmac("sha256", "fake-anthropic").update(thinking).digest("base64url").slice(0, 32)}`
/** Redacted thinking the fake hands out carries this prefix; anything else was not issued by it. */
export const REDACTED_PREFIX = "EmwKAhgBEgy"

/** Output limits per model family, as documented (the fallback covers test model ids). */
export const maxOutputTokens = (model: string): number =>
  /claude-opus-4-(6|7)/.test(model) ? 128_000 : /claude-opus-4(-0|-1|$)/.test(model) ? 32_000 : 64_000
const ADAPTIVE = /claude-(opus|sonnet)-4-(6|7)/
const ADAPTIVE_ONLY = /claude-opus-4-7/

/** Whether the request turns thinking on (enabled or adaptive). */
export const thinkingOn = (body: Readonly<Record<string, unknown>>): boolean => {
  const thinking = body["thinking"]
  return isRecord(thinking) && (thinking["type"] === "enabled" || thinking["type"] === "adaptive")
}

const validateThinking = (body: Record<string, unknown>, bad: (message: string) => { status: number; type: string; message: string }) => {
  const model = String(body["model"])
  const maxTokens = body["max_tokens"] as number
  if (maxTokens > maxOutputTokens(model)) {
    return bad(`max_tokens: ${maxTokens} > ${maxOutputTokens(model)}, which is the maximum allowed number of output tokens for ${model}`)
  }
  const thinking = body["thinking"]
  const outputConfig = body["output_config"]
  if (outputConfig !== undefined) {
    const effort = isRecord(outputConfig) ? outputConfig["effort"] : undefined
    if (!["low", "medium", "high", "max"].includes(String(effort))) return bad("output_config.effort: Input should be 'low', 'medium', 'high' or 'max'")
    if (effort === "max" && !/claude-opus/.test(model)) return bad(`output_config.effort: 'max' is not supported by ${model}`)
  }
  if (thinking === undefined) return undefined
  if (!isRecord(thinking)) return bad("thinking: Input should be an object")
  switch (thinking["type"]) {
    case "disabled":
      return undefined
    case "enabled": {
      if (ADAPTIVE_ONLY.test(model)) return bad(`thinking.type.enabled is not supported for this model. Use thinking.type.adaptive and output_config.effort.`)
      const budget = thinking["budget_tokens"]
      if (!Number.isInteger(budget) || (budget as number) < 1024) return bad("thinking.enabled.budget_tokens: Input should be greater than or equal to 1024")
      if ((budget as number) >= maxTokens) return bad("`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking#max-tokens-and-context-window-size")
      break
    }
    case "adaptive":
      if (!ADAPTIVE.test(model)) return bad(`adaptive thinking is not supported on ${model}`)
      break
    default:
      return bad("thinking.type: Input should be 'enabled', 'disabled' or 'adaptive'")
  }
  const temperature = body["temperature"]
  if (temperature !== undefined && temperature !== 1) return bad("`temperature` may only be set to 1 when thinking is enabled. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking#important-considerations-when-using-extended-thinking")
  if (body["top_k"] !== undefined) return bad("`top_k` must be unset when thinking is enabled.")
  const topP = body["top_p"]
  if (typeof topP === "number" && topP < 0.95) return bad("`top_p` must be greater than or equal to 0.95 or unset when thinking is enabled.")
  const choice = body["tool_choice"]
  if (isRecord(choice) && (choice["type"] === "any" || choice["type"] === "tool")) return bad("Thinking may not be enabled when tool_choice forces tool use.")
  const messages = body["messages"] as Array<Record<string, unknown>>
  const last = messages[messages.length - 1]
  if (last?.["role"] === "assistant") return bad("This model does not support assistant message prefill when thinking is enabled.")
  const lastContent = Array.isArray(last?.["content"]) ? last["content"] : []
  if (isRecord(lastContent[0]) && lastContent[0]["type"] === "tool_result") {
    const at = messages.length - 2
    const assistant = messages[at]
    const first = Array.isArray(assistant?.["content"]) ? assistant["content"][0] : undefined
    if (!isRecord(first) || (first["type"] !== "thinking" && first["type"] !== "redacted_thinking")) {
      return bad(`messages.${at}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`${isRecord(first) ? String(first["type"]) : "text"}\`. When \`thinking\` is enabled, a final \`assistant\` message must start with a thinking block (preceeding the lastmost set of \`tool_use\` and \`tool_result\` blocks). We recommend you include thinking blocks from previous turns. To avoid this requirement, disable \`thinking\`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking`)
    }
  }
  return undefined
}
const IMAGE_TYPES = new Set(["image/jpeg", "image/png", "image/gif", "image/webp"])

/** The real API's checks, reduced to what a translator can get wrong. Returns the error message. */
export const validateAnthropic = (headers: IncomingHttpHeaders, body: unknown): { status: number; type: string; message: string } | undefined => {
  const bad = (message: string) => ({ status: 400, type: "invalid_request_error", message })
  if (typeof headers["x-api-key"] !== "string" || headers["x-api-key"] === "") {
    return { status: 401, type: "authentication_error", message: "x-api-key header is required" }
  }
  if (headers["anthropic-version"] !== "2023-06-01") return bad("anthropic-version: header is required")
  if (!String(headers["content-type"]).startsWith("application/json")) return bad("content-type must be application/json")
  if (!isRecord(body)) return bad("body: Input should be an object")
  for (const key of Object.keys(body)) if (!TOP_LEVEL.has(key)) return bad(`${key}: Extra inputs are not permitted`)
  if (typeof body["model"] !== "string") return bad("model: Field required")
  if (!Number.isInteger(body["max_tokens"]) || (body["max_tokens"] as number) < 1) return bad("max_tokens: Field required")
  for (const key of ["temperature", "top_p"]) {
    const v = body[key]
    if (v !== undefined && (typeof v !== "number" || v < 0 || v > 1)) return bad(`${key}: Input should be less than or equal to 1`)
  }
  const system = body["system"]
  if (system !== undefined && typeof system !== "string" &&
    !(Array.isArray(system) && system.every((b) => isRecord(b) && b["type"] === "text" && typeof b["text"] === "string" && b["text"] !== ""))) {
    return bad("system: Input should be a valid string or list of text blocks")
  }
  const messages = body["messages"]
  if (!Array.isArray(messages) || messages.length === 0) return bad("messages: at least one message is required")
  let previousToolUses: Array<string> = []
  for (const [i, message] of messages.entries()) {
    if (!isRecord(message)) return bad(`messages.${i}: Input should be an object`)
    const expected = i % 2 === 0 ? "user" : "assistant"
    if (message["role"] !== expected) return bad(`messages: roles must alternate between "user" and "assistant", starting with "user" (messages.${i})`)
    const content = message["content"]
    const blocks = typeof content === "string" ? [{ type: "text", text: content }] : content
    if (!Array.isArray(blocks) || blocks.length === 0) return bad(`messages.${i}: content must be non-empty`)
    const toolUses: Array<string> = []
    const results: Array<string> = []
    let sawNonResult = false
    for (const [j, block] of blocks.entries()) {
      const at = `messages.${i}.content.${j}`
      if (!isRecord(block)) return bad(`${at}: Input should be an object`)
      switch (block["type"]) {
        case "text":
          if (typeof block["text"] !== "string" || block["text"] === "") return bad(`${at}: text content blocks must be non-empty`)
          if (block["text"].trim() === "") return bad(`${at}: text content blocks must contain non-whitespace text`)
          sawNonResult = true
          break
        case "thinking":
          if (message["role"] !== "assistant") return bad(`${at}: thinking blocks are only allowed in assistant messages`)
          if (typeof block["thinking"] !== "string" || block["signature"] !== thinkingSignature(block["thinking"])) {
            return bad(`${at}: Invalid \`signature\` in \`thinking\` block`)
          }
          break
        case "redacted_thinking":
          if (message["role"] !== "assistant" || typeof block["data"] !== "string" || !block["data"].startsWith(REDACTED_PREFIX)) {
            return bad(`${at}: Invalid \`data\` in \`redacted_thinking\` block`)
          }
          break
        case "image": {
          const source = block["source"]
          const ok = isRecord(source) && (
            (source["type"] === "base64" && IMAGE_TYPES.has(String(source["media_type"])) && typeof source["data"] === "string") ||
            (source["type"] === "url" && typeof source["url"] === "string")
          )
          if (!ok || message["role"] !== "user") return bad(`${at}.source: invalid image source`)
          sawNonResult = true
          break
        }
        case "document":
          sawNonResult = true
          break
        case "tool_use":
          if (message["role"] !== "assistant") return bad(`${at}: tool_use blocks are only allowed in assistant messages`)
          if (typeof block["id"] !== "string" || !/^[a-zA-Z0-9_-]+$/.test(block["id"])) return bad(`${at}.id: String should match pattern '^[a-zA-Z0-9_-]+$'`)
          if (typeof block["name"] !== "string" || !isRecord(block["input"])) return bad(`${at}: tool_use needs name and an object input`)
          toolUses.push(block["id"])
          break
        case "tool_result":
          if (message["role"] !== "user") return bad(`${at}: tool_result blocks are only allowed in user messages`)
          if (sawNonResult) return bad(`${at}: tool_result blocks must come first in the user message content`)
          if (typeof block["tool_use_id"] !== "string" || !previousToolUses.includes(block["tool_use_id"])) {
            return bad(`${at}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${String(block["tool_use_id"])}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`)
          }
          results.push(block["tool_use_id"])
          break
        default:
          return bad(`${at}.type: unknown block type ${String(block["type"])}`)
      }
    }
    if (message["role"] === "user" && previousToolUses.some((id) => !results.includes(id))) {
      return bad(`messages.${i}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${previousToolUses.join(", ")}`)
    }
    previousToolUses = toolUses
    const lastBlock = blocks[blocks.length - 1]
    if (i === messages.length - 1 && message["role"] === "assistant" && isRecord(lastBlock) && lastBlock["type"] === "text" && /\s$/.test(String(lastBlock["text"]))) {
      return bad("final assistant content cannot end with trailing whitespace")
    }
  }
  const thinkingProblem = validateThinking(body, bad)
  if (thinkingProblem !== undefined) return thinkingProblem
  const tools = body["tools"]
  if (tools !== undefined) {
    if (!Array.isArray(tools)) return bad("tools: Input should be a valid list")
    for (const [k, tool] of tools.entries()) {
      if (!isRecord(tool) || typeof tool["name"] !== "string" || !isRecord(tool["input_schema"]) || tool["input_schema"]["type"] !== "object") {
        return bad(`tools.${k}: tools need a name and an input_schema of type object`)
      }
    }
  }
  const choice = body["tool_choice"]
  if (choice !== undefined) {
    if (!isRecord(choice) || !["auto", "any", "tool", "none"].includes(String(choice["type"]))) return bad("tool_choice: invalid type")
    if (choice["type"] === "tool" && !(Array.isArray(tools) && tools.some((t) => isRecord(t) && t["name"] === choice["name"]))) {
      return bad("tool_choice.name: tool not found in tools")
    }
  }
  return undefined
}

const chunks = (text: string, size: number): Array<string> => {
  const out: Array<string> = []
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size))
  return out
}

/** The event sequence the real API sends for `message` (message_start … message_stop, with a ping). */
export const messageEvents = (message: MessageSpec, model: string, textChunk = 4, jsonChunk = 3): Array<StreamEvent> => {
  const usage = message.usage ?? { input_tokens: 10, output_tokens: 5 }
  const events: Array<StreamEvent> = [{
    event: "message_start",
    data: {
      type: "message_start",
      message: {
        id: message.id ?? "msg_stub", type: "message", role: "assistant", content: [], model: message.model ?? model,
        stop_reason: null, stop_sequence: null,
        usage: { ...usage, output_tokens: 1 }
      }
    }
  }]
  message.content.forEach((block, index) => {
    const start = block.type === "text" ? { type: "text", text: "" }
      : block.type === "thinking" ? { type: "thinking", thinking: "", signature: "" }
      : block.type === "redacted_thinking" ? block
      : { type: "tool_use", id: block.id, name: block.name, input: {} }
    events.push({ event: "content_block_start", data: { type: "content_block_start", index, content_block: start } })
    if (index === 0) events.push({ event: "ping", data: { type: "ping" } })
    const deltas = block.type === "text" ? chunks(block.text, textChunk).map((text) => ({ type: "text_delta", text }))
      : block.type === "thinking" ? [
        ...chunks(block.thinking, textChunk).map((thinking) => ({ type: "thinking_delta", thinking })),
        { type: "signature_delta", signature: thinkingSignature(block.thinking) }
      ]
      : block.type === "redacted_thinking" ? []
      : [{ type: "input_json_delta", partial_json: "" },
        ...chunks(JSON.stringify(block.input), jsonChunk).map((partial_json) => ({ type: "input_json_delta", partial_json }))]
    for (const delta of deltas) events.push({ event: "content_block_delta", data: { type: "content_block_delta", index, delta } })
    events.push({ event: "content_block_stop", data: { type: "content_block_stop", index } })
  })
  events.push({
    event: "message_delta",
    data: { type: "message_delta", delta: { stop_reason: message.stop_reason ?? "end_turn", stop_sequence: message.stop_sequence ?? null }, usage: { output_tokens: usage["output_tokens"] ?? 5 } }
  })
  events.push({ event: "message_stop", data: { type: "message_stop" } })
  return events
}

export const sseText = (events: ReadonlyArray<StreamEvent>): string =>
  events.map((e) => `event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`).join("")

export const anthropicError = (type: string, message: string) => ({ type: "error", error: { type, message } })

const send = (res: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}) => {
  const bytes = Buffer.from(JSON.stringify(body))
  res.writeHead(status, { "content-type": "application/json", "content-length": String(bytes.length), "request-id": "req_stub", ...headers })
  res.end(bytes)
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve))

const stream = async (res: ServerResponse, events: ReadonlyArray<StreamEvent>, end: "eof" | "destroy" | "complete") => {
  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" })
  for (const event of events) {
    res.write(sseText([event]))
    await tick()
  }
  if (end === "destroy") res.destroy()
  else res.end()
}

/**
 * Anthropic's prompt cache: only what a request marks with `cache_control` is written (up to its
 * last breakpoint), and a later request repeating that prefix reads it. Without breakpoints
 * nothing is ever cached, as on the real API.
 */
const cachedUsage = (cache: PromptCache, model: string, request: Record<string, unknown>, outputTokens: number) => {
  const units = [
    ...(request["tools"] === undefined ? [] : [request["tools"]]),
    ...(request["system"] === undefined ? [] : [request["system"]]),
    ...(Array.isArray(request["messages"]) ? request["messages"] : [])
  ]
  const lastBreakpoint = units.map((unit) => JSON.stringify(unit).includes("\"cache_control\"")).lastIndexOf(true)
  const { cached, prompt, written } = cache.use(model, units, lastBreakpoint + 1)
  return { input_tokens: prompt - cached - written, cache_creation_input_tokens: written, cache_read_input_tokens: cached, output_tokens: outputTokens }
}

/** `cache`: report usage from a simulated prompt cache for replies that set no usage of their own. */
export const startAnthropicUpstream = async (options: { readonly cache?: PromptCache } = {}): Promise<AnthropicUpstream> => {
  const requests: Array<AnthropicRequest> = []
  let queue: Array<AnthropicReply> = [{ type: "message", message: { content: [{ type: "text", text: "Hello from Claude" }] } }]
  const server = createServer((req, res) => {
    const parts: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => parts.push(chunk))
    req.on("end", () => {
      let body: unknown
      try {
        body = JSON.parse(Buffer.concat(parts).toString("utf8"))
      } catch {
        body = undefined
      }
      const path = req.url ?? ""
      const invalid = req.method !== "POST" || path !== "/v1/messages"
        ? { status: 404, type: "not_found_error", message: `Not found: ${req.method} ${path}` }
        : validateAnthropic(req.headers, body)
      requests.push({ headers: req.headers, path, body: isRecord(body) ? body : {}, rejected: invalid?.message })
      if (invalid !== undefined) return send(res, invalid.status, anthropicError(invalid.type, invalid.message))
      const reply = (queue.length > 1 ? queue.shift() : queue[0]) as AnthropicReply
      const request = body as Record<string, unknown>
      const model = String(request["model"])
      switch (reply.type) {
        case "error":
          return send(res, reply.status, anthropicError(reply.errorType, reply.message), reply.headers)
        case "events":
          return void stream(res, reply.events, reply.end ?? "complete")
        case "message": {
          const scripted = reply.message.usage === undefined && options.cache !== undefined
            ? { ...reply.message, usage: cachedUsage(options.cache, model, request, 5) }
            : reply.message
          // Thinking comes back only when the request turned it on.
          const m = thinkingOn(request) ? scripted : { ...scripted, content: scripted.content.filter((b) => b.type !== "thinking" && b.type !== "redacted_thinking") }
          if (request["stream"] === true) return void stream(res, messageEvents(m, model, reply.textChunk, reply.jsonChunk), "complete")
          return send(res, 200, {
            id: m.id ?? "msg_stub", type: "message", role: "assistant", model: m.model ?? model,
            content: m.content.map((b) => (b.type === "thinking" ? { ...b, signature: thinkingSignature(b.thinking) } : b)),
            stop_reason: m.stop_reason ?? "end_turn", stop_sequence: m.stop_sequence ?? null,
            usage: m.usage ?? { input_tokens: 10, output_tokens: 5 }
          })
        }
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    reply: (...replies) => {
      queue = [...replies]
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
