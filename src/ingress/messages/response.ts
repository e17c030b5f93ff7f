/** The Router's answer → an Anthropic `message` object (non-streaming `/v1/messages`). */
import { randomBytes } from "node:crypto"
import type { AnswerUsage, CompleteAnswer, FinishReason } from "../answer.js"

export const stopReason = (reason: FinishReason): string => {
  switch (reason) {
    case "length":
      return "max_tokens"
    case "tool_calls":
      return "tool_use"
    case "content_filter":
      return "refusal"
    case "stop":
      return "end_turn"
  }
}

/** Anthropic's `input_tokens` excludes cache reads and writes (`cache_read_input_tokens`, `cache_creation_input_tokens`). */
export const messagesUsage = (usage: AnswerUsage | undefined) => ({
  input_tokens: Math.max(0, (usage?.input ?? 0) - (usage?.cached ?? 0) - (usage?.written ?? 0)),
  output_tokens: usage?.output ?? 0,
  cache_creation_input_tokens: usage?.written ?? 0,
  cache_read_input_tokens: usage?.cached ?? 0
})

/** `msg_…`: the upstream's own id when it already is one (an Anthropic upstream), else a fresh one. */
export const messageId = (id: string): string =>
  id.startsWith("msg_") ? id : `msg_${id.replace(/^chatcmpl-/, "").replace(/[^A-Za-z0-9]/g, "") || randomBytes(12).toString("hex")}`

/** Tool arguments as the JSON object Anthropic's `input` is (a model's malformed JSON becomes `{}`). */
export const toolInput = (args: string): Record<string, unknown> => {
  try {
    const parsed: unknown = JSON.parse(args === "" ? "{}" : args)
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {}
  } catch {
    return {}
  }
}

export const toolUseId = (id: string): string => (id === "" ? `toolu_${randomBytes(12).toString("hex")}` : id)

/**
 * Reasoning from a provider other than Anthropic, as a thinking block: without a signature (there
 * is none to give), so when the client sends it back it is left out for Anthropic models
 * (`providers/anthropic/nativeRequest.ts`) and out of translations.
 */
export const unsignedThinking = (thinking: string) => ({ type: "thinking", thinking, signature: "" })

export const messageObject = (answer: CompleteAnswer, requestedModel: string, showThinking: boolean) => ({
  id: messageId(answer.id),
  type: "message",
  role: "assistant",
  model: answer.model || requestedModel,
  content: [
    ...(showThinking && answer.reasoning !== "" ? [unsignedThinking(answer.reasoning)] : []),
    ...(answer.text === "" && answer.refusal === "" ? [] : [{ type: "text", text: answer.text || answer.refusal }]),
    ...answer.toolCalls.map((call) => ({ type: "tool_use", id: toolUseId(call.id), name: call.name, input: toolInput(call.arguments) }))
  ],
  stop_reason: stopReason(answer.finishReason),
  stop_sequence: null,
  usage: messagesUsage(answer.usage)
})
