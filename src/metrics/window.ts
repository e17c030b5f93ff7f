/**
 * Time-bucketed counters for windowed figures without per-request allocation: one `Float64Array`
 * holds `slots` buckets of `stepMs` each (a ring: 360 × 10 s = the last hour), every bucket the
 * same row of fields (counts, sums, maxima and two log-spaced latency histograms, `quantile.ts`).
 * A request adds to one row; a window is the sum of the rows it covers (the maximum of their
 * maxima). An extra row accumulates everything since start.
 */
import { logQuantile, QUANTILE_BUCKETS, quantileBucket } from "./quantile.js"

/** Upper bounds (seconds) of `/metrics`' total-latency histogram; LLM answers take from ms to minutes. */
export const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300] as const
/** Upper bounds (seconds) of `/metrics`' time-to-first-byte histogram. */
export const TTFB_BUCKETS = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60] as const

// Field offsets inside a row.
export const F = {
  requests: 0,
  errors: 1,
  attempts: 2,
  failovers: 3,
  tokensIn: 4,
  tokensOut: 5,
  payments: 6,
  paymentMicroUsd: 7,
  totalMsSum: 8,
  ttfbMsSum: 9,
  ttfbCount: 10,
  streams: 11,
  totalMsMax: 12,
  ttfbMsMax: 13
} as const
const SCALARS = 14
const TOTAL_HIST = SCALARS
const TTFB_HIST = TOTAL_HIST + QUANTILE_BUCKETS
const WIDTH = TTFB_HIST + QUANTILE_BUCKETS

export interface Observation {
  readonly error: boolean
  readonly stream: boolean
  readonly attempts: number
  readonly failovers: number
  readonly tokensIn: number
  readonly tokensOut: number
  readonly payments: number
  readonly paymentMicroUsd: number
  readonly totalMs: number
  readonly ttfbMs: number | undefined
}

/** Index of the first bucket whose upper bound (s) holds `ms`; `bounds.length` is +Inf. */
export const bucketIndex = (bounds: ReadonlyArray<number>, ms: number): number => {
  const seconds = ms / 1000
  let i = 0
  while (i < bounds.length && seconds > (bounds[i] as number)) i++
  return i
}

export interface Latency {
  readonly avg: number | null
  readonly p50: number | null
  readonly p95: number | null
  readonly max: number | null
}

export interface WindowFigures {
  /** The span the figures cover: the window, or the uptime while the router is younger than it. */
  readonly seconds: number
  /** False while the router is younger than the window: the figures cover only `seconds`. */
  readonly complete: boolean
  readonly requests: number
  readonly errors: number
  readonly streams: number
  readonly attempts: number
  readonly failovers: number
  readonly tokensIn: number
  readonly tokensOut: number
  readonly payments: number
  readonly paymentMicroUsd: number
  /** Requests per second over `seconds`. */
  readonly ratePerSecond: number
  readonly errorRate: number
  /** Quantiles within ±5 % (`quantile.ts`), never above `max`, the slowest request of the window. */
  readonly latencyMs: Latency
  readonly ttfbMs: Latency
}

export class TimeWindows {
  private readonly rows: Float64Array
  private readonly ids: Float64Array
  private readonly all = new Float64Array(WIDTH)

  constructor(readonly stepMs = 10_000, readonly slots = 360) {
    this.rows = new Float64Array(slots * WIDTH)
    this.ids = new Float64Array(slots).fill(-1)
  }

  add(now: number, o: Observation): void {
    const id = Math.floor(now / this.stepMs)
    const slot = id % this.slots
    const base = slot * WIDTH
    if (this.ids[slot] !== id) {
      this.rows.fill(0, base, base + WIDTH)
      this.ids[slot] = id
    }
    addTo(this.rows, base, o)
    addTo(this.all, 0, o)
  }

  /**
   * The figures of the last `seconds` (whole buckets, the current one included); the rate is per
   * `rateSeconds` (less than the window while the router is younger than it).
   */
  window(now: number, seconds: number, rateSeconds = seconds): WindowFigures {
    const sum = new Float64Array(WIDTH)
    const current = Math.floor(now / this.stepMs)
    const count = Math.min(this.slots, Math.ceil((seconds * 1000) / this.stepMs))
    for (let id = current - count + 1; id <= current; id++) {
      const slot = ((id % this.slots) + this.slots) % this.slots
      if (this.ids[slot] !== id) continue
      const base = slot * WIDTH
      for (let f = 0; f < WIDTH; f++) {
        const value = this.rows[base + f] as number
        sum[f] = f === F.totalMsMax || f === F.ttfbMsMax ? Math.max(sum[f] as number, value) : (sum[f] as number) + value
      }
    }
    return figures(sum, 0, seconds, rateSeconds)
  }

  /** Everything since start; `seconds` is the uptime (for the rate). */
  sinceStart(seconds: number): WindowFigures {
    return figures(this.all, 0, seconds, seconds)
  }

