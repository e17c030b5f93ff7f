/**
 * Status → tagged error, shared by every adapter. Adapters only differ in where the provider puts
 * its human-readable message, which `errorMessage` digs out of the usual JSON shapes.
 */
import {
  BadRequest,
  NotFound,
  PaymentRequired,
  RateLimited,
  Timeout,
  Unavailable,
  type UpstreamError
} from "../errors/upstream.js"
import type { ResolvedEndpoint } from "./Adapter.js"

type Headers = Readonly<Record<string, string | ReadonlyArray<string> | undefined>>

export const headerValue = (headers: Headers, name: string): string | undefined => {
  const value = headers[name]
  return typeof value === "string" ? value : value?.[0]
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date; also `retry-after-ms`. */
export const retryAfterMs = (headers: Headers, now = Date.now()): number | undefined => {
  const ms = headerValue(headers, "retry-after-ms")
  if (ms !== undefined && /^\d+(\.\d+)?$/.test(ms.trim())) return Math.ceil(Number(ms))
  const value = headerValue(headers, "retry-after")?.trim()
  if (value === undefined || value === "") return undefined
  if (/^\d+(\.\d+)?$/.test(value)) return Math.ceil(Number(value) * 1000)
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

/**
 * The provider's own message from `{error:{message}}`, `{error:"..."}` or `{message}`; else the
 * body's text without markup (an HTML error page), on one line. Bounded either way: this is what
 * reaches clients, `/health` and logs (after redaction), never the body itself.
 */
export const errorMessage = (body: string): string => {
  try {
    const parsed: unknown = JSON.parse(body)
    const candidate = pick(parsed, "error", "message") ?? pick(parsed, "error") ?? pick(parsed, "message")
    if (typeof candidate === "string" && candidate !== "") return bounded(candidate, 1000)
  } catch {
    // not JSON: fall through to the text itself
  }
  const text = body.replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, " ").replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim()
  return text === "" ? "(empty body)" : bounded(text, 300)
}

const bounded = (text: string, max: number) => (text.length > max ? `${text.slice(0, max)}…` : text)

const pick = (value: unknown, ...path: ReadonlyArray<string>): unknown => {
  let current = value
  for (const key of path) {
    if (typeof current !== "object" || current === null) return undefined
    current = (current as Record<string, unknown>)[key]
  }
  return current
}

export const classifyHttpError = (
  endpoint: ResolvedEndpoint,
  status: number,
  headers: Headers,
  body: string
): UpstreamError => {
  const detail = errorMessage(body)
  const message = `HTTP ${status} from ${endpoint.id}: ${detail}`
  const common = { endpoint: endpoint.id, message }
  if (status === 402) return new PaymentRequired({ ...common, challenge: { headers, body } })
  if (status === 404) return new NotFound(common)
  if (status === 408) return new Timeout({ ...common, phase: "upstream" })
  if (status === 429) {
    const after = retryAfterMs(headers)
    return new RateLimited(after === undefined ? common : { ...common, retryAfterMs: after })
  }
  if (status >= 500) return new Unavailable({ ...common, status })
  const contentType = headerValue(headers, "content-type")
  const reason = refusalReason(body)
  return new BadRequest({
    ...common,
    status,
    body,
    ...(contentType === undefined ? {} : { contentType }),
    ...(reason === undefined ? {} : { reason })
  })
}

/**
 * Context-length and content-policy refusals, as OpenAI, Anthropic, Gemini and the common
 * OpenAI-compatible servers word them.
 */
export const refusalReason = (body: string): "context_length" | "content_policy" | undefined => {
  const text = body.toLowerCase()
  if (/context_length_exceeded|context length|maximum context|prompt is too long|too many tokens|exceeds the maximum number of tokens|input is too long/.test(text)) {
    return "context_length"
  }
  if (/content_policy|content[_ ]filter|content management policy|safety system|responsible ai/.test(text)) {
    return "content_policy"
  }
  return undefined
}
