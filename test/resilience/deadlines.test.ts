/**
 * Deadlines and SSE keep-alive: a silent upstream or one that sends headers (and its own pings)
 * but no content is failed over after `firstTokenMs`; a streaming client waiting for the first
 * token gets `: keep-alive` comments meanwhile; the total deadline bounds everything; reasoning
 * and per-endpoint budgets are longer where configured.
 */
import { afterEach, describe, expect, it } from "vitest"
import type { RouterConfigInput } from "../../src/config/schema.js"
import type { Script } from "../support/openaiUpstream.js"
import { chunk, sse } from "../support/openaiUpstream.js"
import {
  answerEvents,
  type ChainOptions,
  answerWith,
  chain,
  endpointState,
  health,
  newResources,
  post,
  routerFor,
  silent,
  sseHead,
  streamRaw,
  stubs,
  urlsOf
} from "./support.js"

type ChainTimeouts = NonNullable<ChainOptions["timeouts"]>[string]

const resources = newResources()
afterEach(() => resources.closeAll())

/** `aTimeouts`: deadlines for `a` alone, when `b` is the healthy fallback (it keeps the generous defaults). */
const setup = async (a: Script, extra: Partial<RouterConfigInput>, b: Script = answerWith(["from ", "b"]), aTimeouts?: ChainTimeouts) => {
  const s = await stubs(resources, { a, b })
  const router = await routerFor(resources, chain(urlsOf(s), extra, aTimeouts === undefined ? {} : { timeouts: { a: aTimeouts } }))
  return { a: s["a"]!, b: s["b"]!, router }
}

/** 200 and the role chunk at once, then the upstream's own SSE comments every 40 ms: no content, ever. */
const headersOnly: Script = (request, response) => {
  response.writeHead(200, sseHead)
  response.write(sse(chunk(String(request.body.model), { role: "assistant", content: "" })))
  const ping = setInterval(() => response.write(": ping\n\n"), 40)
  response.on("close", () => clearInterval(ping))
}

/** Headers at once, the answer's content only after `ms`. */
const slowFirstToken = (ms: number, parts: ReadonlyArray<string>): Script => (request, response) => {
  response.writeHead(200, sseHead)
  const [role, ...rest] = answerEvents(request, parts)
  response.write(role!)
  const timer = setTimeout(() => {
    for (const event of rest) response.write(event)
    response.end()
  }, ms)
  response.on("close", () => clearTimeout(timer))
}