  /** One point per bucket over the last `slots` buckets, oldest first: for charts. */
  timeline(now: number): Timeline {
    const current = Math.floor(now / this.stepMs)
    const requests: Array<number> = []
    const errors: Array<number> = []
    const latencyMs: Array<number | null> = []
    const ttfbMs: Array<number | null> = []
    for (let id = current - this.slots + 1; id <= current; id++) {
      const slot = ((id % this.slots) + this.slots) % this.slots
      if (this.ids[slot] !== id) {
        requests.push(0)
        errors.push(0)
        latencyMs.push(null)
        ttfbMs.push(null)
        continue
      }
      const base = slot * WIDTH
      const n = this.rows[base + F.requests] as number
      const t = this.rows[base + F.ttfbCount] as number
      requests.push(n)
      errors.push(this.rows[base + F.errors] as number)
      latencyMs.push(n > 0 ? round((this.rows[base + F.totalMsSum] as number) / n) : null)
      ttfbMs.push(t > 0 ? round((this.rows[base + F.ttfbMsSum] as number) / t) : null)
    }
    return { stepSeconds: this.stepMs / 1000, end: (current + 1) * this.stepMs, requests, errors, latencyMs, ttfbMs }
  }
}

export interface Timeline {
  readonly stepSeconds: number
  /** Epoch ms at the end of the last (current) bucket. */
  readonly end: number
  readonly requests: ReadonlyArray<number>
  readonly errors: ReadonlyArray<number>
  /** Average total latency per bucket (null: no request). */
  readonly latencyMs: ReadonlyArray<number | null>
  readonly ttfbMs: ReadonlyArray<number | null>
}

const addTo = (row: Float64Array, base: number, o: Observation) => {
  row[base + F.requests] = (row[base + F.requests] as number) + 1
  if (o.error) row[base + F.errors] = (row[base + F.errors] as number) + 1
  if (o.stream) row[base + F.streams] = (row[base + F.streams] as number) + 1
  row[base + F.attempts] = (row[base + F.attempts] as number) + o.attempts
  row[base + F.failovers] = (row[base + F.failovers] as number) + o.failovers
  row[base + F.tokensIn] = (row[base + F.tokensIn] as number) + o.tokensIn
  row[base + F.tokensOut] = (row[base + F.tokensOut] as number) + o.tokensOut
  row[base + F.payments] = (row[base + F.payments] as number) + o.payments
  row[base + F.paymentMicroUsd] = (row[base + F.paymentMicroUsd] as number) + o.paymentMicroUsd
  row[base + F.totalMsSum] = (row[base + F.totalMsSum] as number) + o.totalMs
  row[base + F.totalMsMax] = Math.max(row[base + F.totalMsMax] as number, o.totalMs)
  const total = base + TOTAL_HIST + quantileBucket(o.totalMs)
  row[total] = (row[total] as number) + 1
  if (o.ttfbMs !== undefined) {
    row[base + F.ttfbMsSum] = (row[base + F.ttfbMsSum] as number) + o.ttfbMs
    row[base + F.ttfbCount] = (row[base + F.ttfbCount] as number) + 1
    row[base + F.ttfbMsMax] = Math.max(row[base + F.ttfbMsMax] as number, o.ttfbMs)
    const ttfb = base + TTFB_HIST + quantileBucket(o.ttfbMs)
    row[ttfb] = (row[ttfb] as number) + 1
  }
}

const figures = (row: Float64Array, base: number, seconds: number, rateSeconds: number): WindowFigures => {
  const get = (f: number) => row[base + f] as number
  const requests = get(F.requests)
  const ttfbCount = get(F.ttfbCount)
  return {
    seconds: Math.round(rateSeconds),
    complete: rateSeconds >= seconds,
    requests,
    errors: get(F.errors),
    streams: get(F.streams),
    attempts: get(F.attempts),
    failovers: get(F.failovers),
    tokensIn: get(F.tokensIn),
    tokensOut: get(F.tokensOut),
    payments: get(F.payments),
    paymentMicroUsd: get(F.paymentMicroUsd),
    ratePerSecond: rateSeconds > 0 ? round(requests / rateSeconds, 4) : 0,
    errorRate: requests > 0 ? round(get(F.errors) / requests, 4) : 0,
    latencyMs: {
      avg: requests > 0 ? round(get(F.totalMsSum) / requests) : null,
      p50: roundOrNull(logQuantile(row, base + TOTAL_HIST, requests, 0.5, get(F.totalMsMax))),
      p95: roundOrNull(logQuantile(row, base + TOTAL_HIST, requests, 0.95, get(F.totalMsMax))),
      max: requests > 0 ? round(get(F.totalMsMax)) : null
    },
    ttfbMs: {
      avg: ttfbCount > 0 ? round(get(F.ttfbMsSum) / ttfbCount) : null,
      p50: roundOrNull(logQuantile(row, base + TTFB_HIST, ttfbCount, 0.5, get(F.ttfbMsMax))),
      p95: roundOrNull(logQuantile(row, base + TTFB_HIST, ttfbCount, 0.95, get(F.ttfbMsMax))),
      max: ttfbCount > 0 ? round(get(F.ttfbMsMax)) : null
    }
  }
}

const roundOrNull = (value: number | null) => (value === null ? null : round(value))

export const round = (value: number, digits = 1) => {
  const f = 10 ** digits
  return Math.round(value * f) / f
}
