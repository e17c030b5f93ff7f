/**
 * `GET /metrics` and `GET /stats` against the real router and stub upstreams: the Prometheus text
 * parses with a real parser and its counts match the requests sent (success, failover, error,
 * streams with usage); `/stats` windows, decisions and today's tokens agree.
 */
import OpenAI from "openai"
import parsePrometheus, { type Family, type Sample } from "parse-prometheus-text-format"
import { afterEach, describe, expect, it, vi } from "vitest"
import { errorOf, postJson, rawRequest, Resources } from "../support/http.js"
import { answer, openAiError, reply, type Script, startUpstream } from "../support/openaiUpstream.js"
import { startRouter } from "../support/router.js"
import { settledAnswer, x402Script } from "../support/x402.js"

const resources = new Resources()
afterEach(() => resources.closeAll())

const failing: Script = (_request, response) => reply(response, 503, openAiError("down", "server_error"))

/** Streams word by word, with a usage chunk (as OpenAI does for `stream_options.include_usage`). */
const streamWithUsage: Script = (request, response) => {
  const model = String(request.body.model)
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
    `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`
  response.writeHead(200, { "content-type": "text/event-stream" })
  response.write(chunk({ role: "assistant", content: "Hello " }))
  response.write(chunk({ content: "there" }))
  response.write(chunk({}, "stop"))
  response.write(`data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model, choices: [], usage: { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 } })}\n\n`)
  response.end("data: [DONE]\n\n")
}

const setup = async () => {
  const good = resources.add(await startUpstream(answer("Hello from upstream")))
  const bad = resources.add(await startUpstream(failing))
  const streamer = resources.add(await startUpstream(streamWithUsage))
  const router = resources.add(await startRouter({
    providers: {
      good: { derives: "openai", apiBase: good.url, requiresKey: false },
      bad: { derives: "openai", apiBase: bad.url, requiresKey: false },
      streamer: { derives: "openai", apiBase: streamer.url, requiresKey: false }
    },
    models: {
      fine: { strategy: "priority", endpoints: ["good:m-good"] },
      flaky: { strategy: "priority", endpoints: ["bad:m-bad", "good:m-good"] },
      broken: { strategy: "priority", endpoints: ["bad:m-bad"] },
      streamy: { strategy: "priority", endpoints: ["streamer:m-stream"] }
    },
    // One call per endpoint: no same-endpoint retry, so counts are exact.
    retry: { maxAttempts: 4, sameEndpointRetries: 0, backoffMs: 1 },
    breaker: { failureThreshold: 100 }
  }))
  const root = router.baseUrl.replace(/\/v1$/, "")
  const client = new OpenAI({ baseURL: router.baseUrl, apiKey: "unused", maxRetries: 0 })
  return { router, root, client, good, bad }
}

const family = (families: ReadonlyArray<Family>, name: string): Family => {
  const found = families.find((f) => f.name === name)
  if (found === undefined) throw new Error(`no metric family ${name} in: ${families.map((f) => f.name).join(", ")}`)
  return found
}

const valueOf = (f: Family, labels: Readonly<Record<string, string>>): number => {
  const matching = f.metrics.filter((m: Sample) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))
  return matching.reduce((sum, m) => sum + Number(m.value ?? m.count ?? 0), 0)
}

