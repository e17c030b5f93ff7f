/**
 * A Messages client's own body, made sendable to an Anthropic model. It goes as written except
 * for the thinking of its assistant turns, which Anthropic checks:
 * - a thinking block without a signature came from another provider's reasoning (the router has
 *   no signature to give it): Anthropic would refuse it, so it is left out;
 * - a turn that called tools and carries no signed thinking (the client dropped it, or another
 *   provider answered it) gets the blocks the tool-loop memory kept for this model, first;
 * - if the turn a tool loop continues still has none while thinking is on, Anthropic would refuse
 *   the request: this turn is sent without `thinking` (answered without extended thinking), noted.
 */
import type { ThinkingMemory } from "../../reasoning/memory.js"
import { isRecord } from "../common/openaiRequest.js"
import { isThinkingBlock } from "./response.js"

type Block = Readonly<Record<string, unknown>>

const signed = (block: Block): boolean =>
  block["type"] === "redacted_thinking" || (block["type"] === "thinking" && typeof block["signature"] === "string" && block["signature"] !== "")

const blocksOf = (message: unknown): ReadonlyArray<Block> =>
  isRecord(message) && Array.isArray(message["content"]) ? message["content"].filter(isRecord) : []

/** An assistant turn's blocks, with unsigned thinking left out and remembered thinking restored. */
const assistantBlocks = (blocks: ReadonlyArray<Block>, modelId: string, memory: ThinkingMemory | undefined): ReadonlyArray<Block> | undefined => {
  const unsigned = blocks.some((b) => isThinkingBlock(b) && !signed(b))
  const kept = unsigned ? blocks.filter((b) => !isThinkingBlock(b) || signed(b)) : blocks
  const call = kept.find((b) => b["type"] === "tool_use")
  if (call === undefined || kept.some(isThinkingBlock)) return unsigned ? kept : undefined
  const remembered = typeof call["id"] === "string" ? memory?.recall(call["id"], modelId) : undefined
  return remembered === undefined ? (unsigned ? kept : undefined) : [...remembered.map((b) => ({ ...b })), ...kept]
}

const thinkingOn = (body: Block): boolean => {
  const thinking = body["thinking"]
  return isRecord(thinking) && (thinking["type"] === "enabled" || thinking["type"] === "adaptive")
}

/** Whether the conversation ends in tool results answering an assistant turn that has no thinking. */
const loopWithoutThinking = (messages: ReadonlyArray<unknown>): boolean => {
  const last = blocksOf(messages.at(-1))
  if (last[0]?.["type"] !== "tool_result") return false
  const assistant = blocksOf(messages.at(-2))
  return !isThinkingBlock(assistant[0] ?? {})
}

export const nativeMessagesBody = (
  body: Block,
  modelId: string,
  memory: ThinkingMemory | undefined
): { readonly body: Block; readonly notes: ReadonlyArray<string> } => {
  const messages = Array.isArray(body["messages"]) ? (body["messages"] as ReadonlyArray<unknown>) : []
  let changed = false
  const fixed = messages.map((message) => {
    if (!isRecord(message) || message["role"] !== "assistant") return message
    const blocks = assistantBlocks(blocksOf(message), modelId, memory)
    if (blocks === undefined) return message
    changed = true
    return { ...message, content: blocks }
  })
  const sent = changed ? { ...body, messages: fixed } : body
  if (!thinkingOn(sent) || !loopWithoutThinking(fixed)) return { body: sent, notes: [] }
  const { thinking: _off, ...rest } = sent
  return { body: rest, notes: ["the tool loop's assistant turn came back without its signed thinking: this turn is answered without extended thinking"] }
}
