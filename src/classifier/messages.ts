/**
 * Defensive readers for parsed (untyped) chat request bodies. Nothing here
 * throws: unknown shapes read as "no text".
 */

import { isRecord } from "../providers/common/openaiContent.js"

export type Json = unknown

export { isRecord }

/** Upper bound on text taken from one message before cleaning (bounded work on huge pastes). */
export const MAX_MESSAGE_CHARS = 64_000

const TEXT_PART_TYPES = new Set(["text", "input_text", "output_text"])

/**
 * Text of a message `content`: a string, or the `text` of text parts in an
 * array (OpenAI chat / Responses / Anthropic part shapes). Non-text parts
 * (images, tool results, audio) are ignored.
 */
export const contentText = (content: Json): string => {
  if (typeof content === "string") return content.length > MAX_MESSAGE_CHARS ? content.slice(0, MAX_MESSAGE_CHARS) : content
  const parts = Array.isArray(content) ? content : isRecord(content) ? [content] : []
  let out = ""
  for (const part of parts) {
    if (out.length >= MAX_MESSAGE_CHARS) break
    if (typeof part === "string") out += (out ? "\n" : "") + part
    else if (isRecord(part) && typeof part.text === "string" && (part.type === undefined || TEXT_PART_TYPES.has(String(part.type))))
      out += (out ? "\n" : "") + part.text
  }
  return out.length > MAX_MESSAGE_CHARS ? out.slice(0, MAX_MESSAGE_CHARS) : out
}

/**
 * The conversation's messages in order: `messages` (chat completions,
 * Anthropic), or `input` (Responses API: a string or an item list), or a bare
 * `prompt` string (legacy completions).
 */
export const messagesOf = (body: Json): ReadonlyArray<Json> => {
  if (!isRecord(body)) return []
  if (Array.isArray(body.messages)) return body.messages
  if (typeof body.input === "string") return [{ role: "user", content: body.input }]
  if (Array.isArray(body.input)) return body.input
  if (typeof body.prompt === "string") return [{ role: "user", content: body.prompt }]
  return []
}

export const roleOf = (message: Json): string | undefined =>
  isRecord(message) && typeof message.role === "string" ? message.role : undefined
