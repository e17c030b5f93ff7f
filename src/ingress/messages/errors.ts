/**
 * Failures in Anthropic's error shape: `{"type":"error","error":{"type","message"}}` with the
 * status Anthropic would use, so Claude Code and the Anthropic SDK raise their own error classes
 * (and retry what they retry: 429, 5xx).
 */
import { HttpServerResponse } from "@effect/platform"
import type { ErrorDescription } from "../../errors/describe.js"

const byCode: Readonly<Record<string, string>> = {
  upstream_rate_limited: "rate_limit_error",
  key_rate_limited: "rate_limit_error",
  upstream_timeout: "timeout_error",
  // mid-stream: the upstream went silent, or the request's total deadline passed
  stream_stalled: "timeout_error",
  deadline_exceeded: "timeout_error",
  request_too_large: "request_too_large",
  model_not_found: "not_found_error",
  unknown_url: "not_found_error"
}

export const anthropicErrorType = (status: number, code?: string | null): string => {
  const known = code === null || code === undefined ? undefined : byCode[code]
  if (known !== undefined) return known
  switch (status) {
    case 400:
      return "invalid_request_error"
    case 401:
      return "authentication_error"
    case 402:
      return "billing_error"
    case 403:
      return "permission_error"
    case 404:
      return "not_found_error"
    case 413:
      return "request_too_large"
    case 429:
      return "rate_limit_error"
    case 504:
      return "timeout_error"
    case 529:
      return "overloaded_error"
    default:
      return status >= 400 && status < 500 ? "invalid_request_error" : "api_error"
  }
}

export const messagesError = (described: ErrorDescription): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.unsafeJson(
    {
      type: "error",
      error: {
        type: anthropicErrorType(described.status, described.code),
        message: described.upstreamError?.message ?? described.message
      }
    },
    { status: described.status, headers: described.headers }
  )
