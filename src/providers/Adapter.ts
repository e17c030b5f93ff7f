/**
 * The contract between the Router and a wire format. An adapter turns the client's OpenAI chat
 * request into one upstream HTTP request, and the upstream's answer back into OpenAI's format.
 * It is pure: transport, timeouts, retries and failover belong to the Router.
 */
import type { Either, Redacted } from "effect"
import type { ProviderKind, Timeouts } from "../config/schema.js"
import type { Effort, ThinkingSpec } from "../config/thinking.js"
import type { InvalidRequest } from "../errors/request.js"
import type { StreamBroken, UpstreamError } from "../errors/upstream.js"
import type { ReasoningAsk } from "../reasoning/effort.js"
import type { ThinkingMemory } from "../reasoning/memory.js"

/** A concrete, routable upstream: provider + model id + where and how to call it. */
export interface ResolvedEndpoint {
  /** `provider:modelId`, as shown in `x-llmrouter-model` and logs. */
  readonly id: string
  readonly provider: string
  readonly kind: ProviderKind
  readonly modelId: string
  /** Base URL without a trailing slash, e.g. `https://api.openai.com/v1`. */
  readonly apiBase: string
  readonly apiKey: Redacted.Redacted<string> | undefined
  readonly headers: Readonly<Record<string, string>>
  readonly timeouts: Timeouts
  /** How a cut stream is continued here (see `ProviderSpec.continuation`). */
  readonly continuation: "prefill" | "restart"
  /** How this model thinks (configured, else the built-in profile; absent: it does not). */
  readonly thinking?: ThinkingSpec
}

/** The client's request, parsed once. `body` is never mutated: adapters build new objects. */
export interface ChatRequest {
  readonly body: Readonly<Record<string, unknown>>
  /** The model name the client asked for (logical, virtual or `provider:model`). */
  readonly model: string
  readonly stream: boolean
  /** The client's `Idempotency-Key` header: a key already paid for (x402) is not paid again. */
  readonly idempotencyKey?: string
  /** The client's `x-session-id` header: names the conversation (see `conversations/identity.ts`). */
  readonly sessionId?: string
  /**
   * The body exactly as the client sent it, while `body` is unchanged (lets adapters avoid
   * re-serialising): its bytes as read (forwarded as-is, no text round trip), or its text.
   */
  readonly raw?: Uint8Array | string
  /** Epoch ms after which the request is given up (set by the Router; bounds every upstream timeout). */
  readonly deadline?: number
  /** The effort to think at when the client asks for none (set by the Router from the route's category). */
  readonly defaultEffort?: Effort
  /**
   * How much to think, asked in another API's own terms (a Messages `thinking`), for the adapters
   * that translate it onto their model's thinking; never sent as a field (OpenAI-compatible
   * upstreams get the body as it is). A `reasoning_effort` / `reasoning` in `body` wins.
   */
  readonly reasoningAsk?: ReasoningAsk
  /** Where thinking of tool-calling turns is remembered for the next turn (set by the Router). */
  readonly memory?: ThinkingMemory
  /**
   * The client's request in an upstream's own wire format (a `/v1/messages` body is Anthropic's):
   * the adapter of that kind sends it as it is, so nothing is lost in translation; every other
   * adapter, the classifier and the Router read `body`, its chat equivalent.
   */
  readonly native?: NativeRequest
}

export interface NativeRequest {
  readonly kind: ProviderKind
  readonly body: Readonly<Record<string, unknown>>
  /** Client headers that belong to that wire format (e.g. `anthropic-beta`). */
  readonly headers: Readonly<Record<string, string>>
}

/** `Body`: JSON text, or (`AnyBody`) the client's own bytes where nothing was translated. */
export interface UpstreamRequest<Body extends AnyBody = string> {
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: Body
  /** What the adapter changed to make the request valid for this upstream (response header, debug log). */
  readonly notes?: ReadonlyArray<string>
}

/** A `GET` that proves a provider reachable and its key accepted. */
export interface HealthCheckRequest {
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
}

/**
 * Incremental translation of a streaming body into OpenAI SSE (`data: {chunk}\n\n` …
 * `data: [DONE]\n\n`). One instance per attempt; chunks may split events anywhere.
 */
export interface StreamTranslator {
  /** Feed one upstream chunk; returns OpenAI SSE to forward now (empty when nothing is complete yet). */
  push(chunk: Buffer): Buffer | string
  /** Set once the upstream reported a failure inside the stream (e.g. an `error` event). */
  readonly failure: StreamBroken | undefined
  /** The upstream body ended: what is left to forward, and whether the answer was complete. */
  end(): { readonly output: Buffer | string; readonly complete: boolean }
}

export type AnyBody = string | Uint8Array

/** `Body`: what `buildRequest` produces (translating adapters write JSON text; a pass-through sends bytes). */
export interface Adapter<Body extends AnyBody = AnyBody> {
  readonly kind: ProviderKind
  /** Fails with `InvalidRequest` for what this wire format cannot express (never silently dropped). */
  readonly buildRequest: (endpoint: ResolvedEndpoint, request: ChatRequest) => Either.Either<UpstreamRequest<Body>, InvalidRequest>
  /** A non-2xx answer, its body already read (bounded), as a tagged error. */
  readonly parseError: (
    endpoint: ResolvedEndpoint,
    status: number,
    headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>,
    body: string
  ) => UpstreamError
  /** A complete 2xx non-streaming body → an OpenAI `chat.completion` JSON document. */
  readonly translateResponse: (
    endpoint: ResolvedEndpoint,
    request: ChatRequest,
    body: Buffer
  ) => Either.Either<Buffer | string, StreamBroken>
  /**
   * When the client spoke this adapter's wire format (`request.native`): the upstream's complete
   * body as that client gets it (the translation still serves metrics and budgets). A stream's
   * translator then relays the upstream's own events alongside its chunks (`ChunkBase.native`).
   */
  readonly nativeResponse?: (request: ChatRequest, body: Buffer) => Buffer | undefined
  readonly streamTranslator: (endpoint: ResolvedEndpoint, request: ChatRequest) => StreamTranslator
  /** A cheap request that proves the provider is reachable and the key accepted, never billed (a models listing). */
  readonly healthCheck: (endpoint: ResolvedEndpoint) => HealthCheckRequest
}
