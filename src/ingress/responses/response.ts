/** The OpenAI `response` object, built from the Router's answer (complete, or assembled from a stream). */
import { randomBytes } from "node:crypto"
import type { AnswerToolCall, AnswerUsage, FinishReason } from "../answer.js"
import type { FunctionTool, ResponsesBody } from "./schema.js"

export const newId = (prefix: "resp" | "msg" | "fc" | "rs"): string => `${prefix}_${randomBytes(24).toString("hex")}`

/** What every version of one response (created, in progress, completed) repeats. */
export interface ResponseContext {
  readonly id: string
  readonly createdAt: number
  readonly body: ResponsesBody
  readonly tools: ReadonlyArray<FunctionTool>
  /** Whether the response is stored (and so continuable by `previous_response_id`). */
  readonly store: boolean
}

export type Status = "in_progress" | "completed" | "incomplete" | "failed"

export const outputText = (text: string) => ({ type: "output_text", text, annotations: [], logprobs: [] })

export const messageItem = (id: string, text: string, status: "in_progress" | "completed") => ({
  id,
  type: "message",
  status,
  role: "assistant",
  content: status === "in_progress" ? [] : [outputText(text)]
})

export const functionCallItem = (id: string, call: AnswerToolCall, status: "in_progress" | "completed") => ({
  id,
  type: "function_call",
  status,
  call_id: call.id,
  name: call.name,
  arguments: status === "in_progress" ? "" : call.arguments
})

export const responsesUsage = (usage: AnswerUsage | undefined) => {
  const input = usage?.input ?? 0
  const output = usage?.output ?? 0
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: usage?.cached ?? 0 },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: usage?.reasoning ?? 0 },
    total_tokens: input + output
  }
}

export const statusOf = (reason: FinishReason): Status => (reason === "length" ? "incomplete" : "completed")

export const responseObject = (
  context: ResponseContext,
  state: {
    readonly status: Status
    readonly model: string
    readonly output: ReadonlyArray<unknown>
    readonly usage?: AnswerUsage | undefined
    readonly error?: { readonly code: string; readonly message: string }
  }
) => {
  const { body } = context
  return {
    id: context.id,
    object: "response",
    created_at: context.createdAt,
    status: state.status,
    background: false,
    error: state.error ?? null,
    incomplete_details: state.status === "incomplete" ? { reason: "max_output_tokens" } : null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    metadata: body.metadata ?? {},
    model: state.model || body.model,
    output: state.output,
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: body.previous_response_id ?? null,
    prompt_cache_key: body.prompt_cache_key ?? null,
    reasoning: { effort: body.reasoning?.effort ?? null, summary: body.reasoning?.summary ?? null },
    store: context.store,
    temperature: body.temperature ?? 1,
    text: { format: body.text?.format ?? { type: "text" } },
    tool_choice: body.tool_choice ?? "auto",
    tools: context.tools.map((tool) => ({
      type: "function",
      name: tool.name,
      description: tool.description ?? null,
      parameters: tool.parameters ?? null,
      strict: tool.strict ?? null
    })),
    top_p: body.top_p ?? 1,
    truncation: "disabled",
    usage: state.status === "in_progress" || state.status === "failed" ? null : responsesUsage(state.usage),
    user: body.user ?? null
  }
}

/** The answer as the chat message a follow-up's history holds. */
export const assistantTurn = (text: string, toolCalls: ReadonlyArray<AnswerToolCall>): Record<string, unknown> => ({
  role: "assistant",
  content: text === "" && toolCalls.length > 0 ? null : text,
  ...(toolCalls.length === 0
    ? {}
    : { tool_calls: toolCalls.map((call) => ({ id: call.id, type: "function", function: { name: call.name, arguments: call.arguments } })) })
})
