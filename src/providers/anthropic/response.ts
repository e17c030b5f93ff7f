/** A complete Anthropic `message` → an OpenAI `chat.completion`; shared mappings for the stream. */
import { Either } from "effect"
import type { StreamBroken } from "../../errors/upstream.js"
import {
  completionDocument,
  completionId,
  malformed,
  nowSeconds,
  num,
  usageOf,
  type FinishReason,
  type ToolCallOut,
  type Usage
} from "../common/openaiOutput.js"
import { isRecord } from "../common/openaiRequest.js"
import { NO_MEMORY, rememberThought, type Thoughts } from "../common/thoughts.js"

/** Blocks that must come back verbatim (signature / data intact) when a tool loop continues. */
export const isThinkingBlock = (block: Readonly<Record<string, unknown>>): boolean =>
  block["type"] === "thinking" || block["type"] === "redacted_thinking"

export const finishReasonOf = (stopReason: unknown): FinishReason => {
  switch (stopReason) {
    case "max_tokens":
    case "model_context_window_exceeded":
      return "length"
    case "tool_use":
      return "tool_calls"
    case "refusal":
      return "content_filter"
    default: // end_turn, stop_sequence, pause_turn
      return "stop"
  }
}

/**
 * Anthropic's `input_tokens` excludes cache reads and writes; OpenAI's `prompt_tokens` counts every
 * prompt token, with the cache hits repeated in `prompt_tokens_details.cached_tokens` and the
 * cache writes in `cache_write_tokens`.
 */
export const usageFrom = (usage: Readonly<Record<string, unknown>>): Usage => {
  const cacheRead = num(usage["cache_read_input_tokens"])
  const cacheWrite = num(usage["cache_creation_input_tokens"])
  const prompt = num(usage["input_tokens"]) + cacheWrite + cacheRead
  return usageOf(prompt, num(usage["output_tokens"]), cacheRead, 0, undefined, cacheWrite)
}

export const translateMessage = (
  endpointId: string,
  fallbackModel: string,
  body: Buffer,
  thoughts: Thoughts = NO_MEMORY(fallbackModel)
): Either.Either<string, StreamBroken> => {
  let message: unknown
  try {
    message = JSON.parse(body.toString("utf8"))
  } catch {
    return Either.left(malformed(endpointId, "a body that is not JSON"))
  }
  if (!isRecord(message) || !Array.isArray(message["content"])) {
    return Either.left(malformed(endpointId, "JSON that is not an Anthropic message"))
  }
  let text = ""
  let reasoning = ""
  const toolCalls: Array<ToolCallOut> = []
  const thinking: Array<Record<string, unknown>> = []
  for (const block of message["content"]) {
    if (!isRecord(block)) continue
    if (isThinkingBlock(block)) thinking.push(block)
    if (block["type"] === "text" && typeof block["text"] === "string") text += block["text"]
    else if (block["type"] === "thinking" && typeof block["thinking"] === "string") reasoning += block["thinking"]
    else if (block["type"] === "tool_use" && typeof block["id"] === "string" && typeof block["name"] === "string") {
      toolCalls.push({
        id: block["id"],
        type: "function",
        function: { name: block["name"], arguments: JSON.stringify(block["input"] ?? {}) }
      })
    }
  }
  rememberThought(thoughts, toolCalls.map((call) => call.id), thinking)
  if (!thoughts.show) reasoning = ""
  const model = typeof message["model"] === "string" ? message["model"] : fallbackModel
  const id = completionId(typeof message["id"] === "string" ? message["id"] : undefined)
  const usage = isRecord(message["usage"]) ? usageFrom(message["usage"]) : undefined
  return Either.right(
    completionDocument(
      { id, created: nowSeconds(), model },
      [{ text, reasoning, refusal: undefined, toolCalls, finishReason: finishReasonOf(message["stop_reason"]) }],
      usage
    )
  )
}
