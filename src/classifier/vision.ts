/**
 * Image detection. A text-only model cannot take a conversation that holds an
 * image, even when the latest turn is text, so *any* image part in *any*
 * message makes the request `vision`. Recognised shapes:
 *  - OpenAI chat `{type:"image_url", image_url:{url}}` (URL or data URL);
 *  - OpenAI Responses `{type:"input_image", image_url | file_id}`;
 *  - Anthropic `{type:"image", source:{...}}`;
 *  - Gemini-style `inline_data`/`inlineData` with an `image/*` mime type;
 *  - any non-text part carrying a `data:image/...` URL string (e.g. file parts);
 *  - image parts nested one level inside a part (tool results).
 * The walk is bounded (messages × parts × one level of nesting), so huge or
 * hostile bodies cost little.
 */
import { isRecord, messagesOf, type Json } from "./messages.js"

const IMAGE_TYPES = new Set(["image_url", "input_image", "image", "image_file"])
const MAX_MESSAGES = 2000
const MAX_PARTS = 500

const isImageMime = (x: unknown): boolean => typeof x === "string" && x.toLowerCase().startsWith("image/")
const isDataImage = (x: unknown): boolean => typeof x === "string" && x.length > 11 && x.slice(0, 11).toLowerCase() === "data:image/"

const TEXT_TYPES = new Set(["text", "input_text", "output_text"])

const partIsImage = (part: Json, depth = 0): boolean => {
  if (!isRecord(part)) return isDataImage(part)
  if (typeof part.type === "string") {
    if (IMAGE_TYPES.has(part.type)) return true
    // A pasted data URL inside typed text is still text.
    if (TEXT_TYPES.has(part.type)) return false
  }
  // Tool results (Anthropic `tool_result`, function outputs) may nest image parts.
  if (depth === 0 && Array.isArray(part.content)) {
    const k = Math.min(part.content.length, MAX_PARTS)
    for (let j = 0; j < k; j++) if (partIsImage(part.content[j], 1)) return true
  }
  if (part.image_url !== undefined || part.inline_data !== undefined || part.inlineData !== undefined) {
    const inline = isRecord(part.inline_data) ? part.inline_data : isRecord(part.inlineData) ? part.inlineData : undefined
    if (inline === undefined) return true
    return isImageMime(inline.mime_type) || isImageMime(inline.mimeType)
  }
  // File parts and other wrappers: look one level down for an image data URL or mime type.
  for (const key in part) {
    const v = part[key]
    if (isDataImage(v)) return true
    if (isRecord(v)) {
      if (isImageMime(v.media_type) || isImageMime(v.mime_type) || isImageMime(v.mimeType)) return true
      if (isDataImage(v.url) || isDataImage(v.file_data) || isDataImage(v.data)) return true
    }
  }
  return false
}

/** True when any message of the request carries an image content part. Never throws. */
export const hasImage = (body: Json): boolean => {
  const messages = messagesOf(body)
  const n = Math.min(messages.length, MAX_MESSAGES)
  for (let i = 0; i < n; i++) {
    const m = messages[i]
    if (!isRecord(m)) continue
    // Responses API input items can be parts themselves.
    if (m.role === undefined && partIsImage(m)) return true
    const content = m.content
    if (!Array.isArray(content)) continue
    const k = Math.min(content.length, MAX_PARTS)
    for (let j = 0; j < k; j++) if (partIsImage(content[j])) return true
  }
  return false
}