describe("time to first token", () => {
  it("no response at all: the stream fails over after firstTokenMs and the silent call is abandoned", async () => {
    const { a, b, router } = await setup(silent, { timeouts: { keepAliveMs: 0 } }, undefined, { firstTokenMs: 200 })
    const { response, text, done, error, models } = await streamRaw(router)
    expect(response.headers.get("x-llmrouter-model")).toBe("b:model-b")
    expect({ text, done, error, models }).toEqual({ text: "from b", done: true, error: undefined, models: ["model-b"] })
    expect(a.calls).toHaveLength(1) // a silent provider is failed over after its first timeout, not retried
    expect(b.calls).toHaveLength(1)
    // Failed over because its first-token deadline passed (the router's own account, not wall clocks).
    expect(endpointState(await health(router), "a:model-a")?.lastError).toMatchObject({ tag: "Timeout", message: "a:model-a sent no response within 200 ms" })
    await expect(a.calls[0]!.aborted).resolves.toBe(true)
  })

  it("headers and upstream pings but no content are not a first token: failed over after firstTokenMs", async () => {
    const { a, router } = await setup(headersOnly, { timeouts: { keepAliveMs: 0 } }, undefined, { firstTokenMs: 250 })
    const { response, text, done, raw } = await streamRaw(router)
    expect(response.headers.get("x-llmrouter-model")).toBe("b:model-b")
    expect(text).toBe("from b")
    expect(done).toBe(true)
    expect(raw).not.toContain("ping") // nothing of a's reached the client
    expect(raw.match(/"role":"assistant"/g)).toHaveLength(1) // one role chunk (b's), a's was held back
    expect(a.calls).toHaveLength(1)
    expect(endpointState(await health(router), "a:model-a")?.lastError).toMatchObject({ tag: "Timeout", message: expect.stringMatching(/^a:model-a sent no content within \d+ ms$/) })
    await expect(a.calls[0]!.aborted).resolves.toBe(true)
  })

  it("a slow first token within firstTokenMs is awaited (no failover)", async () => {
    const { a, b, router } = await setup(slowFirstToken(300, ["slow ", "but ", "fine"]), { timeouts: { firstTokenMs: 1_000, keepAliveMs: 0 } })
    const { text, done, response } = await streamRaw(router)
    expect(text).toBe("slow but fine")
    expect(done).toBe(true)
    expect(response.headers.get("x-llmrouter-model")).toBe("a:model-a")
    expect([a.calls.length, b.calls.length]).toEqual([1, 0])
  })

  it("a first token later than idleMs but within firstTokenMs is awaited: idleMs only applies once content flows", async () => {
    const quiet: Script = (request, response) => {
      response.writeHead(200, sseHead)
      response.flushHeaders()
      const timer = setTimeout(() => {
        for (const event of answerEvents(request, ["thought ", "first"])) response.write(event)
        response.end()
      }, 1_400)
      response.on("close", () => clearTimeout(timer))
    }
    const { a, b, router } = await setup(quiet, { timeouts: { firstTokenMs: 2_000, idleMs: 150, keepAliveMs: 0 } })
    const { text, done, response } = await streamRaw(router)
    expect(response.headers.get("x-llmrouter-model")).toBe("a:model-a")
    expect({ text, done }).toEqual({ text: "thought first", done: true })
    expect([a.calls.length, b.calls.length]).toEqual([1, 0])
  })

  it("reasoning gets a longer first-token budget by default; per-endpoint timeouts override the global ones", async () => {
    const s = await stubs(resources, { a: slowFirstToken(400, ["thought ", "through"]) })
    const router = await routerFor(resources, {
      providers: { a: { derives: "openai", apiBase: s["a"]!.url, requiresKey: false } },
      categories: { reasoning: ["a:model-a"], simple: ["a:model-a"] },
      models: { patient: { endpoints: [{ provider: "a", modelId: "model-a", timeouts: { firstTokenMs: 2_000 } }] } },
      timeouts: { firstTokenMs: 150, keepAliveMs: 0 },
      retry: { backoffMs: 1 }
    })
    const simple = await streamRaw(router, { model: "llmrouter/simple" })
    expect(simple.response.status).toBe(504)
    expect((JSON.parse(simple.raw) as { error: { code: string } }).error.code).toBe("upstream_timeout")

    const reasoning = await streamRaw(router, { model: "llmrouter/reasoning" })
    expect(reasoning.response.headers.get("x-llmrouter-category")).toBe("reasoning")
    expect(reasoning.text).toBe("thought through")

    const patient = await streamRaw(router, { model: "patient" })
    expect(patient.text).toBe("thought through")
    expect(s["a"]!.calls).toHaveLength(3)
  })
})

