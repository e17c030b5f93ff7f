/**
 * The Google Gemini adapter: `POST {apiBase}/models/{model}:generateContent`, and
 * `:streamGenerateContent?alt=sse` for streams; key in `x-goog-api-key`. Request translation lives
 * in `google/request.ts`, answers in `google/response.ts`, streams in `google/stream.ts`.
 */
import { Either, Redacted } from "effect"
import { BadRequest, RateLimited } from "../errors/upstream.js"
import type { Adapter, ResolvedEndpoint } from "./Adapter.js"
import { openAiErrorBody } from "./common/openaiOutput.js"
import { catchInvalid, isRecord, normalize } from "./common/openaiRequest.js"
import { geminiBody, geminiModel } from "./google/request.js"
import { translateGenerateContent } from "./google/response.js"
import { GeminiStreamTranslator } from "./google/stream.js"
import { classifyHttpError } from "./httpErrors.js"
import { thinkingFor, thoughtsFor } from "./common/thoughts.js"

const headersFor = (endpoint: ResolvedEndpoint, stream: boolean): Record<string, string> => ({
  "content-type": "application/json",
  accept: stream ? "text/event-stream" : "application/json",
  ...endpoint.headers,
  ...(endpoint.apiKey === undefined ? {} : { "x-goog-api-key": Redacted.value(endpoint.apiKey) })
})

export const geminiUrl = (endpoint: ResolvedEndpoint, stream: boolean): string =>
  `${endpoint.apiBase}/models/${encodeURIComponent(geminiModel(endpoint.modelId))}:${
    stream ? "streamGenerateContent?alt=sse" : "generateContent"
  }`

/** `n` as the router's client asked for it (the stream needs it to know when all candidates ended). */
const choicesOf = (body: Readonly<Record<string, unknown>>): number => {
  const n = body["n"]
  return typeof n === "number" && Number.isInteger(n) && n > 1 ? n : 1
}

interface GoogleError {
  readonly message: string
  readonly status: string
  readonly retryDelayMs: number | undefined
}

/** `{"error":{"code","message","status","details":[{"@type":"…RetryInfo","retryDelay":"38s"}]}}`. */
const googleError = (body: string): GoogleError | undefined => {
  let parsed: unknown
  try {
    parsed = JSON.parse(body)
  } catch {
    return undefined
  }
  // Without `alt=sse`, streaming endpoints wrap the error in an array.
  const doc = Array.isArray(parsed) ? parsed[0] : parsed
  if (!isRecord(doc)) return undefined
  const error = doc["error"]
  if (!isRecord(error) || typeof error["message"] !== "string") return undefined
  let retryDelayMs: number | undefined
  for (const detail of Array.isArray(error["details"]) ? error["details"] : []) {
    if (!isRecord(detail) || typeof detail["retryDelay"] !== "string") continue
    const seconds = /^(\d+(?:\.\d+)?)s$/.exec(detail["retryDelay"])?.[1]
    if (seconds !== undefined) retryDelayMs = Math.ceil(Number(seconds) * 1000)
  }
  return { message: error["message"], status: typeof error["status"] === "string" ? error["status"] : "UNKNOWN", retryDelayMs }
}

export const GoogleAdapter: Adapter<string> = {
  kind: "google",
  buildRequest: (endpoint, request) => {
    const built = catchInvalid(() => {
      const normalized = normalize(request.body, "google")
      return geminiBody(endpoint.modelId, normalized, thinkingFor("google", endpoint, request, normalized))
    })
    if (!built.ok) return Either.left(built.error)
    return Either.right({
      url: geminiUrl(endpoint, request.stream),
      headers: headersFor(endpoint, request.stream),
      body: JSON.stringify(built.value.body),
      notes: built.value.notes
    })
  },
  parseError: (endpoint, status, headers, body) => {
    const error = classifyHttpError(endpoint, status, headers, body)
    const detail = googleError(body)
    if (detail === undefined) return error
    if (error._tag === "RateLimited" && error.retryAfterMs === undefined && detail.retryDelayMs !== undefined) {
      return new RateLimited({ endpoint: error.endpoint, message: error.message, retryAfterMs: detail.retryDelayMs })
    }
    if (error._tag === "BadRequest") {
      return new BadRequest({
        endpoint: error.endpoint,
        message: error.message,
        status: error.status,
        body: openAiErrorBody(detail.message, detail.status, detail.status),
        contentType: "application/json"
      })
    }
    return error
  },
  translateResponse: (endpoint, request, body) =>
    translateGenerateContent(endpoint.id, geminiModel(endpoint.modelId), choicesOf(request.body), body, thoughtsFor({ ...endpoint, modelId: geminiModel(endpoint.modelId) }, request)),
  healthCheck: (endpoint) => ({
    url: `${endpoint.apiBase}/models?pageSize=1`,
    headers: headersFor(endpoint, false)
  }),
  streamTranslator: (endpoint, request) => {
    const options = request.body["stream_options"]
    return new GeminiStreamTranslator(
      endpoint.id,
      geminiModel(endpoint.modelId),
      choicesOf(request.body),
      isRecord(options) && options["include_usage"] === true,
      thoughtsFor({ ...endpoint, modelId: geminiModel(endpoint.modelId) }, request)
    )
  }
}
