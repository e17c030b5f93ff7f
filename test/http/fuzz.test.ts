/**
 * A bounded fuzz of the request edge (issue 13): seeded random JSON shapes, depths, types,
 * encodings and headers against every JSON route. Whatever arrives, the answer is never a 500
 * and the router stays up. Bounded by count and by time, and reproducible from the seed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { rawRequest } from "../support/http.js"
import { answer, startUpstream, type Upstream } from "../support/openaiUpstream.js"
import { type RunningRouter, startRouter } from "../support/router.js"

const SEED = Number(process.env["FUZZ_SEED"] ?? 1337)
const COUNT = 400
const BUDGET_MS = 45_000

/** Mulberry32: small, seeded, good enough to pick shapes. */
const prng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
}

const KEYS = ["model", "messages", "role", "content", "stream", "tools", "type", "text", "function", "parameters", "max_tokens",
  "system", "input", "tool_choice", "image_url", "url", "name", "arguments", "stream_options", "n", "temperature", "__proto__", "constructor", ""]
const STRINGS = ["", "user", "assistant", "system", "tool", "local:m", "llmrouter/auto", "text", "image_url", "function", "\u0000", "💥", "a".repeat(3000), "data:image/png;base64,AAAA", "{", "null"]

const value = (random: () => number, depth: number): unknown => {
  const pick = <T>(items: ReadonlyArray<T>) => items[Math.floor(random() * items.length)] as T
  const r = random()
  if (depth <= 0 || r < 0.3) {
    const leaves = [null, true, false, 0, -1, 1.5e308, Number.MAX_SAFE_INTEGER + 2, pick(STRINGS), pick(STRINGS)]
    return pick(leaves)
  }
  if (r < 0.6) return Array.from({ length: Math.floor(random() * 4) }, () => value(random, depth - 1))
  return Object.fromEntries(Array.from({ length: Math.floor(random() * 5) }, () => [pick(KEYS), value(random, depth - 1)]))
}

/** Mostly plausible requests with one thing wrong, sometimes anything at all. */
const body = (random: () => number): Buffer => {
  const r = random()
  const nest = (depth: number): unknown => (depth === 0 ? "deep" : random() < 0.5 ? [nest(depth - 1)] : { a: nest(depth - 1) })
  let json: unknown
  if (r < 0.35) {
    json = { model: random() < 0.7 ? "local:m" : value(random, 1), messages: [{ role: "user", content: value(random, 4) }], stream: random() < 0.3 }
  } else if (r < 0.5) {
    json = { model: "local:m", messages: [{ role: "user", content: "hi" }], tools: [{ type: "function", function: { name: "f", parameters: nest(1 + Math.floor(random() * 64)) } }] }
  } else if (r < 0.6) {
    json = { model: "local:m", max_tokens: 10, system: value(random, 3), messages: value(random, 5) }
  } else if (r < 0.7) {
    json = { model: "local:m", input: value(random, 5), stream: random() < 0.5 }
  } else {
    json = value(random, 6)
  }
  const text = JSON.stringify(json) ?? "null"
  const e = random()
  if (e < 0.08) return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]) // BOM
  if (e < 0.14) return Buffer.concat([Buffer.from(text.slice(0, Math.floor(text.length / 2))), Buffer.from([0xff, 0xfe, 0xc3])]) // cut, invalid UTF-8
  if (e < 0.18) return Buffer.from(text, "utf16le")
  if (e < 0.2) return Buffer.alloc(0)
  return Buffer.from(text)
}

const PATHS = ["/v1/chat/completions", "/chat/completions", "/v1/messages", "/v1/messages/count_tokens", "/v1/responses"]
const CONTENT_TYPES = ["application/json", "application/json; charset=utf-8", "application/json; charset=latin1", "application/vnd.x+json", "text/plain", "application/x-www-form-urlencoded"]

describe("request edge fuzz", () => {
  let upstream: Upstream
  let router: RunningRouter
  beforeAll(async () => {
    upstream = await startUpstream(answer("fuzzed"))
    router = await startRouter({ providers: { local: { derives: "openai", apiBase: upstream.url, requiresKey: false } } })
  })
  afterAll(async () => {
    await router?.close()
    await upstream?.close()
  })

  it(`never answers 500 and stays up (seed ${SEED}, ${COUNT} requests)`, async () => {
    const random = prng(SEED)
    const started = Date.now()
    const failures: Array<string> = []
    let sent = 0
    for (; sent < COUNT && Date.now() - started < BUDGET_MS; sent++) {
      const path = PATHS[Math.floor(random() * PATHS.length)] as string
      const headers: Record<string, string> = { "content-type": CONTENT_TYPES[Math.floor(random() * CONTENT_TYPES.length)] as string }
      if (random() < 0.1) headers["idempotency-key"] = "\u00ff".repeat(Math.floor(random() * 300))
      if (random() < 0.1) headers["x-session-id"] = String(value(random, 1))
      if (random() < 0.1) headers.authorization = random() < 0.5 ? "Bearer" : `Bearer ${"x.".repeat(Math.floor(random() * 5))}`
      if (random() < 0.05) headers["anthropic-beta"] = String(value(random, 0))
      const payload = body(random)
      const response = await rawRequest(`${router.info.url}${path}`, { method: "POST", headers, body: payload, chunked: random() < 0.2 })
        .catch((error: unknown) => ({ status: 0, text: String(error) }))
      if (response.status >= 500 || response.status === 0) {
        failures.push(`${response.status} ${path} ${JSON.stringify(headers)} ${payload.toString("utf8").slice(0, 300)} → ${response.text.slice(0, 300)}`)
      }
    }
    expect(sent).toBeGreaterThan(50)
    expect(failures).toEqual([])
    expect((await rawRequest(`${router.info.url}/health`)).status).toBe(200)
  }, 120_000)
})