describe("SSE keep-alive while the client waits for the first token", () => {
  it("a slow first token: raw bytes show `: keep-alive` comments before the first data event", async () => {
    const { a, router } = await setup(slowFirstToken(320, ["worth ", "the ", "wait"]), { timeouts: { firstTokenMs: 2_000, keepAliveMs: 60 } })
    const { response, raw, pieces, text, done, keepAlives } = await streamRaw(router)
    expect(response.status).toBe(200)
    expect(response.headers.get("content-type")).toContain("text/event-stream")
    expect(raw.startsWith(": keep-alive\n\n")).toBe(true)
    expect(keepAlives).toBeGreaterThanOrEqual(3)
    expect(raw.indexOf(": keep-alive")).toBeLessThan(raw.indexOf("data: "))
    expect(raw.lastIndexOf(": keep-alive")).toBeLessThan(raw.indexOf("data: ")) // none once content flows
    // sent while waiting (its own network reads), not buffered until the answer
    expect(pieces.find((p) => p.text.includes(": keep-alive"))!.text).not.toContain("data: ")
    expect({ text, done }).toEqual({ text: "worth the wait", done: true })
    expect(a.calls).toHaveLength(1)
  })

  it("past firstTokenMs: keep-alives, then failover, then the fallback's answer on the same response", async () => {
    const { a, b, router } = await setup(headersOnly, { timeouts: { keepAliveMs: 50 } }, undefined, { firstTokenMs: 300 })
    const { response, raw, text, done, models, keepAlives, error } = await streamRaw(router)
    expect(response.status).toBe(200)
    expect(response.headers.get("x-llmrouter-model")).toBeNull() // the head left before anyone answered
    expect(keepAlives).toBeGreaterThanOrEqual(3)
    expect(raw.lastIndexOf(": keep-alive")).toBeLessThan(raw.indexOf("data: "))
    expect({ text, done, error }).toEqual({ text: "from b", done: true, error: undefined })
    expect(models).toEqual(["model-b"]) // which model answered: in the chunks
    expect([a.calls.length, b.calls.length]).toEqual([1, 1])
    expect(b.calls[0]!.at - a.calls[0]!.at).toBeGreaterThanOrEqual(200)
  })

  it("keep-alives, then every candidate fails: an SSE error event and no [DONE]", async () => {
    const { a, b, router } = await setup(headersOnly, { timeouts: { firstTokenMs: 150, keepAliveMs: 40 } }, headersOnly)
    const { response, raw, done, error, text } = await streamRaw(router)
    expect(response.status).toBe(200)
    expect(raw.startsWith(": keep-alive")).toBe(true)
    expect(text).toBe("")
    expect(done).toBe(false)
    // the same code a client would have got in an HTTP error (first-token timeouts → 504's code)
    expect(error).toMatchObject({ type: "upstream_error", code: "upstream_timeout" })
    expect(error!.message).toContain("a:model-a")
    expect(error!.message).toContain("b:model-b")
    expect([a.calls.length, b.calls.length]).toEqual([1, 1])
    // Each was given up at its first-token deadline (≤ 150 ms), not at a longer one: the router's
    // recorded Timeouts, not wall clocks.
    const view = await health(router)
    for (const id of ["a:model-a", "b:model-b"]) {
      const { tag, message } = endpointState(view, id)!.lastError!
      expect({ tag, message }).toMatchObject({ tag: "Timeout", message: expect.stringMatching(/ sent no content within \d+ ms$/) })
      expect(message.startsWith(`${id} `)).toBe(true)
      expect(Number(/(\d+) ms$/.exec(message)![1])).toBeLessThanOrEqual(150)
    }
  })
})

describe("total deadline", () => {
  it("a stream that trickles content forever is ended at totalMs with an error event, not [DONE]", async () => {
    const trickle: Script = (request, response) => {
      response.writeHead(200, sseHead)
      const model = String(request.body.model)
      response.write(sse(chunk(model, { role: "assistant", content: "" })))
      let n = 0
      const timer = setInterval(() => response.write(sse(chunk(model, { content: `w${n++} ` }))), 50)
      response.on("close", () => clearInterval(timer))
    }
    const { a, b, router } = await setup(trickle, { timeouts: { totalMs: 500, idleMs: 300, keepAliveMs: 0 } })
    const { text, done, error, elapsed } = await streamRaw(router)
    expect(text.startsWith("w0 w1 ")).toBe(true)
    expect(done).toBe(false)
    // The trickle never ends by itself (nor goes idle): only the total deadline can have ended it, and says so.
    expect(error).toMatchObject({ code: "deadline_exceeded", message: expect.stringContaining("total deadline") })
    expect(elapsed).toBeGreaterThanOrEqual(450) // not before it
    expect([a.calls.length, b.calls.length]).toEqual([1, 0]) // not "continued" past the deadline
    await expect(a.calls[0]!.aborted).resolves.toBe(true)
  })

  it("non-streaming: silent upstreams never hold the client past totalMs", async () => {
    const { router } = await setup(silent, { timeouts: { totalMs: 300, responseMs: 10_000 } }, silent)
    const response = await post(router, {})
    expect(response.status).toBe(504)
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("upstream_timeout")
    // a's wait was cut to what was left of totalMs (≤ 300 ms), not its 10 s responseMs; b got the
    // remainder at most, normally nothing (the router's recorded Timeouts, not wall clocks).
    const view = await health(router)
    const waited = (id: string) => Number(/within (\d+) ms$/.exec(endpointState(view, id)?.lastError?.message ?? "")?.[1] ?? 0)
    expect(endpointState(view, "a:model-a")?.lastError).toMatchObject({ tag: "Timeout", message: expect.stringMatching(/^a:model-a sent no response within \d+ ms$/) })
    expect(endpointState(view, "b:model-b")?.lastError).toMatchObject({ tag: "Timeout" })
    expect(waited("a:model-a") + waited("b:model-b")).toBeLessThanOrEqual(300)
  })
})
