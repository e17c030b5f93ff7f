/**
 * The Metrics recorder with a controlled clock: which requests fall in the 5-minute, 1-hour and
 * since-start windows, the timeline's buckets, quantiles, the decision ring, the day rollover,
 * and the exposition's escaping.
 */
import parsePrometheus from "parse-prometheus-text-format"
import { describe, expect, it } from "vitest"
import { makeRecorder, type RequestRecord } from "../../src/Metrics.js"
import { Exposition } from "../../src/metrics/exposition.js"
import { usageFromBody } from "../../src/metrics/usage.js"

const MIN = 60_000
const record = (at: number, extra: Partial<RequestRecord> = {}): RequestRecord => ({
  at,
  model: "m",
  category: "coding",
  confidence: undefined,
  endpoint: "p:x",
  stream: false,
  attempts: 1,
  failovers: 0,
  error: undefined,
  ttfbMs: 100,
  totalMs: 200,
  tokensIn: 10,
  tokensOut: 20,
  paymentMicroUsd: 0,
  paid: false,
  ...extra
})

describe("windows", () => {
  it("puts each request in the windows its end time falls in", () => {
    const start = new Date(2026, 0, 10, 9, 0, 0).getTime()
    let now = start
    const recorder = makeRecorder(() => now)
    recorder.record(record(start + 1_000))
    now = start + 3 * 60 * MIN // 3 h later
    recorder.record(record(now - 90 * MIN, { error: "Unavailable", totalMs: 3_000 })) // not in the last hour
    recorder.record(record(now - 30 * MIN, { failovers: 1, attempts: 2 })) // last hour only
    recorder.record(record(now - 2 * MIN, { tokensIn: 1, tokensOut: 2 })) // both
    recorder.record(record(now - 10_000, { error: "RateLimited", totalMs: 50 })) // both
    const { windows } = recorder.snapshot()
    expect(windows.last5m).toMatchObject({ seconds: 300, requests: 2, errors: 1, tokensIn: 11, tokensOut: 22, failovers: 0 })
    expect(windows.last1h).toMatchObject({ seconds: 3600, requests: 3, errors: 1, failovers: 1, attempts: 4 })
    expect(windows.sinceStart).toMatchObject({ requests: 5, errors: 2, seconds: 3 * 3600 })
    expect(windows.last5m.ratePerSecond).toBeCloseTo(2 / 300, 4)
    expect(windows.last5m.errorRate).toBe(0.5)
  })

  it("timeline: 360 buckets of 10 s, oldest first, the current one last", () => {
    const now = 1_800_000_005_000
    const recorder = makeRecorder(() => now)
    recorder.record(record(now - 1_000, { totalMs: 500 }))
    recorder.record(record(now - 1_000, { totalMs: 100, error: "Timeout" }))
    recorder.record(record(now - 20 * MIN))
    const { timeline } = recorder.snapshot()
    expect(timeline.requests).toHaveLength(360)
    expect(timeline.requests.at(-1)).toBe(2)
    expect(timeline.errors.at(-1)).toBe(1)
    expect(timeline.latencyMs.at(-1)).toBe(300)
    expect(timeline.requests.at(-1 - 120)).toBe(1)
    expect(timeline.requests.reduce((a, b) => a + b, 0)).toBe(3)
  })

  it("quantiles are within ±10 % of the exact value on known distributions, and p95 is never above the max", () => {
    const now = 1_800_000_000_000
    // seeded LCG: the same "random" latencies every run
    let seed = 42
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31
    const distributions: Record<string, () => number> = {
      "all under 50 ms": () => 5 + random() * 40,
      "uniform 1 ms – 10 s": () => 1 + random() * 9_999,
      "log-normal around 800 ms": () => Math.exp(Math.log(800) + 0.8 * Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random())),
      "bimodal 300 ms / 4 s": () => (random() < 0.9 ? 300 : 4_000)
    }
    for (const [name, draw] of Object.entries(distributions)) {
      const recorder = makeRecorder(() => now)
      const values = Array.from({ length: 2_000 }, () => Math.round(draw() * 10) / 10)
      for (const v of values) recorder.record(record(now - 1_000 - v, { totalMs: v, ttfbMs: v / 2 }))
      const sorted = [...values].sort((a, b) => a - b)
      const exact = (q: number) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] as number
      const { latencyMs, ttfbMs } = recorder.snapshot().windows.last5m
      for (const [q, estimate] of [[0.5, latencyMs.p50], [0.95, latencyMs.p95]] as const) {
        expect(Math.abs((estimate as number) - exact(q)) / exact(q), `${name} p${q * 100}: ${estimate} vs ${exact(q)}`).toBeLessThanOrEqual(0.1)
      }
      expect(Math.abs((ttfbMs.p50 as number) - exact(0.5) / 2) / (exact(0.5) / 2), `${name} ttfb p50`).toBeLessThanOrEqual(0.1)
      expect(latencyMs.p95 as number).toBeLessThanOrEqual(latencyMs.max as number)
      expect(latencyMs.max).toBe(sorted.at(-1))
    }
  })

  it("p95 of a single fast request is that request, not a bucket's bound", () => {
    const now = 1_800_000_000_000
    const recorder = makeRecorder(() => now)
    recorder.record(record(now - 1_000, { totalMs: 12, ttfbMs: 3 }))
    const { latencyMs } = recorder.snapshot().windows.last5m
    expect(latencyMs.p95).toBeLessThanOrEqual(12)
    expect(latencyMs.p50).toBeGreaterThanOrEqual(10.8)
  })

  it("a window younger than its span says so and covers only the uptime", () => {
    let now = 1_800_000_000_000
    const recorder = makeRecorder(() => now)
    now += 8_000
    for (let i = 0; i < 11; i++) recorder.record(record(now - 100))
    const { last5m } = recorder.snapshot().windows
    expect(last5m).toMatchObject({ requests: 11, seconds: 8, complete: false })
    now += 300_000
    expect(recorder.snapshot().windows.last5m).toMatchObject({ seconds: 300, complete: true })
  })

  it("keeps the last 50 decisions, newest first, and resets today's figures at local midnight", () => {
    const day1 = new Date(2026, 0, 10, 23, 50).getTime()
    let now = day1
    const recorder = makeRecorder(() => now)
    for (let i = 0; i < 60; i++) recorder.record(record(day1 + i, { model: `m${i}` }))
    const first = recorder.snapshot()
    expect(first.decisions).toHaveLength(50)
    expect(first.decisions[0]?.model).toBe("m59")
    expect(first.decisions[49]?.model).toBe("m10")
    expect(first.today).toMatchObject({ date: "2026-01-10", models: [{ endpoint: "p:x", requests: 60, tokensIn: 600 }] })
    now = new Date(2026, 0, 11, 0, 5).getTime()
    expect(recorder.snapshot().today).toEqual({ date: "2026-01-11", models: [] })
    recorder.record(record(now - 1000, { paid: true, paymentMicroUsd: 1_500 }))
    expect(recorder.snapshot().today.models).toEqual([expect.objectContaining({ requests: 1, payments: 1, spendUsd: 0.0015 })])
  })
})

