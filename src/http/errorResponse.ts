/**
 * Every failure → one OpenAI-shaped error response `{ error: { message, type, code, param } }`
 * with the status an OpenAI client expects. Upstream 4xx answers are passed on as the provider gave them.
 */
import { HttpServerResponse } from "@effect/platform"
import type { PaymentFailed } from "../errors/payment.js"
import type { RequestError } from "../errors/request.js"
import type { AllCandidatesFailed } from "../errors/routing.js"
import type { UpstreamError } from "../errors/upstream.js"

export type HandledError = RequestError | AllCandidatesFailed | UpstreamError | PaymentFailed

export const openAiError = (
  status: number,
  body: { readonly message: string; readonly type: string; readonly code: string | null; readonly param?: string | undefined },
  headers: Readonly<Record<string, string>> = {}
) =>
  HttpServerResponse.unsafeJson(
    { error: { message: body.message, type: body.type, code: body.code, param: body.param ?? null } },
    { status, headers }
  )

export const errorResponse = (error: HandledError): HttpServerResponse.HttpServerResponse => {
  switch (error._tag) {
    case "InvalidRequest":
      return openAiError(400, { message: error.message, type: "invalid_request_error", code: error.code ?? null, param: error.param })
    case "PayloadTooLarge":
      return openAiError(413, { message: error.message, type: "invalid_request_error", code: "request_too_large" })
    case "Unauthorized":
      return openAiError(401, { message: error.message, type: "authentication_error", code: "invalid_api_key" })
    case "Forbidden":
      return openAiError(403, { message: error.message, type: "permission_error", code: error.code })
    case "ModelNotFound":
      return openAiError(404, { message: error.message, type: "invalid_request_error", code: "model_not_found", param: "model" })
    case "NoRoutableEndpoint":
      return openAiError(503, { message: error.message, type: "server_error", code: "no_routable_endpoint" })
    case "AllCandidatesFailed":
      return upstreamFailure(error.last, error.message).pipe(
        HttpServerResponse.setHeader("x-llmrouter-attempts", String(error.attempts.length))
      )
    case "PaymentFailed":
      // After a signature: 402 (400 for a reused idempotency key), never a status clients retry.
      return openAiError(error.status, {
        message: error.message,
        type: error.status === 400 ? "invalid_request_error" : "payment_required",
        code: error.reason
      }, { "x-llmrouter-model": error.endpoint, "x-llmrouter-payment": error.reason })
    default:
      return upstreamFailure(error, error.message)
  }
}

const upstreamFailure = (last: UpstreamError, message: string) => {
  const model = { "x-llmrouter-model": last.endpoint }
  switch (last._tag) {
    case "BadRequest":
      return passThrough(last)
    case "RateLimited":
      return openAiError(429, { message, type: "rate_limit_error", code: "upstream_rate_limited" }, {
        ...model,
        ...(last.retryAfterMs === undefined ? {} : { "retry-after": String(Math.ceil(last.retryAfterMs / 1000)) })
      })
    case "Timeout":
      return openAiError(504, { message, type: "server_error", code: "upstream_timeout" }, model)
    case "PaymentRequired":
      return openAiError(402, { message, type: "payment_required", code: "upstream_payment_required" }, model)
    default:
      return openAiError(502, { message, type: "server_error", code: "upstream_error" }, model)
  }
}

/** A non-retryable upstream 4xx: the provider's status and its error body, when that is OpenAI-shaped JSON. */
const passThrough = (error: Extract<UpstreamError, { _tag: "BadRequest" }>) => {
  const headers = { "x-llmrouter-model": error.endpoint }
  if (isOpenAiErrorBody(error.body)) {
    return HttpServerResponse.text(error.body, { status: error.status, contentType: "application/json", headers })
  }
  return openAiError(error.status, { message: error.message, type: "invalid_request_error", code: "upstream_rejected" }, headers)
}

const isOpenAiErrorBody = (body: string) => {
  try {
    const parsed: unknown = JSON.parse(body)
    return typeof parsed === "object" && parsed !== null && "error" in parsed &&
      typeof (parsed as { error: unknown }).error === "object"
  } catch {
    return false
  }
}
