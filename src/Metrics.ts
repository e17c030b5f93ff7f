/**
 * The `Metrics` service: the one place every request reports to. The Router calls `report` once
 * per request, when it ends (answered, failed, or its stream closed), with a `RequestRecord`;
 * everything else is derived here: counters and latency histograms per requested model, category
 * and answering endpoint (for `GET /metrics`), windowed figures in 10 s buckets over the last hour
 * plus since start (for `GET /stats` and the status page), today's tokens and spend per model, the
 * last 50 routing decisions, and the request's log line. Updates are O(1) and allocate next to
 * nothing; nothing here ever sees message content.
 */
import { Context, Effect, Layer, LogLevel } from "effect"
import { Config } from "./Config.js"
import { toLogLevel } from "./config/logLevel.js"
import type { Category } from "./config/schema.js"
import { CostBook, type CostSnapshot } from "./metrics/cost.js"
import { Exposition } from "./metrics/exposition.js"
import { picoToUsd } from "./metrics/prices.js"
import { bucketIndex, LATENCY_BUCKETS, round, type Timeline, TimeWindows, TTFB_BUCKETS, type WindowFigures } from "./metrics/window.js"

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

export interface MetricsService {
  /** A finished request: counters, windows, decisions, and its log line at info. */
  readonly report: (record: RequestRecord) => Effect.Effect<void>
  readonly snapshot: Effect.Effect<MetricsSnapshot>
  /** The request metric families in Prometheus text format (the HTTP route adds health gauges). */
  readonly exposition: Effect.Effect<string>
}

export class Metrics extends Context.Tag("llmrouter/Metrics")<Metrics, MetricsService>() {}

/** Label sets beyond this share one `other` series (direct routing can name any model). */
const MAX_SERIES = 500
const DECISIONS = 50
const OTHER = "\u0000other"

interface Series {
  readonly model: string
  readonly category: string
  readonly endpoint: string
  requests: number
  attempts: number
  failovers: number
  tokensIn: number
  tokensOut: number
  tokensReasoning: number
  payments: number
  paymentMicroUsd: number
  readonly errors: Map<string, number>
  readonly total: Float64Array
  totalSeconds: number
  readonly ttfb: Float64Array
  ttfbSeconds: number
}

interface Today {
  requests: number
  errors: number
  tokensIn: number
  tokensOut: number
  tokensReasoning: number
  payments: number
  paymentMicroUsd: number
}