describe("exposition", () => {
  it("escapes label values and help text; the parser reads them back", () => {
    const out = new Exposition()
      .family("llmrouter_x_total", "counter", "a \\ help\nwith a newline")
      .sample("llmrouter_x_total", { model: "a\"b\\c\nd" }, 3)
    const [family] = parsePrometheus(out.toString())
    expect(family).toMatchObject({ name: "llmrouter_x_total", type: "COUNTER", metrics: [{ labels: { model: "a\"b\\c\nd" }, value: "3" }] })
    expect(out.toString()).toContain("# HELP llmrouter_x_total a \\\\ help\\nwith a newline\n")
  })

  it("caps the number of label sets (direct routing can name any model)", () => {
    const recorder = makeRecorder(() => 1_800_000_000_000)
    for (let i = 0; i < 600; i++) recorder.record(record(1_800_000_000_000 - 1000, { model: `p:model-${i}`, endpoint: `p:model-${i}` }))
    const requests = parsePrometheus(recorder.exposition()).find((f) => f.name === "llmrouter_requests_total")
    expect(requests?.metrics.length).toBeLessThanOrEqual(501)
    expect(requests?.metrics.reduce((n, m) => n + Number(m.value), 0)).toBe(600)
  })
})

describe("usage from a complete answer", () => {
  it("reads the last usage object without parsing the body", () => {
    const body = JSON.stringify({ choices: [{ message: { content: "\"usage\" in text" } }], usage: { prompt_tokens: 12, prompt_tokens_details: { cached_tokens: 4 }, completion_tokens: 34 } })
    expect(usageFromBody(Buffer.from(body))).toEqual({ in: 12, out: 34, cached: 4, written: 0, reasoning: 0 })
    expect(usageFromBody(body)).toEqual({ in: 12, out: 34, cached: 4, written: 0, reasoning: 0 })
    expect(usageFromBody("{\"choices\":[]}")).toEqual({ in: 0, out: 0, cached: 0, written: 0, reasoning: 0 })
    // DeepSeek's own name for cache hits, and the cache writes of translated Anthropic answers.
    expect(usageFromBody("{\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":1,\"prompt_cache_hit_tokens\":8}}")).toMatchObject({ cached: 8 })
    expect(usageFromBody("{\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":1,\"prompt_tokens_details\":{\"cached_tokens\":2,\"cache_write_tokens\":5}}}"))
      .toEqual({ in: 9, out: 1, cached: 2, written: 5, reasoning: 0 })
    const thought = JSON.stringify({ choices: [], usage: { prompt_tokens: 1, completion_tokens: 30, completion_tokens_details: { reasoning_tokens: 21 } } })
    expect(usageFromBody(thought)).toMatchObject({ in: 1, out: 30, reasoning: 21 })
  })
})
