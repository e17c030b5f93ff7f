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

  it("quantiles interpolate inside the histogram buckets", () => {
    const now = 1_800_000_000_000
    const recorder = makeRecorder(() => now)
    for (let i = 0; i < 100; i++) recorder.record(record(now - 1000, { totalMs: i < 90 ? 300 : 4_000, ttfbMs: 40 }))
    const { last5m } = recorder.snapshot().windows
    // 90 in (0.25, 0.5] s, 10 in (2.5, 5] s.
    expect(last5m.latencyMs.p50).toBeGreaterThan(250)
    expect(last5m.latencyMs.p50).toBeLessThanOrEqual(500)
    expect(last5m.latencyMs.p95).toBeGreaterThan(2_500)
    expect(last5m.latencyMs.p95).toBeLessThanOrEqual(5_000)
    expect(last5m.ttfbMs.p50).toBeLessThanOrEqual(50)
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
    expect(usageFromBody(Buffer.from(body))).toEqual({ in: 12, out: 34, cached: 4, written: 0 })
    expect(usageFromBody(body)).toEqual({ in: 12, out: 34, cached: 4, written: 0 })
    expect(usageFromBody("{\"choices\":[]}")).toEqual({ in: 0, out: 0, cached: 0, written: 0 })
    // DeepSeek's own name for cache hits, and the cache writes of translated Anthropic answers.
    expect(usageFromBody("{\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":1,\"prompt_cache_hit_tokens\":8}}")).toMatchObject({ cached: 8 })
    expect(usageFromBody("{\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":1,\"prompt_tokens_details\":{\"cached_tokens\":2,\"cache_write_tokens\":5}}}"))
      .toEqual({ in: 9, out: 1, cached: 2, written: 5 })
  })
})
