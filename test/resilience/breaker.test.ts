/**
 * Circuit breakers against a real router: a persistently failing endpoint opens its breaker and is
 * then skipped without being called; a primary that is down for a while is probed once per
 * cooldown (the fallback serving meanwhile) and gets the traffic back once it recovers; active
 * health checks open breakers before any user request pays for finding out.
 */
import OpenAI from "openai"
import { afterEach, describe, expect, it } from "vitest"
import type { RouterConfigInput } from "../../src/config/schema.js"
import type { Script } from "../support/openaiUpstream.js"
import {
  answerWith,
  chain,
  endpointState,
  eventually,
  fail,
  health,
  MESSAGES,
  newResources,
  routerFor,
  sleep,
  streamRaw,
  stubs,
  urlsOf,
  pair,
  askModel
} from "./support.js"

const resources = newResources()
afterEach(() => resources.closeAll())

const setup = async (a: Script, extra: Partial<RouterConfigInput> = {}, b: Script = answerWith(["from ", "b"])) => pair(resources, a, b, extra)

const ask = askModel

describe("a persistently failing endpoint", () => {
  it("503 every time: the breaker opens after failureThreshold failures; later requests skip it without calling it", async () => {
    const { a, b, router, client } = await setup(fail(503), { breaker: { failureThreshold: 3, cooldownMs: 10_000 } })

    // request 1: a tried twice (one same-endpoint retry), both failures count → 2 of 3
    expect(await ask(client)).toMatchObject({ text: "from b", model: "b:model-b", attempts: "3" })
    expect(a.calls).toHaveLength(2)
    expect(endpointState(await health(router), "a:model-a")).toMatchObject({ state: "closed", consecutiveFailures: 2 })

    // request 2: the third failure opens the breaker
    expect(await ask(client)).toMatchObject({ text: "from b", model: "b:model-b" })
    const callsWhenOpened = a.calls.length
    expect(callsWhenOpened).toBe(3) // the failure that opened it is not retried there
    const view = await health(router)
    expect(view.status).toBe("degraded")
    expect(endpointState(view, "a:model-a")).toMatchObject({ state: "open", lastError: { tag: "Unavailable" } })
    expect(endpointState(view, "a:model-a")!.consecutiveFailures).toBe(callsWhenOpened)
    expect(endpointState(view, "b:model-b")).toMatchObject({ state: "closed", consecutiveFailures: 0 })

    // requests 3–5: a is not called any more; b answers at the first attempt
    for (let i = 0; i < 3; i++) expect(await ask(client)).toMatchObject({ text: "from b", model: "b:model-b", attempts: "1" })
    const streamed = await streamRaw(router)
    expect(streamed.text).toBe("from b")
    expect(streamed.response.headers.get("x-llmrouter-model")).toBe("b:model-b")
    expect(a.calls).toHaveLength(callsWhenOpened)
    expect(b.calls).toHaveLength(6)
  })

  it("opens on the error ratio over the window too (failures interleaved with successes)", async () => {
    let n = 0
    const flaky: Script = (request, response, i) => {
      n += 1
      return i % 2 === 0 ? fail(503)(request, response, i) : answerWith(["from ", "a"])(request, response, i)
    }
    const { a, router, client } = await setup(flaky, {
      retry: { backoffMs: 1, sameEndpointRetries: 0 },
      breaker: { failureThreshold: 100, errorRatio: 0.5, windowSize: 4, minRequests: 4, cooldownMs: 10_000 }
    })
    for (let i = 0; i < 4; i++) await ask(client) // fail, ok, fail, ok → 2/4 failures ≥ 0.5, checked at the next failure
    await ask(client) // fail → opens
    expect(endpointState(await health(router), "a:model-a")).toMatchObject({ state: "open" })
    const calls = a.calls.length
    expect(await ask(client)).toMatchObject({ model: "b:model-b", attempts: "1" })
    expect(a.calls).toHaveLength(calls)
    expect(n).toBe(calls)
  })

  it("client errors (400) never open the breaker", async () => {
    const { a, router, client } = await setup(fail(400), { breaker: { failureThreshold: 1, cooldownMs: 10_000 } })
    for (let i = 0; i < 3; i++) await expect(ask(client)).rejects.toMatchObject({ status: 400 })
    expect(a.calls).toHaveLength(3)
    expect(endpointState(await health(router), "a:model-a")).toMatchObject({ state: "closed", consecutiveFailures: 0 })
  })
})

