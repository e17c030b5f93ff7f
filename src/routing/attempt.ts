/**
 * One upstream call for one endpoint: build the request with the endpoint's adapter, send it, and
 * either fail with a tagged error (error bodies read and drained) or return the answer: a complete
 * body, or a stream read up to its first real content (the commit point).
 */
import { Effect, Either } from "effect"
import type { ProviderKind } from "../config/schema.js"
import type { InvalidRequest } from "../errors/request.js"
import { Timeout, type UpstreamError } from "../errors/upstream.js"
import type { Adapter, ChatRequest, ResolvedEndpoint } from "../providers/Adapter.js"
import { receiptHeader } from "../payments/receipt.js"
import { headerValue } from "../providers/httpErrors.js"
import { readBody, readErrorBody } from "../transport/readBody.js"
import type { UpstreamClientService } from "../transport/UpstreamClient.js"
import { awaitFirstContent } from "./stream/firstContent.js"
import type { TrackedEvent } from "./stream/tracker.js"
import { UpstreamAnswer } from "./stream/upstreamAnswer.js"

/** An answer in the client's own wire format (its API is the upstream's), beside the translation. */
export interface NativeBody {
  readonly kind: ProviderKind
  readonly bytes: Buffer
}

export type Outcome =
  | { readonly _tag: "Complete"; readonly bytes: Buffer | string; readonly native?: NativeBody }
  | { readonly _tag: "Streaming"; readonly answer: UpstreamAnswer; readonly head: ReadonlyArray<TrackedEvent> }

export interface Attempted {
  readonly endpoint: ResolvedEndpoint
  readonly outcome: Outcome
  /** Upstream headers worth passing on (request ids). */
  readonly upstreamHeaders: Readonly<Record<string, string>>
  readonly latencyMs: number
  /** What the adapter changed to make the request valid for this upstream (`x-llmrouter-adjusted`). */
  readonly notes: ReadonlyArray<string>
  /** The x402 settlement receipt header (`PAYMENT-RESPONSE` / `X-PAYMENT-RESPONSE`): raw, untrusted, read by `payOnce` only. */
  readonly paymentReceipt?: string
}

/** Largest non-streaming upstream answer the router will buffer. */
const MAX_RESPONSE_BYTES = 64 * 1024 * 1024

export const attemptEndpoint = (
  client: UpstreamClientService,
  adapter: Adapter,
  endpoint: ResolvedEndpoint,
  request: ChatRequest,
  extraHeaders: Readonly<Record<string, string>> = {}
): Effect.Effect<Attempted, UpstreamError | InvalidRequest> =>
  Effect.gen(function*() {
    const started = Date.now()
    // The request's total deadline bounds every wait here: no timer fiber per request is needed.
    const left = request.deadline === undefined ? Infinity : request.deadline - started
    if (left <= 0) {
      return yield* new Timeout({ endpoint: endpoint.id, phase: "total", message: `the request's total deadline passed before ${endpoint.id} could be tried` })
    }
    const built = yield* Either.match(adapter.buildRequest(endpoint, request), { onLeft: Effect.fail, onRight: Effect.succeed })
    const upstreamRequest = { ...built, headers: { ...built.headers, ...extraHeaders } }
    const notes = built.notes ?? []
    if (notes.length > 0) yield* Effect.logDebug("request adjusted for the upstream", { endpoint: endpoint.id, adjusted: notes })
    const timeoutMs = Math.min(request.stream ? endpoint.timeouts.firstTokenMs : endpoint.timeouts.responseMs, left)
    const response = yield* client.send(endpoint, upstreamRequest, { stream: request.stream, timeoutMs })
    if (response.status < 200 || response.status >= 300) {
      const text = yield* readErrorBody(endpoint, response.body)
      return yield* Effect.fail(adapter.parseError(endpoint, response.status, response.headers, text))
    }
    const upstreamHeaders = passOnHeaders(response.headers)
    const receipt = receiptHeader(response.headers)
    const paymentReceipt = receipt === undefined ? {} : { paymentReceipt: receipt }
    if (!request.stream) {
      const bytes = yield* readBody(endpoint, response.body, MAX_RESPONSE_BYTES)
      const translated = yield* Either.match(adapter.translateResponse(endpoint, request, bytes), {
        onLeft: Effect.fail,
        onRight: Effect.succeed
      })
      const native = adapter.nativeResponse?.(request, bytes)
      const outcome: Outcome = { _tag: "Complete", bytes: translated, ...(native === undefined ? {} : { native: { kind: adapter.kind, bytes: native } }) }
      return { endpoint, upstreamHeaders, notes, outcome, latencyMs: Date.now() - started, ...paymentReceipt }
    }
    const answer = new UpstreamAnswer(endpoint, response.body, adapter.streamTranslator(endpoint, request))
    const budget = Math.max(1, Math.min(endpoint.timeouts.firstTokenMs - (Date.now() - started), started + left - Date.now()))
    const head = yield* awaitFirstContent(answer, budget)
    return { endpoint, upstreamHeaders, notes, outcome: { _tag: "Streaming", answer, head }, latencyMs: Date.now() - started, ...paymentReceipt }
  })

const passOnHeaders = (headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>) => {
  const id = headerValue(headers, "x-request-id") ?? headerValue(headers, "request-id")
  return id === undefined ? {} : { "x-upstream-request-id": id }
}
