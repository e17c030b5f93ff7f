/**
 * What the `Metrics` service takes and gives: one finished request as the Router saw it, and the
 * figures derived from all of them. Never message content.
 */
import type { Category } from "../config/schema.js"
import type { CostSnapshot } from "./cost.js"
import type { Timeline, WindowFigures } from "./window.js"

/** One finished request, as the Router saw it. Never message content. */
export interface RequestRecord {
  /** Epoch ms when the request reached the Router. */
  readonly at: number
  /** The model name the client asked for. */
  readonly model: string
  readonly category: Category | undefined
  /** The classifier's confidence, for `llmrouter/auto`. */
  readonly confidence: number | undefined
  /** Why `llmrouter/auto` chose the route: fresh, sticky, escalated, tool-loop. */
  readonly reason?: string | undefined
  /** The concrete `provider:model` that answered (on failure: the last one tried; none when nothing was tried). */
  readonly endpoint: string | undefined
  readonly stream: boolean
  /** Upstream calls made, same-endpoint retries and failovers included. */
  readonly attempts: number
  /** Moves to another endpoint of the chain (stream continuations included). */
  readonly failovers: number
  /** The failure's tag (`Unavailable`, `RateLimited`, `ModelNotFound`, `StreamBroken`, `ClientClosed`, …); undefined on success. */
  readonly error: string | undefined
  /** Until the answer (or a stream's first content) was ready to send. */
  readonly ttfbMs: number | undefined
  readonly totalMs: number
  /** From the upstream's `usage` (streams: when the client asked for `stream_options.include_usage`). */
  readonly tokensIn: number
  readonly tokensOut: number
  /** Prompt tokens read from the provider's cache, and written to it (both part of `tokensIn`). */
  readonly tokensCached?: number
  readonly tokensCacheWrite?: number
  /** What the tokens cost at the endpoint's price, in pico-USD; undefined when the model has no price. */
  readonly costPicoUsd?: number | undefined
  /** `auto` only: what the same tokens would have cost on the reasoning chain's first model. */
  readonly baselinePicoUsd?: number | undefined
  /** That model (`provider:modelId`). */
  readonly baselineEndpoint?: string | undefined
  /** Of `tokensOut`, those spent thinking (`completion_tokens_details.reasoning_tokens`, where reported). */
  readonly tokensReasoning?: number
  /** The x402 payment signed for this request, in micro-USD (0: none). */
  readonly paymentMicroUsd: number
  readonly paid: boolean
}

export interface ModelToday {
  readonly endpoint: string
  readonly requests: number
  readonly errors: number
  readonly tokensIn: number
  readonly tokensOut: number
  readonly tokensReasoning: number
  readonly payments: number
  readonly spendUsd: number
}

export interface MetricsSnapshot {
  readonly startedAt: string
  readonly uptimeSeconds: number
  readonly windows: { readonly last5m: WindowFigures; readonly last1h: WindowFigures; readonly sinceStart: WindowFigures }
  /** Per 10 s bucket over the last hour, for charts. */
  readonly timeline: Timeline
  readonly errorsByTag: Readonly<Record<string, number>>
  /** Local calendar day (YYYY-MM-DD) and per answering model: tokens and spend since local midnight. */
  readonly today: { readonly date: string; readonly models: ReadonlyArray<ModelToday> }
  /** The last 50 requests, newest first. */
  readonly decisions: ReadonlyArray<Decision>
  /** Since start: cached tokens, cache hit ratio and cost per model; what `auto` saved. */
  readonly cost: CostSnapshot
}

export interface Decision {
  readonly time: string
  readonly model: string
  readonly category: Category | null
  readonly confidence: number | null
  readonly reason: string | null
  readonly endpoint: string | null
  readonly stream: boolean
  readonly attempts: number
  readonly failovers: number
  readonly error: string | null
  readonly ttfbMs: number | null
  readonly latencyMs: number
  readonly tokensIn: number
  readonly tokensOut: number
  readonly tokensCached: number
  /** null: the model has no price. */
  readonly costUsd: number | null
  readonly paymentUsd: number
}