describe("a primary that is down for a while, then recovers", () => {
  it("serves from the fallback, probes the primary once per cooldown, and returns to it after recovery", async () => {
    const COOLDOWN = 300
    let down = true
    const primary: Script = (request, response, i) => (down ? fail(503) : answerWith(["from ", "a"]))(request, response, i)
    const { a, b, router, client } = await setup(primary, {
      retry: { backoffMs: 1, sameEndpointRetries: 0 },
      breaker: { failureThreshold: 2, cooldownMs: COOLDOWN, maxCooldownMs: COOLDOWN }
    })

    // One request at a time, so each one's path is known from its headers: who answered, after how many attempts.
    const served: Array<{ sentAt: number; at: number; model: string | null; attempts: string | null }> = []
    const send = async () => {
      const sentAt = Date.now()
      const { model, text, attempts } = await ask(client)
      expect(text).toBe(model === "a:model-a" ? "from a" : "from b") // every request is answered
      served.push({ sentAt, at: Date.now(), model, attempts })
      await sleep(15)
    }
    const skipped = () => served.filter((s) => s.attempts === "1").length

    // Down for at least 700 ms, and until the breaker has opened, skipped a a few times and probed it
    // (the bound only stops a router that never probes; the checks below then say what went wrong).
    const started = Date.now()
    while ((Date.now() - started < 700 || a.calls.length < 3 || skipped() < 3) && Date.now() - started < 8_000) await send()
    down = false
    const recoveredAt = Date.now()
    const whileDown = served.slice()
    // Up: until the primary has served four requests.
    const backOnA = () => served.filter((s) => s.at > recoveredAt && s.model === "a:model-a").length
    while (backOnA() < 4 && Date.now() - recoveredAt < 8_000) await send()

    // opened after 2 failures, then only probes while open: one per cooldown, never a burst
    const failures = a.calls.filter((c) => c.at < recoveredAt)
    const probes = failures.slice(2)
    expect(probes.length).toBeGreaterThanOrEqual(1)
    const gaps = [failures[1]!, ...probes].slice(1).map((c, i) => c.at - [failures[1]!, ...probes][i]!.at)
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(COOLDOWN - 50)
    // the fallback carried the traffic while the primary was open: only the requests that made those
    // calls tried a (and failed over: 2 attempts); every other one skipped it (1 attempt)
    expect(whileDown.every((s) => s.model === "b:model-b")).toBe(true)
    expect(b.calls.filter((c) => c.at < recoveredAt)).toHaveLength(whileDown.length)
    expect(whileDown.filter((s) => s.attempts === "2")).toHaveLength(failures.length)
    expect(whileDown.filter((s) => s.attempts === "1").length).toBeGreaterThanOrEqual(3)
    // after recovery: the next probe closes the breaker and the primary serves everything again
    const firstBack = served.findIndex((s) => s.at > recoveredAt && s.model === "a:model-a")
    expect(firstBack).toBeGreaterThanOrEqual(0)
    expect(backOnA()).toBeGreaterThanOrEqual(4)
    expect(a.calls.filter((c) => c.at >= recoveredAt)).toHaveLength(backOnA()) // that probe succeeded: no failed call after recovery
    // requests before it skipped a only while the last failed probe's cooldown could still run (the
    // router's cooldown started before the client had that request's answer): it was probed again as soon as allowed
    const lastFailedProbe = whileDown.filter((s) => s.attempts === "2").at(-1)!
    for (const s of served.slice(whileDown.length, firstBack)) expect(s.sentAt).toBeLessThan(lastFailedProbe.at + COOLDOWN)
    const afterwards = served.slice(firstBack + 1)
    expect(afterwards.length).toBeGreaterThanOrEqual(3)
    expect(afterwards.every((s) => s.model === "a:model-a" && s.attempts === "1")).toBe(true)
    expect(endpointState(await health(router), "a:model-a")).toMatchObject({ state: "closed", consecutiveFailures: 0 })
  })

  it("a failed half-open probe is the only call in that cooldown (no same-endpoint retry behind it)", async () => {
    const COOLDOWN = 300
    const { a, router, client } = await setup(fail(503), {
      retry: { backoffMs: 1, sameEndpointRetries: 1 },
      breaker: { failureThreshold: 2, cooldownMs: COOLDOWN, maxCooldownMs: COOLDOWN }
    })
    await ask(client) // a: call + retry → open
    expect(a.calls).toHaveLength(2)
    await sleep(COOLDOWN + 30)
    expect(await ask(client)).toMatchObject({ model: "b:model-b", attempts: "2" }) // half-open: one probe, it fails → open again
    expect(a.calls).toHaveLength(3) // the probe alone, no retry behind it
    // open again (not closed, not half-open): the router's own state, whenever the next request comes
    expect(endpointState(await health(router), "a:model-a")).toMatchObject({ state: "open" })
  })
})

