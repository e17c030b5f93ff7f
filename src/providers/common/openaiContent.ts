/**
 * OpenAI message content (a string or an array of typed parts) read into provider-neutral parts.
 * Images are data URLs (base64) or http(s) URLs; files are data URLs; audio is base64.
 */
import { InvalidRequest } from "../../errors/request.js"

export const isRecord = (u: unknown): u is Record<string, unknown> =>
  typeof u === "object" && u !== null && !Array.isArray(u)

/** Throws the `InvalidRequest` (caught once by `catchInvalid`): keeps the translators linear. */
export const reject = (message: string, param: string, code: string): never => {
  throw new InvalidRequest({ message, param, code })
}

export interface TextPart {
  readonly type: "text"
  readonly text: string
  /** Anthropic prompt-caching marker (`{type:"ephemeral"}`), passed on where the upstream has it. */
  readonly cacheControl?: Readonly<Record<string, unknown>>
}
export type MediaSource =
  | { readonly kind: "base64"; readonly mediaType: string; readonly data: string }
  | { readonly kind: "url"; readonly url: string }
export interface ImagePart {
  readonly type: "image"
  readonly source: MediaSource
  readonly param: string
  readonly cacheControl?: Readonly<Record<string, unknown>>
}
export interface FilePart {
  readonly type: "file"
  readonly mediaType: string
  readonly data: string
  readonly filename: string | undefined
  readonly param: string
}
export interface AudioPart {
  readonly type: "audio"
  readonly format: string
  readonly data: string
  readonly param: string
}
export type UserPart = TextPart | ImagePart | FilePart | AudioPart

/** `data:<type>[;params];base64,<data>` → its parts; undefined when not a base64 data URL. */
export const parseDataUrl = (url: string): { readonly mediaType: string; readonly data: string } | undefined => {
  const match = /^data:([^;,]+)((?:;[^;,]*)*);base64,/i.exec(url)
  if (match === null || match[1] === undefined) return undefined
  return { mediaType: match[1].toLowerCase(), data: url.slice(match[0].length) }
}

const cacheControlOf = (part: Record<string, unknown>): { cacheControl?: Readonly<Record<string, unknown>> } => {
  const cc = part["cache_control"]
  return isRecord(cc) ? { cacheControl: cc } : {}
}

const textPart = (part: Record<string, unknown>, param: string): TextPart => {
  const text = part["type"] === "refusal" ? part["refusal"] : part["text"]
  if (typeof text !== "string") return reject("A text part needs a string 'text'.", `${param}.text`, "invalid_value")
  return { type: "text", text, ...cacheControlOf(part) }
}

/** Content that may only hold text (system, developer, tool; assistant also `refusal` parts). */
export const textOnly = (content: unknown, param: string, allowRefusal = false): ReadonlyArray<TextPart> => {
  if (typeof content === "string") return [{ type: "text", text: content }]
  if (!Array.isArray(content)) return reject("'content' must be a string or an array of parts.", param, "invalid_value")
  return content.map((part: unknown, k) => {
    const at = `${param}[${k}]`
    if (isRecord(part) && (part["type"] === "text" || (allowRefusal && part["type"] === "refusal"))) {
      return textPart(part, at)
    }
    return reject("Only text parts are allowed in this message.", `${at}.type`, "unsupported_value")
  })
}

export const parseContentParts = (content: unknown, param: string): ReadonlyArray<UserPart> => {
  if (typeof content === "string") return [{ type: "text", text: content }]
  if (!Array.isArray(content)) return reject("'content' must be a string or an array of parts.", param, "invalid_value")
  return content.map((part: unknown, k): UserPart => {
    const at = `${param}[${k}]`
    if (!isRecord(part)) return reject("A content part must be an object.", at, "invalid_value")
    switch (part["type"]) {
      case "text":
        return textPart(part, at)
      case "image_url": {
        const image = part["image_url"]
        const url = isRecord(image) ? image["url"] : image
        if (typeof url !== "string") return reject("An image part needs 'image_url.url'.", `${at}.image_url.url`, "invalid_value")
        const data = parseDataUrl(url)
        if (data !== undefined) {
          return { type: "image", source: { kind: "base64", ...data }, param: `${at}.image_url.url`, ...cacheControlOf(part) }
        }
        if (/^https?:\/\//i.test(url)) {
          return { type: "image", source: { kind: "url", url }, param: `${at}.image_url.url`, ...cacheControlOf(part) }
        }
        return reject("An image URL must be a base64 data URL or an http(s) URL.", `${at}.image_url.url`, "invalid_value")
      }
      case "input_audio": {
        const audio = part["input_audio"]
        if (!isRecord(audio) || typeof audio["data"] !== "string" || typeof audio["format"] !== "string") {
          return reject("An audio part needs 'input_audio.data' and 'input_audio.format'.", `${at}.input_audio`, "invalid_value")
        }
        return { type: "audio", format: audio["format"], data: audio["data"], param: `${at}.input_audio` }
      }
      case "file": {
        const file = part["file"]
        if (!isRecord(file)) return reject("A file part needs 'file'.", `${at}.file`, "invalid_value")
        if (typeof file["file_data"] !== "string") {
          return reject("Only inline files ('file.file_data' as a data URL) can be translated, not 'file_id'.", `${at}.file`, "unsupported_value")
        }
        const data = parseDataUrl(file["file_data"])
        if (data === undefined) return reject("'file.file_data' must be a base64 data URL.", `${at}.file.file_data`, "invalid_value")
        const filename = typeof file["filename"] === "string" ? file["filename"] : undefined
        return { type: "file", ...data, filename, param: `${at}.file.file_data` }
      }
      default:
        return reject(`Unsupported content part type '${String(part["type"])}'.`, `${at}.type`, "unsupported_value")
    }
  })
}
