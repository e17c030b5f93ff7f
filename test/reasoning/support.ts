/**
 * Shared by the thinking tests: an `openai` SDK client on a router, and reading what the SDK
 * does not type (`reasoning_content`, `completion_tokens_details`, our response headers).
 */
import OpenAI from "openai"
import type { RouterConfigInput } from "../../src/config/schema.js"
import type { Resources } from "../support/http.js"
import { startRouter } from "../support/router.js"

export type Params = OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming
type Message = OpenAI.Chat.Completions.ChatCompletionMessageParam

export const clientOn = async (resources: Resources, config: RouterConfigInput, env: Readonly<Record<string, string>>) => {
  const router = resources.add(await startRouter({ retry: { backoffMs: 1, sameEndpointRetries: 0 }, ...config }, { env }))
  return new OpenAI({ baseURL: router.baseUrl, apiKey: "unused", maxRetries: 0 })
}

export interface Turn {
  readonly content: string
  readonly reasoning: string
  readonly toolCalls: ReadonlyArray<{ readonly id: string; readonly name: string; readonly arguments: string }>
  readonly adjusted: string | undefined
  readonly reasoningTokens: number | undefined
  /** The assistant message to put back into the history. */
  readonly message: Message
}

const reasoningOf = (value: unknown): string => {
  const r = (value as { reasoning_content?: unknown } | undefined)?.reasoning_content
  return typeof r === "string" ? r : ""
}

/** One request, JSON or streamed, read into the same shape. */
export const ask = async (client: OpenAI, params: Params & Record<string, unknown>, stream: boolean): Promise<Turn> => {
  if (!stream) {
    const { data, response } = await client.chat.completions.create(params).withResponse()
    const message = data.choices[0]?.message
    const toolCalls = (message?.tool_calls ?? []).flatMap((c) => (c.type === "function" ? [{ id: c.id, name: c.function.name, arguments: c.function.arguments }] : []))
    return {
      content: message?.content ?? "",
      reasoning: reasoningOf(message),
      toolCalls,
      adjusted: response.headers.get("x-llmrouter-adjusted") ?? undefined,
      reasoningTokens: data.usage?.completion_tokens_details?.reasoning_tokens,
      message: assistantMessage(message?.content ?? "", toolCalls)
    }
  }
  const { data, response } = await client.chat.completions
    .create({ ...params, stream: true, stream_options: { include_usage: true } })
    .withResponse()
  let content = ""
  let reasoning = ""
  let reasoningTokens: number | undefined
  const calls = new Map<number, { id: string; name: string; arguments: string }>()
  for await (const chunk of data) {
    if (chunk.usage?.completion_tokens_details?.reasoning_tokens !== undefined) reasoningTokens = chunk.usage.completion_tokens_details.reasoning_tokens
    const delta = chunk.choices[0]?.delta
    if (delta === undefined) continue
    content += delta.content ?? ""
    reasoning += reasoningOf(delta)
    for (const call of delta.tool_calls ?? []) {
      const known = calls.get(call.index) ?? { id: "", name: "", arguments: "" }
      calls.set(call.index, {
        id: call.id ?? known.id,
        name: call.function?.name ?? known.name,
        arguments: known.arguments + (call.function?.arguments ?? "")
      })
    }
  }
  const toolCalls = [...calls.values()]
  return {
    content,
    reasoning,
    toolCalls,
    adjusted: response.headers.get("x-llmrouter-adjusted") ?? undefined,
    reasoningTokens,
    message: assistantMessage(content, toolCalls)
  }
}

const assistantMessage = (content: string, toolCalls: Turn["toolCalls"]): Message => ({
  role: "assistant",
  content: content === "" ? null : content,
  ...(toolCalls.length === 0
    ? {}
    : { tool_calls: toolCalls.map((c) => ({ id: c.id, type: "function" as const, function: { name: c.name, arguments: c.arguments } })) })
})

export const toolResults = (turn: Turn, result: string): Array<Message> =>
  turn.toolCalls.map((c) => ({ role: "tool" as const, tool_call_id: c.id, content: `${c.name}: ${result}` }))

export const WEATHER: OpenAI.Chat.Completions.ChatCompletionTool = {
  type: "function",
  function: { name: "weather", parameters: { type: "object", properties: { city: { type: "string" } } } }
}