describe("active health checks", () => {
  it("a provider whose models listing fails has its endpoints' breakers opened without any user traffic", async () => {
    const s = await stubs(resources, { a: answerWith(["from ", "a"]), b: answerWith(["from ", "b"]) })
    s["a"]!.models = fail(503)
    const router = await routerFor(resources, chain(urlsOf(s), {
      healthCheckIntervalMs: 60,
      breaker: { failureThreshold: 2, cooldownMs: 10_000 }
    }))

    expect(await eventually(async () => endpointState(await health(router), "a:model-a")?.state === "open")).toBe(true)
    const view = await health(router)
    const providerA = view.providers.find((p) => p.name === "a")
    const providerB = view.providers.find((p) => p.name === "b")
    expect(providerA?.check).toMatchObject({ ok: false, detail: "HTTP 503" })
    expect(providerB?.check).toMatchObject({ ok: true })
    expect(endpointState(view, "b:model-b")?.state ?? "closed").toBe("closed")
    expect(s["a"]!.checks.length).toBeGreaterThanOrEqual(2)
    expect(s["a"]!.checks[0]!.url).toBe("/v1/models")
    expect(s["a"]!.calls).toHaveLength(0) // never a chat call, never billed

    const client = new OpenAI({ baseURL: router.baseUrl, apiKey: "unused", maxRetries: 0 })
    expect(await ask(client)).toMatchObject({ text: "from b", model: "b:model-b", attempts: "1" })
    expect(s["a"]!.calls).toHaveLength(0)
  })

  it("a models listing that never ends is cut after a bounded drain, not read forever", async () => {
    let sent = 0
    let cut = false
    const s = await stubs(resources, { a: answerWith(["from ", "a"]) })
    s["a"]!.models = (_request, response) => {
      response.writeHead(200, { "content-type": "application/json" })
      response.on("close", () => (cut = !response.writableFinished))
      const block = "x".repeat(16 * 1024)
      const pump = (): void => {
        while (!response.destroyed && sent < 512 * 1024 * 1024) {
          sent += block.length
          if (!response.write(block)) return void response.once("drain", pump)
        }
      }
      pump()
    }
    const router = await routerFor(resources, chain(urlsOf(s), { healthCheckIntervalMs: 60_000 }))
    expect(await eventually(() => cut, 10_000)).toBe(true)
    // What the sockets' buffers took, not the 512 MB on offer.
    expect(sent).toBeLessThan(64 * 1024 * 1024)
    expect(endpointState(await health(router), "a:model-a")?.state ?? "closed").toBe("closed")
  })

  it("checks run every healthCheckIntervalMs, and a provider that is reachable again gets an immediate probe", async () => {
    let listingUp = false
    let chatUp = false
    const s = await stubs(resources, {
      a: (request, response, i) => (chatUp ? answerWith(["from ", "a"]) : fail(503))(request, response, i),
      b: answerWith(["from ", "b"])
    })
    s["a"]!.models = (request, response, i) => (listingUp ? answerWith([])(request, response, i) : fail(503)(request, response, i))
    const router = await routerFor(resources, chain(urlsOf(s), {
      healthCheckIntervalMs: 80,
      breaker: { failureThreshold: 1, cooldownMs: 60_000 }
    }))
    expect(await eventually(async () => endpointState(await health(router), "a:model-a")?.state === "open")).toBe(true)
    listingUp = true
    chatUp = true
    // the open breaker would wait 60 s; the successful check lets the next request probe now
    const checksBefore = s["a"]!.checks.length
    // two more checks (one whole one since it came back) come every 80 ms: seconds, not the 60 s cooldown nor the default 30 s interval
    expect(await eventually(() => s["a"]!.checks.length > checksBefore + 1, 5_000)).toBe(true)
    const client = new OpenAI({ baseURL: router.baseUrl, apiKey: "unused", maxRetries: 0 })
    expect(await ask(client)).toMatchObject({ text: "from a", model: "a:model-a" })
    const view = await health(router)
    expect(view.providers.find((p) => p.name === "a")?.check).toMatchObject({ ok: true })
    expect(endpointState(view, "a:model-a")).toMatchObject({ state: "closed" })
    // spacing of the checks (the upstream's own timestamps)
    const at = s["a"]!.checks.map((c) => c.at)
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(60)
  })
})

describe("clients that hang up", () => {
  it("are not the upstream's failures: aborted streams neither open the breaker nor get continued", async () => {
    const upstreams = await stubs(resources, { a: stallAfter(["one ", "two "]), b: answerWith(["from ", "b"]) })
    const a = upstreams.a!
    const b = upstreams.b!
    const router = await routerFor(resources, chain(urlsOf(upstreams), { breaker: { failureThreshold: 2, cooldownMs: 60_000 } }))
    // Four streams committed at once, then all four clients leave (as a load generator does at the end of a run).
    const controllers = await Promise.all([0, 1, 2, 3].map(async () => {
      const controller = new AbortController()
      const response = await fetch(`${router.baseUrl}/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "m", stream: true, messages: MESSAGES }),
        signal: controller.signal
      })
      await response.body!.getReader().read() // the first content arrived: the stream is committed
      return controller
    }))
    for (const controller of controllers) controller.abort()
    expect(await eventually(() => a.calls.length === 4)).toBe(true)
    await sleep(100)
    expect(b.calls).toHaveLength(0) // nothing was continued elsewhere
    expect(endpointState(await health(router), "a:model-a")?.state).toBe("closed")
  })
})

/** Streams `parts`, then keeps the connection open, silent. */
const stallAfter = (parts: ReadonlyArray<string>): Script => (request, response) => {
  response.writeHead(200, { "content-type": "text/event-stream" })
  for (const part of parts) response.write(`data: ${JSON.stringify({ id: "x", object: "chat.completion.chunk", created: 1, model: String(request.body.model), choices: [{ index: 0, delta: { content: part }, finish_reason: null }] })}\n\n`)
}
