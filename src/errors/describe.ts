/**
 * Every failure the router reports, described the way OpenAI clients expect it: HTTP status,
 * `type`, `code`, `param`, the headers that say what happened. One mapping for both channels a
 * failure can take: an HTTP error response, or (once a keep-alive stream has started) an SSE
 * error event.
 */
import type { PaymentFailed } from "./payment.js"
import type { RequestError } from "./request.js"
import type { AllCandidatesFailed } from "./routing.js"
import type { UpstreamError } from "./upstream.js"

export type HandledError = RequestError | AllCandidatesFailed | UpstreamError | PaymentFailed

export interface ErrorDescription {
  readonly status: number
  readonly message: string
  readonly type: string
  readonly code: string | null
  readonly param?: string | undefined
  readonly headers: Readonly<Record<string, string>>
  /**
   * A non-retryable upstream 4xx in OpenAI's shape: its fields (never the body itself), so the
   * client sees the provider's own `type`, `code` and `param` (e.g. `context_length_exceeded`).
   */
  readonly upstreamError?: UpstreamErrorFields
}

export interface UpstreamErrorFields {
  readonly message: string
  readonly type: string
  readonly code: string | null
  readonly param: string | null
}

export const describeError = (error: HandledError): ErrorDescription => {
  const plain = (status: number, type: string, code: string | null, extra: Partial<ErrorDescription> = {}): ErrorDescription =>
    ({ status, message: error.message, type, code, headers: {}, ...extra })
  switch (error._tag) {
    case "InvalidRequest":
      return plain(400, "invalid_request_error", error.code ?? null, { param: error.param })
    case "StateUnavailable":
      return plain(503, "server_error", error.code, { headers: { "retry-after": "1" } })
    case "PayloadTooLarge":
      return plain(413, "invalid_request_error", "request_too_large")
    case "Unauthorized":
      return plain(401, "authentication_error", "invalid_api_key", error.challenge === undefined ? {} : { headers: { "www-authenticate": error.challenge } })
    case "UnsupportedMediaType":
      return plain(415, "invalid_request_error", "unsupported_media_type")
    case "Forbidden":
      return plain(403, "permission_error", error.code)
    case "ModelNotFound":
      return plain(404, "invalid_request_error", "model_not_found", { param: "model" })
    case "NoRoutableEndpoint":
      return plain(503, "server_error", "no_routable_endpoint")
    case "AllCandidatesFailed": {
      const last = upstreamFailure(error.last, error.message)
      return { ...last, headers: { ...last.headers, "x-llmrouter-attempts": String(error.attempts.length) } }
    }
    case "PaymentFailed":
      // After a signature: 402 (400 for a reused idempotency key), never a status clients retry.
      return plain(error.status, error.status === 400 ? "invalid_request_error" : error.status === 503 ? "server_error" : "payment_required", error.reason, {
        headers: { "x-llmrouter-model": error.endpoint, "x-llmrouter-payment": error.reason }
      })
    default:
      return upstreamFailure(error, error.message)
  }
}

const upstreamFailure = (last: UpstreamError, message: string): ErrorDescription => {
  const headers = { "x-llmrouter-model": last.endpoint }
  switch (last._tag) {
    case "BadRequest":
      return {
        status: last.status,
        message: last.message,
        type: "invalid_request_error",
        code: "upstream_rejected",
        headers,
        ...upstreamErrorFields(last.body)
      }
    case "RateLimited":
      return {
        status: 429,
        message,
        type: "rate_limit_error",
        code: "upstream_rate_limited",
        headers: { ...headers, ...(last.retryAfterMs === undefined ? {} : { "retry-after": String(Math.ceil(last.retryAfterMs / 1000)) }) }
      }
    case "Timeout":
      return { status: 504, message, type: "server_error", code: "upstream_timeout", headers }
    case "PaymentRequired":
      return { status: 402, message, type: "payment_required", code: "upstream_payment_required", headers }
    default:
      return { status: 502, message, type: "server_error", code: "upstream_error", headers }
  }
}

/** The fields of an OpenAI-shaped error body, as plain bounded strings; nothing else of the body. */
const upstreamErrorFields = (body: string): { readonly upstreamError?: UpstreamErrorFields } => {
  let parsed: unknown
  try {
    parsed = JSON.parse(body)
  } catch {
    return {}
  }
  const error = typeof parsed === "object" && parsed !== null ? (parsed as { error?: unknown }).error : undefined
  if (typeof error !== "object" || error === null) return {}
  const { code, message, param, type } = error as Record<string, unknown>
  const text = (value: unknown, max: number) =>
    typeof value === "string" && value !== "" ? value.slice(0, max) : typeof value === "number" ? String(value) : null
  return {
    upstreamError: {
      message: text(message, 2000) ?? "The upstream refused the request.",
      type: text(type, 100) ?? "invalid_request_error",
      code: text(code, 100),
      param: text(param, 200)
    }
  }
}
