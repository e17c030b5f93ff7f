/**
 * The Anthropic Messages adapter (`POST {apiBase}/v1/messages`). Request translation lives in
 * `anthropic/request.ts`, answers in `anthropic/response.ts`, streams in `anthropic/stream.ts`.
 */
import { Either, Redacted } from "effect"
import { BadRequest } from "../errors/upstream.js"
import type { Adapter, ResolvedEndpoint } from "./Adapter.js"
import { withCacheBreakpoints } from "./anthropic/cacheBreakpoints.js"
import { thinkingFor, thoughtsFor } from "./common/thoughts.js"
import { AnthropicStreamTranslator } from "./anthropic/stream.js"
import { anthropicBody } from "./anthropic/request.js"
import { nativeMessagesBody } from "./anthropic/nativeRequest.js"
import { translateMessage } from "./anthropic/response.js"
import { openAiErrorBody } from "./common/openaiOutput.js"
import { catchInvalid, isRecord, normalize } from "./common/openaiRequest.js"
import { classifyHttpError } from "./httpErrors.js"

export const ANTHROPIC_VERSION = "2023-06-01"

const headersFor = (endpoint: ResolvedEndpoint, stream: boolean): Record<string, string> => ({
  "content-type": "application/json",
  accept: stream ? "text/event-stream" : "application/json",
  "anthropic-version": ANTHROPIC_VERSION,
  ...endpoint.headers,
  ...(endpoint.apiKey === undefined ? {} : { "x-api-key": Redacted.value(endpoint.apiKey) })
})

/** `{"type":"error","error":{"type","message"}}` → OpenAI's error shape, keeping Anthropic's type. */
const openAiShaped = (body: string): string | undefined => {
  try {
    const parsed: unknown = JSON.parse(body)
    if (isRecord(parsed) && isRecord(parsed["error"]) && typeof parsed["error"]["message"] === "string") {
      const type = typeof parsed["error"]["type"] === "string" ? parsed["error"]["type"] : "upstream_error"
      return openAiErrorBody(parsed["error"]["message"], type, type)
    }
  } catch {
    // not JSON: keep the body as it is
  }
  return undefined
}

export const AnthropicAdapter: Adapter<string> = {
  kind: "anthropic",
  buildRequest: (endpoint, request) => {
    if (request.native?.kind === "anthropic") {
      // A Messages client's own body: sent as written (cache_control, thinking, betas), on our model id.
      const { stream: _stream, ...client } = request.native.body
      const { body, notes } = nativeMessagesBody(client, endpoint.modelId, request.memory)
      return Either.right({
        url: `${endpoint.apiBase}/v1/messages`,
        headers: { ...request.native.headers, ...headersFor(endpoint, request.stream) },
        body: JSON.stringify({ ...body, model: endpoint.modelId, ...(request.stream ? { stream: true } : {}) }),
        notes
      })
    }
    const built = catchInvalid(() => {
      const normalized = normalize(request.body, "anthropic")
      return anthropicBody(endpoint.modelId, normalized, thinkingFor("anthropic", endpoint, request, normalized))
    })
    if (!built.ok) return Either.left(built.error)
    return Either.right({
      url: `${endpoint.apiBase}/v1/messages`,
      headers: headersFor(endpoint, request.stream),
      body: JSON.stringify(withCacheBreakpoints(built.value.body)),
      notes: built.value.notes
    })
  },
  // 429 → RateLimited (retry-after), 529 overloaded / 5xx → Unavailable, 400/401/403/413 → BadRequest.
  parseError: (endpoint, status, headers, body) => {
    const error = classifyHttpError(endpoint, status, headers, body)
    if (error._tag !== "BadRequest") return error
    const shaped = openAiShaped(body)
    return shaped === undefined
      ? error
      : new BadRequest({ endpoint: error.endpoint, message: error.message, status: error.status, body: shaped, contentType: "application/json" })
  },
  translateResponse: (endpoint, request, body) => translateMessage(endpoint.id, endpoint.modelId, body, thoughtsFor(endpoint, request)),
  // A Messages client gets Anthropic's own answer: thinking signatures, stop_sequence, cache usage.
  nativeResponse: (request, body) => (request.native?.kind === "anthropic" ? body : undefined),
  healthCheck: (endpoint) => ({
    url: `${endpoint.apiBase}/v1/models?limit=1`,
    headers: { ...headersFor(endpoint, false), "content-type": "application/json" }
  }),
  streamTranslator: (endpoint, request) => {
    const options = request.body["stream_options"]
    const relay = request.native?.kind === "anthropic"
    return new AnthropicStreamTranslator(endpoint.id, endpoint.modelId, relay || (isRecord(options) && options["include_usage"] === true), thoughtsFor(endpoint, request), relay)
  }
}
