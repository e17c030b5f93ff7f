/**
 * The request metrics behind the `Metrics` service: counters and latency histograms per requested
 * model, category and answering endpoint, windowed figures, today's tokens and spend per model, and
 * the last routing decisions. Updates are O(1) and allocate next to nothing; `now` is injectable
 * for tests.
 */
import { CostBook } from "./cost.js"
import { Exposition } from "./exposition.js"
import { picoToUsd } from "./prices.js"
import type { Decision, MetricsSnapshot, RequestRecord } from "./records.js"
import { bucketIndex, LATENCY_BUCKETS, round, TimeWindows, TTFB_BUCKETS } from "./window.js"

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