/** The request metrics; `now` is injectable for tests. */
export const makeRecorder = (now: () => number = Date.now) => {
  const started = now()
  const windows = new TimeWindows()
  const costs = new CostBook()
  const series = new Map<string, Series>()
  const errorsByTag = new Map<string, number>()
  const decisions: Array<RequestRecord | undefined> = new Array<RequestRecord | undefined>(DECISIONS).fill(undefined)
  let decisionCount = 0
  let today = new Map<string, Today>()
  let day = localDay(started)
  let nextMidnight = midnightAfter(started)

  const seriesFor = (record: RequestRecord): Series => {
    const model = record.error === "ModelNotFound" ? "(unknown)" : record.model
    const category = record.category ?? "none"
    const endpoint = record.endpoint ?? "none"
    const key = `${model}\u0000${category}\u0000${endpoint}`
    const found = series.get(key)
    if (found !== undefined) return found
    return series.size < MAX_SERIES ? newSeries(key, model, category, endpoint) : (series.get(OTHER) ?? newSeries(OTHER, "other", "other", "other"))
  }
  const newSeries = (key: string, model: string, category: string, endpoint: string): Series => {
    const created: Series = {
      model, category, endpoint, requests: 0, attempts: 0, failovers: 0, tokensIn: 0, tokensOut: 0, tokensReasoning: 0, payments: 0, paymentMicroUsd: 0,
      errors: new Map(), total: new Float64Array(LATENCY_BUCKETS.length + 1), totalSeconds: 0,
      ttfb: new Float64Array(TTFB_BUCKETS.length + 1), ttfbSeconds: 0
    }
    series.set(key, created)
    return created
  }

  const record = (r: RequestRecord): void => {
    const end = r.at + r.totalMs
    windows.add(end, {
      error: r.error !== undefined,
      stream: r.stream,
      attempts: r.attempts,
      failovers: r.failovers,
      tokensIn: r.tokensIn,
      tokensOut: r.tokensOut,
      payments: r.paid ? 1 : 0,
      paymentMicroUsd: r.paymentMicroUsd,
      totalMs: r.totalMs,
      ttfbMs: r.ttfbMs
    })
    const s = seriesFor(r)
    s.requests += 1
    s.attempts += r.attempts
    s.failovers += r.failovers
    s.tokensIn += r.tokensIn
    s.tokensOut += r.tokensOut
    s.tokensReasoning += r.tokensReasoning ?? 0
    if (r.paid) s.payments += 1
    s.paymentMicroUsd += r.paymentMicroUsd
    const b = bucketIndex(LATENCY_BUCKETS, r.totalMs)
    s.total[b] = (s.total[b] ?? 0) + 1
    s.totalSeconds += r.totalMs / 1000
    if (r.ttfbMs !== undefined) {
      const i = bucketIndex(TTFB_BUCKETS, r.ttfbMs)
      s.ttfb[i] = (s.ttfb[i] ?? 0) + 1
      s.ttfbSeconds += r.ttfbMs / 1000
    }
    if (r.error !== undefined) {
      s.errors.set(r.error, (s.errors.get(r.error) ?? 0) + 1)
      errorsByTag.set(r.error, (errorsByTag.get(r.error) ?? 0) + 1)
    }
    if (end >= nextMidnight) {
      today = new Map()
      day = localDay(end)
      nextMidnight = midnightAfter(end)
    }
    if (r.endpoint !== undefined) {
      const name = today.has(r.endpoint) || today.size < MAX_SERIES ? r.endpoint : "other"
      let t = today.get(name)
      if (t === undefined) {
        t = { requests: 0, errors: 0, tokensIn: 0, tokensOut: 0, tokensReasoning: 0, payments: 0, paymentMicroUsd: 0 }
        today.set(name, t)
      }
      t.requests += 1
      if (r.error !== undefined) t.errors += 1
      t.tokensIn += r.tokensIn
      t.tokensOut += r.tokensOut
      t.tokensReasoning += r.tokensReasoning ?? 0
      if (r.paid) t.payments += 1
      t.paymentMicroUsd += r.paymentMicroUsd
    }
    costs.record(r)
    decisions[decisionCount % DECISIONS] = r
    decisionCount += 1
  }

  const snapshot = (): MetricsSnapshot => {
    const at = now()
    if (at >= nextMidnight) {
      today = new Map()
      day = localDay(at)
      nextMidnight = midnightAfter(at)
    }
    const uptime = Math.max(0, (at - started) / 1000)
    const recent: Array<Decision> = []
    for (let i = decisionCount - 1; i >= Math.max(0, decisionCount - DECISIONS); i--) {
      const r = decisions[i % DECISIONS]
      if (r !== undefined) recent.push(toDecision(r))
    }
    return {
      startedAt: new Date(started).toISOString(),
      uptimeSeconds: Math.round(uptime),
      windows: {
        last5m: windows.window(at, 300, Math.min(300, Math.max(uptime, 1))),
        last1h: windows.window(at, 3600, Math.min(3600, Math.max(uptime, 1))),
        sinceStart: windows.sinceStart(Math.max(uptime, 1))
      },
      timeline: windows.timeline(at),
      errorsByTag: Object.fromEntries(errorsByTag),
      today: {
        date: day,
        models: [...today].map(([endpoint, t]) => ({
          endpoint,
          requests: t.requests,
          errors: t.errors,
          tokensIn: t.tokensIn,
          tokensOut: t.tokensOut,
          tokensReasoning: t.tokensReasoning,
          payments: t.payments,
          spendUsd: t.paymentMicroUsd / 1e6
        })).sort((a, b) => b.requests - a.requests)
      },
      decisions: recent,
      cost: costs.snapshot()
    }
  }

  const exposition = (): string => {
    const out = new Exposition()
    const all = [...series.values()]
    const labels = (s: Series) => ({ model: s.model, category: s.category, endpoint: s.endpoint })
    const counter = (name: string, help: string, value: (s: Series) => number) => {
      out.family(name, "counter", help)
      for (const s of all) out.sample(name, labels(s), value(s))
    }
    counter("llmrouter_requests_total", "Finished requests, by requested model, category and the endpoint that answered (or was tried last).", (s) => s.requests)
    out.family("llmrouter_request_errors_total", "counter", "Failed requests, by error tag (the last upstream failure for exhausted chains).")
    for (const s of all) for (const [error, n] of s.errors) out.sample("llmrouter_request_errors_total", { ...labels(s), error }, n)
    counter("llmrouter_upstream_attempts_total", "Upstream calls made, same-endpoint retries and failovers included.", (s) => s.attempts)
    counter("llmrouter_failovers_total", "Moves to another endpoint of the chain, stream continuations included.", (s) => s.failovers)
    counter("llmrouter_input_tokens_total", "Prompt tokens reported by upstreams (usage).", (s) => s.tokensIn)
    counter("llmrouter_output_tokens_total", "Completion tokens reported by upstreams (usage).", (s) => s.tokensOut)
    counter("llmrouter_reasoning_tokens_total", "Of the completion tokens, those spent thinking (where the upstream reports them).", (s) => s.tokensReasoning)
    counter("llmrouter_payments_total", "x402 payments signed.", (s) => s.payments)
    counter("llmrouter_payments_usd_total", "x402 payments signed, in USD.", (s) => s.paymentMicroUsd / 1e6)
    out.family("llmrouter_request_duration_seconds", "histogram", "Time from the request reaching the router to its end (a stream's last byte).")
    for (const s of all) out.histogram("llmrouter_request_duration_seconds", labels(s), LATENCY_BUCKETS, s.total, s.totalSeconds)
    out.family("llmrouter_time_to_first_byte_seconds", "histogram", "Time until the answer, or a stream's first content, was ready to send.")
    for (const s of all) {
      if (s.ttfb.some((n) => n > 0)) out.histogram("llmrouter_time_to_first_byte_seconds", labels(s), TTFB_BUCKETS, s.ttfb, s.ttfbSeconds)
    }
    costs.expose(out)
    out.family("llmrouter_uptime_seconds", "gauge", "Seconds since the router started.")
    out.sample("llmrouter_uptime_seconds", {}, round((now() - started) / 1000, 3))
    return out.toString()
  }

  return { record, snapshot, exposition }
}