const scrape = async (root: string) => {
  const response = await rawRequest(`${root}/metrics`)
  expect(response.status).toBe(200)
  expect(response.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/)
  const families = parsePrometheus(response.text)
  // The parser folds a labelled histogram's series into one; read them as plain samples too.
  const series = parsePrometheus(response.text.replace(/^# TYPE (\S+) histogram$/gm, "# TYPE $1 untyped"))
  return { text: response.text, families, series }
}

/** A histogram's series for `labels`: cumulative buckets (by `le`), sum and count. */
const histogram = (series: ReadonlyArray<Family>, name: string, labels: Readonly<Record<string, string>>) => {
  const match = (m: Sample) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v)
  // Each series' `_bucket`, `_sum` and `_count` lines come together, so every name recurs.
  const samples = (suffix: string) => series.filter((f) => f.name === `${name}${suffix}`).flatMap((f) => f.metrics).filter(match)
  const buckets = samples("_bucket").map((m) => [m.labels?.["le"], Number(m.value)] as const)
  const [sum] = samples("_sum").map((m) => Number(m.value))
  const [count] = samples("_count").map((m) => Number(m.value))
  return { buckets, sum, count }
}

/** Stream ends are reported when the session closes, just after the client saw `[DONE]`. */
const eventually = (check: () => Promise<void>) => vi.waitFor(check, { timeout: 10_000, interval: 25 })

describe("GET /metrics", () => {
  it("counts successes, failovers, errors, attempts, tokens and latency per model and endpoint", async () => {
    const { client, root } = await setup()
    for (let i = 0; i < 3; i++) await client.chat.completions.create({ model: "fine", messages: [{ role: "user", content: "hi" }] })
    for (let i = 0; i < 2; i++) await client.chat.completions.create({ model: "flaky", messages: [{ role: "user", content: "hi" }] })
    const failed = await postJson(`${root}/v1/chat/completions`, { model: "broken", messages: [{ role: "user", content: "hi" }] })
    expect(failed.status).toBe(502)
    errorOf(failed.json)
    const unknown = await postJson(`${root}/v1/chat/completions`, { model: "no-such-model", messages: [{ role: "user", content: "hi" }] })
    expect(unknown.status).toBe(404)
    const stream = await client.chat.completions.create({
      model: "streamy",
      messages: [{ role: "user", content: "hi" }],
      stream: true,
      stream_options: { include_usage: true }
    })
    let text = ""
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? ""
    expect(text).toBe("Hello there")

    await eventually(async () => {
      const { families, series } = await scrape(root)
      const requests = family(families, "llmrouter_requests_total")
      expect(requests.type).toBe("COUNTER")
      expect(valueOf(requests, {})).toBe(8)
      expect(valueOf(requests, { model: "fine", endpoint: "good:m-good" })).toBe(3)
      expect(valueOf(requests, { model: "flaky", endpoint: "good:m-good" })).toBe(2)
      expect(valueOf(requests, { model: "broken", endpoint: "bad:m-bad" })).toBe(1)
      expect(valueOf(requests, { model: "(unknown)" })).toBe(1)
      expect(valueOf(requests, { model: "streamy", endpoint: "streamer:m-stream" })).toBe(1)

      const errors = family(families, "llmrouter_request_errors_total")
      expect(valueOf(errors, {})).toBe(2)
      expect(valueOf(errors, { model: "broken", error: "Unavailable" })).toBe(1)
      expect(valueOf(errors, { error: "ModelNotFound" })).toBe(1)

      const failovers = family(families, "llmrouter_failovers_total")
      expect(valueOf(failovers, { model: "flaky" })).toBe(2)
      expect(valueOf(failovers, {})).toBe(2)
      const attempts = family(families, "llmrouter_upstream_attempts_total")
      expect(valueOf(attempts, { model: "fine" })).toBe(3)
      expect(valueOf(attempts, { model: "flaky" })).toBe(4)
      expect(valueOf(attempts, { model: "broken" })).toBe(1)

      // The stub's JSON answers report 5 + 3 tokens; the stream's usage chunk 11 + 7.
      expect(valueOf(family(families, "llmrouter_input_tokens_total"), {})).toBe(5 * 5 + 11)
      expect(valueOf(family(families, "llmrouter_output_tokens_total"), {})).toBe(5 * 3 + 7)
      expect(valueOf(family(families, "llmrouter_output_tokens_total"), { endpoint: "streamer:m-stream" })).toBe(7)

      expect(family(families, "llmrouter_request_duration_seconds").type).toBe("HISTOGRAM")
      expect(family(families, "llmrouter_time_to_first_byte_seconds").type).toBe("HISTOGRAM")
      const fine = histogram(series, "llmrouter_request_duration_seconds", { model: "fine", endpoint: "good:m-good" })
      expect(fine.count).toBe(3)
      expect(fine.sum).toBeGreaterThan(0)
      expect(fine.buckets.at(-1)).toEqual(["+Inf", 3])
      // Cumulative, with increasing bounds.
      const counts = fine.buckets.map(([, n]) => n)
      expect(counts).toEqual([...counts].sort((a, b) => a - b))
      const bounds = fine.buckets.slice(0, -1).map(([le]) => Number(le))
      expect(bounds).toEqual([...bounds].sort((a, b) => a - b))
      const ttfb = histogram(series, "llmrouter_time_to_first_byte_seconds", { model: "streamy" })
      expect(ttfb.count).toBe(1)
    })

    const { families } = await scrape(root)
    const circuit = family(families, "llmrouter_endpoint_circuit_state")
    expect(valueOf(circuit, { endpoint: "good:m-good", state: "closed" })).toBe(1)
    expect(valueOf(family(families, "llmrouter_build_info"), {})).toBe(1)
    expect(valueOf(family(families, "llmrouter_provider_routable"), { provider: "good" })).toBe(1)
    // Every family has HELP and TYPE, every name the llmrouter_ prefix.
    for (const f of families) {
      expect(f.name).toMatch(/^llmrouter_[a-z0-9_]+$/)
      expect(f.help).not.toBe("")
    }
  })

  it("escapes label values so odd model names cannot break the format", async () => {
    const { root } = await setup()
    const weird = "good:we\"ird\\name{x=\"1\"}"
    const response = await postJson(`${root}/v1/chat/completions`, { model: weird, messages: [{ role: "user", content: "hi" }] })
    expect(response.status).toBe(200)
    const { families } = await scrape(root)
    expect(valueOf(family(families, "llmrouter_requests_total"), { model: weird })).toBe(1)
  })

  it("obeys the same guard as the API: a foreign origin and a missing access key are refused", async () => {
    const upstream = resources.add(await startUpstream())
    const router = resources.add(await startRouter({
      providers: { good: { derives: "openai", apiBase: upstream.url, requiresKey: false } },
      accessKeys: ["sk-local"]
    }))
    const root = router.baseUrl.replace(/\/v1$/, "")
    for (const path of ["/metrics", "/stats", "/", "/status"]) {
      expect((await rawRequest(`${root}${path}`)).status).toBe(401)
      expect((await rawRequest(`${root}${path}`, { headers: { authorization: "Bearer sk-local", origin: "https://evil.example" } })).status).toBe(403)
      expect((await rawRequest(`${root}${path}`, { headers: { authorization: "Bearer sk-local" } })).status).toBe(200)
    }
  })
})

describe("streams", () => {
  it("a client hanging up mid-stream is reported when the session ends, as ClientClosed", async () => {
    const upstream = resources.add(await startUpstream((request, response) => {
      response.writeHead(200, { "content-type": "text/event-stream" })
      response.write(`data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { content: "Hel" }, finish_reason: null }] })}\n\n`)
      // …and nothing more until the router hangs up.
      void request.aborted.then(() => response.end())
    }))
    const router = resources.add(await startRouter({
      providers: { slow: { derives: "openai", apiBase: upstream.url, requiresKey: false } },
      models: { slow: { strategy: "priority", endpoints: ["slow:m"] } }
    }))
    const controller = new AbortController()
    const response = await fetch(`${router.baseUrl}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "slow", stream: true, messages: [{ role: "user", content: "hi" }] }),
      signal: controller.signal
    })
    const reader = response.body?.getReader()
    expect((await reader?.read())?.done).toBe(false)
    controller.abort()
    await eventually(async () => {
      const stats = (await rawRequest(`${router.info.url}/stats`)).json as { decisions: ReadonlyArray<{ model: string; endpoint: string; error: string | null; stream: boolean }> }
      expect(stats.decisions).toEqual([expect.objectContaining({ model: "slow", endpoint: "slow:m", error: "ClientClosed", stream: true })])
    })
  })
})

describe("x402 payments", () => {
  it("a paid request is counted with its amount, in /metrics and in /stats (with the ledger's spend and the wallet)", async () => {
    const upstream = resources.add(await startUpstream(x402Script(settledAnswer())))
    // A throwaway key from public documentation: never funded.
    const key = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
    const router = resources.add(await startRouter({
      providers: { paid: { derives: "openai", apiBase: upstream.url, requiresKey: false } },
      models: { chain: { endpoints: ["paid:m"] } }
    }, { env: { LLM_ROUTER_WALLET_KEY: key } }))
    const root = router.info.url
    const response = await postJson(`${root}/v1/chat/completions`, { model: "chain", messages: [{ role: "user", content: "hi" }] })
    expect(response.status).toBe(200)
    const { families } = await scrape(root)
    // The challenge asks 1000 atomic units of USDC (6 decimals): 0.001 USD.
    expect(valueOf(family(families, "llmrouter_payments_total"), { endpoint: "paid:m" })).toBe(1)
    expect(valueOf(family(families, "llmrouter_payments_usd_total"), { endpoint: "paid:m" })).toBeCloseTo(0.001, 9)
    expect(valueOf(family(families, "llmrouter_payments_last_24h_usd"), {})).toBeCloseTo(0.001, 9)
    const stats = (await rawRequest(`${root}/stats`)).json as {
      today: { models: ReadonlyArray<{ endpoint: string; payments: number; spendUsd: number }> }
      decisions: ReadonlyArray<{ paymentUsd: number }>
      spend: { last24hUsd: string } | null
      wallet: { address: string; qrSvg: string } | null
    }
    expect(stats.today.models).toEqual([expect.objectContaining({ endpoint: "paid:m", payments: 1, spendUsd: 0.001 })])
    expect(stats.decisions[0]?.paymentUsd).toBe(0.001)
    expect(stats.spend?.last24hUsd).toBe("0.001")
    expect(stats.wallet?.address).toMatch(/^0x[0-9a-fA-F]{40}$/)
    expect(stats.wallet?.qrSvg).toMatch(/^<svg /)
  })
})

describe("the status page's own requests", () => {
  it("are accepted from the router's own origin, and only from it", async () => {
    const upstream = resources.add(await startUpstream())
    const router = resources.add(await startRouter({ providers: { good: { derives: "openai", apiBase: upstream.url, requiresKey: false } } }))
    const root = router.info.url
    const host = new URL(root).host
    const page = await rawRequest(`${root}/`, { headers: { host, "sec-fetch-site": "none", "sec-fetch-mode": "navigate" } })
    expect(page.status).toBe(200)
    expect(page.headers["content-type"]).toBe("text/html; charset=utf-8")
    expect(page.headers["content-security-policy"]).toContain("default-src 'none'")
    // No external resource anywhere in the page: it works offline.
    expect(page.text).not.toMatch(/(src|href)=["']?(https?:)?\/\//)
    expect((await rawRequest(`${root}/stats`, { headers: { host, "sec-fetch-site": "same-origin" } })).status).toBe(200)
    expect((await rawRequest(`${root}/stats`, { headers: { host, "sec-fetch-site": "same-origin", origin: `http://${host}` } })).status).toBe(200)
    expect((await rawRequest(`${root}/stats`, { headers: { host, "sec-fetch-site": "cross-site", origin: `http://${host}` } })).status).toBe(403)
    expect((await rawRequest(`${root}/stats`, { headers: { host, origin: "http://localhost:1" } })).status).toBe(403)
    expect((await rawRequest(`${root}/stats`, { headers: { host, "sec-fetch-site": "cross-site" } })).status).toBe(403)
  })
})

interface StatsBody {
  readonly version: string
  readonly status: string
  readonly windows: Record<"last5m" | "last1h" | "sinceStart", { requests: number; errors: number; failovers: number; tokensIn: number; tokensOut: number; latencyMs: { p50: number | null } }>
  readonly timeline: { stepSeconds: number; requests: ReadonlyArray<number>; errors: ReadonlyArray<number> }
  readonly decisions: ReadonlyArray<{ model: string; endpoint: string | null; attempts: number; failovers: number; error: string | null; tokensIn: number }>
  readonly today: { date: string; models: ReadonlyArray<{ endpoint: string; requests: number; tokensIn: number; tokensOut: number }> }
  readonly errorsByTag: Record<string, number>
  readonly providers: ReadonlyArray<{ name: string; endpoints: ReadonlyArray<{ endpoint: string; state: string; lastError?: { tag: string } }> }>
  readonly routes: ReadonlyArray<{ model: string; kind: string; chain: ReadonlyArray<{ endpoint: string; ready: boolean }> }>
  readonly spend: unknown
  readonly wallet: unknown
}

describe("GET /stats", () => {
  it("windows, timeline, decisions (newest first), today's tokens per model, health and routes", async () => {
    const { client, root } = await setup()
    await client.chat.completions.create({ model: "fine", messages: [{ role: "user", content: "hi" }] })
    await client.chat.completions.create({ model: "flaky", messages: [{ role: "user", content: "hi" }] })
    await postJson(`${root}/v1/chat/completions`, { model: "broken", messages: [{ role: "user", content: "hi" }] })

    const response = await rawRequest(`${root}/stats`)
    expect(response.status).toBe(200)
    expect(response.headers["cache-control"]).toBe("no-store")
    const stats = response.json as StatsBody
    expect(stats.version).toMatch(/^\d+\.\d+\.\d+/)
    for (const window of [stats.windows.last5m, stats.windows.last1h, stats.windows.sinceStart]) {
      expect(window).toMatchObject({ requests: 3, errors: 1, failovers: 1, tokensIn: 10, tokensOut: 6 })
      expect(window.latencyMs.p50).toBeGreaterThan(0)
    }
    expect(stats.timeline.stepSeconds).toBe(10)
    expect(stats.timeline.requests).toHaveLength(360)
    expect(stats.timeline.requests.reduce((a, b) => a + b, 0)).toBe(3)
    expect(stats.timeline.errors.reduce((a, b) => a + b, 0)).toBe(1)

    expect(stats.decisions.map((d) => [d.model, d.endpoint, d.attempts, d.failovers, d.error])).toEqual([
      ["broken", "bad:m-bad", 1, 0, "Unavailable"],
      ["flaky", "good:m-good", 2, 1, null],
      ["fine", "good:m-good", 1, 0, null]
    ])
    expect(stats.today.models).toEqual([
      expect.objectContaining({ endpoint: "good:m-good", requests: 2, tokensIn: 10, tokensOut: 6 }),
      expect.objectContaining({ endpoint: "bad:m-bad", requests: 1, tokensIn: 0 })
    ])
    expect(stats.errorsByTag).toEqual({ Unavailable: 1 })

    const bad = stats.providers.find((p) => p.name === "bad")
    expect(bad?.endpoints[0]).toMatchObject({ endpoint: "bad:m-bad", lastError: { tag: "Unavailable" } })
    const streamer = stats.providers.find((p) => p.name === "streamer")
    expect(streamer?.endpoints[0]).toMatchObject({ endpoint: "streamer:m-stream", state: "unused" })
    expect(stats.routes.find((r) => r.model === "flaky")).toMatchObject({
      kind: "virtual",
      chain: [{ endpoint: "bad:m-bad", ready: true }, { endpoint: "good:m-good", ready: true }]
    })
    expect(stats.routes[0]).toMatchObject({ model: "llmrouter/auto", kind: "auto" })
    // No ledger and no wallet key in a fresh data dir: nothing is created by looking.
    expect(stats.spend).toBeNull()
    expect(stats.wallet).toBeNull()
  })
})
