/**
 * An upstream's reasoning as a Responses `reasoning` output item. Claude's thinking and Gemini's
 * thoughts are summaries of the model's reasoning (as Anthropic and Google describe them): they
 * become the item's `summary` (`summary_text`, streamed as `response.reasoning_summary_text.*`,
 * what Codex shows by default). The `reasoning_content` of OpenAI-compatible servers (DeepSeek,
 * Qwen, gpt-oss) is the raw chain of thought: it becomes the item's `content` (`reasoning_text`,
 * streamed as `response.reasoning_text.*`), as OpenAI's open-weight models report it. There is no
 * `encrypted_content`: a client sending the item back changes nothing (reasoning items are skipped
 * on input; the tool-loop memory hands Claude's signed thinking back by tool-call id).
 */
import type { ProviderKind } from "../../config/schema.js"

export type ReasoningStyle = "summary" | "text"

export const reasoningStyle = (kind: ProviderKind | undefined): ReasoningStyle =>
  kind === "anthropic" || kind === "google" ? "summary" : "text"

type Status = "in_progress" | "completed" | "incomplete"

const partOf = (style: ReasoningStyle, text: string) => ({ type: style === "summary" ? "summary_text" : "reasoning_text", text })

export const reasoningItem = (id: string, text: string, style: ReasoningStyle, status: Status) => {
  const parts = status === "in_progress" ? [] : [partOf(style, text)]
  return style === "summary"
    ? { id, type: "reasoning", summary: parts, status }
    : { id, type: "reasoning", summary: [], content: parts, status }
}

/** A streamed event: its type and payload (the encoder adds `sequence_number`). */
export type ItemEvent = readonly [type: string, payload: Record<string, unknown>]

/** Where a part sits: `summary_index` in the summary, `content_index` in the content. */
const at = (id: string, outputIndex: number, style: ReasoningStyle) => ({
  item_id: id,
  output_index: outputIndex,
  ...(style === "summary" ? { summary_index: 0 } : { content_index: 0 })
})

export const reasoningOpened = (id: string, outputIndex: number, style: ReasoningStyle): Array<ItemEvent> => [
  ["response.output_item.added", { output_index: outputIndex, item: reasoningItem(id, "", style, "in_progress") }],
  [style === "summary" ? "response.reasoning_summary_part.added" : "response.content_part.added", { ...at(id, outputIndex, style), part: partOf(style, "") }]
]

export const reasoningDelta = (id: string, outputIndex: number, style: ReasoningStyle, delta: string): ItemEvent => [
  style === "summary" ? "response.reasoning_summary_text.delta" : "response.reasoning_text.delta",
  { ...at(id, outputIndex, style), delta }
]

/** The events that close the item, and the item as it ends in the response's `output`. */
export const reasoningClosed = (id: string, outputIndex: number, style: ReasoningStyle, text: string) => {
  const item = reasoningItem(id, text, style, "completed")
  const events: Array<ItemEvent> = [
    [style === "summary" ? "response.reasoning_summary_text.done" : "response.reasoning_text.done", { ...at(id, outputIndex, style), text }],
    [style === "summary" ? "response.reasoning_summary_part.done" : "response.content_part.done", { ...at(id, outputIndex, style), part: partOf(style, text) }],
    ["response.output_item.done", { output_index: outputIndex, item }]
  ]
  return { events, item }
}