const toDecision = (r: RequestRecord): Decision => ({
  time: new Date(r.at).toISOString(),
  model: r.model.length > 120 ? `${r.model.slice(0, 117)}...` : r.model,
  category: r.category ?? null,
  confidence: r.confidence ?? null,
  reason: r.reason ?? null,
  endpoint: r.endpoint ?? null,
  stream: r.stream,
  attempts: r.attempts,
  failovers: r.failovers,
  error: r.error ?? null,
  ttfbMs: r.ttfbMs ?? null,
  latencyMs: r.totalMs,
  tokensIn: r.tokensIn,
  tokensOut: r.tokensOut,
  tokensCached: r.tokensCached ?? 0,
  costUsd: r.costPicoUsd === undefined ? null : picoToUsd(r.costPicoUsd),
  paymentUsd: r.paymentMicroUsd / 1e6
})

/** The request's log line: the routing decision, no content, no secrets. */
const logLine = (r: RequestRecord) =>
  Effect.logInfo(`${r.error === undefined ? "routed" : "failed"} ${r.model} → ${r.endpoint ?? "-"}`, {
    model: r.model,
    category: r.category ?? null,
    ...(r.reason === undefined ? {} : { reason: r.reason }),
    endpoint: r.endpoint ?? null,
    stream: r.stream,
    attempts: r.attempts,
    failovers: r.failovers,
    error: r.error ?? null,
    ttfb_ms: r.ttfbMs ?? null,
    ms: r.totalMs,
    tokens_in: r.tokensIn,
    tokens_out: r.tokensOut,
    ...(r.tokensCached === undefined || r.tokensCached === 0 ? {} : { tokens_cached: r.tokensCached }),
    ...(r.costPicoUsd === undefined ? {} : { cost_usd: picoToUsd(r.costPicoUsd) }),
    ...(r.paid ? { payment_usd: r.paymentMicroUsd / 1e6 } : {})
  })

export const make = Effect.gen(function*() {
  const { config } = yield* Config
  const recorder = makeRecorder()
  // The request line is at info: below that level, reporting is only the counters.
  const logs = LogLevel.lessThanEqual(toLogLevel(config.logLevel), LogLevel.Info)
  return Metrics.of({
    report: logs
      ? (record) => Effect.suspend(() => {
        recorder.record(record)
        return logLine(record)
      })
      : (record) => Effect.sync(() => recorder.record(record)),
    snapshot: Effect.sync(recorder.snapshot),
    exposition: Effect.sync(recorder.exposition)
  })
})

export const layer = Layer.effect(Metrics, make)

const pad = (n: number) => String(n).padStart(2, "0")
const localDay = (ms: number) => {
  const d = new Date(ms)
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`
}
const midnightAfter = (ms: number) => {
  const d = new Date(ms)
  d.setHours(24, 0, 0, 0)
  return d.getTime()
}
