/**
 * The right first move on a transient failure: one 5xx or a reset before the headers is retried
 * once on the same endpoint; a 429 with a short Retry-After is waited out there; a long one (or
 * none) fails over at once and cools the endpoint, so the next request skips it.
 */
import { afterEach, describe, expect, it } from "vitest"
import {
  answerWith,
  endpointState,
  fail,
  health,
  newResources,
  post,
  reset,
  sequence,
  streamRaw,
  USAGE,
  pair,
  askModel
} from "./support.js"
import type { RouterConfigInput } from "../../src/config/schema.js"
import type { Script } from "../support/openaiUpstream.js"

const resources = newResources()
afterEach(() => resources.closeAll())

const setup = async (a: Script, b: Script = answerWith(["from ", "b"]), extra: Partial<RouterConfigInput> = {}) => pair(resources, a, b, extra)

const ask = askModel

describe("same-endpoint retry", () => {
  it("a 500 once is retried on the same endpoint after a short backoff, and that answer is the client's", async () => {
    const { a, b, client } = await setup(sequence(fail(500), answerWith(["from ", "a"])), undefined, { retry: { backoffMs: 50 } })
    const { data, model, attempts } = await ask(client)
    expect(data.choices[0]?.message.content).toBe("from a")
    expect(data.model).toBe("model-a")
    expect(data.usage).toMatchObject(USAGE)
    expect(model).toBe("a:model-a")
    expect(attempts).toBe("2")
    expect(a.calls).toHaveLength(2)
    expect(a.calls[1]!.raw.equals(a.calls[0]!.raw)).toBe(true) // the very same request again
    expect(a.calls[1]!.at - a.calls[0]!.at).toBeGreaterThanOrEqual(25) // backed off (jittered 50 ms) first
    expect(b.calls).toHaveLength(0)
  })

  it("a 500 once on a stream is retried the same way (nothing reached the client yet)", async () => {
    const { a, b, router } = await setup(sequence(fail(500), answerWith(["from ", "a"])))
    const { response, text, done, error } = await streamRaw(router)
    expect(response.headers.get("x-llmrouter-model")).toBe("a:model-a")
    expect({ text, done, error }).toEqual({ text: "from a", done: true, error: undefined })
    expect(a.calls).toHaveLength(2)
    expect(b.calls).toHaveLength(0)
  })

  it("a reset before the headers is retried once on the same endpoint", async () => {
    const { a, b, client } = await setup(sequence(reset, answerWith(["from ", "a"])))
    const { data, model } = await ask(client)
    expect(data.choices[0]?.message.content).toBe("from a")
    expect(model).toBe("a:model-a")
    expect(a.calls).toHaveLength(2)
    expect(b.calls).toHaveLength(0)
  })

  it("a reset twice fails over after the one retry", async () => {
    const { a, b, client } = await setup(reset)
    const { data, model, attempts } = await ask(client)
    expect(data.choices[0]?.message.content).toBe("from b")
    expect(model).toBe("b:model-b")
    expect(attempts).toBe("3")
    expect(a.calls).toHaveLength(2)
    expect(b.calls).toHaveLength(1)
  })
})

describe("429", () => {
  it("with a short Retry-After: waited out, then retried on the same endpoint", async () => {
    const { a, b, client } = await setup(sequence(fail(429, { "retry-after-ms": "150" }), answerWith(["from ", "a"])))
    const { data, model } = await ask(client)
    expect(data.choices[0]?.message.content).toBe("from a")
    expect(model).toBe("a:model-a")
    expect(a.calls).toHaveLength(2)
    expect(a.calls[1]!.at - a.calls[0]!.at).toBeGreaterThanOrEqual(145) // not before Retry-After
    expect(b.calls).toHaveLength(0)
  })

  it("with a Retry-After beyond retry.maxRetryAfterMs: fails over at once and cools the endpoint", async () => {
    // A Retry-After far beyond the test's timeout: waiting it out (the bug) cannot pass unnoticed.
    const { a, b, router, client } = await setup(fail(429, { "retry-after": "60" }), undefined, { retry: { backoffMs: 1, maxRetryAfterMs: 500 } })
    const first = await ask(client)
    const answeredAt = Date.now()
    expect(first.data.choices[0]?.message.content).toBe("from b")
    expect(first.model).toBe("b:model-b")
    expect(a.calls).toHaveLength(1)
    expect(b.calls[0]!.at - a.calls[0]!.at).toBeLessThan(30_000) // did not wait the 60 s

    // cooling: visible in /health, and the next request skips a without calling it
    const view = await health(router)
    expect(endpointState(view, "a:model-a")).toMatchObject({ state: "cooling", consecutiveFailures: 0, lastError: { tag: "RateLimited" } })
    // cools exactly Retry-After from when the router read the 429: after a received the call, before the answer arrived
    const until = Date.parse(endpointState(view, "a:model-a")!.until!)
    expect(until).toBeGreaterThanOrEqual(a.calls[0]!.at + 60_000)
    expect(until).toBeLessThanOrEqual(answeredAt + 60_000)

    const second = await ask(client)
    expect(second.model).toBe("b:model-b")
    expect(second.attempts).toBe("1") // a was skipped, not tried
    expect(a.calls).toHaveLength(1)
    expect(b.calls).toHaveLength(2)
  })

  it("a cooldown is bounded by breaker.maxCooldownMs: a huge Retry-After cools only that long", async () => {
    const { a, router, client } = await setup(sequence(fail(429, { "retry-after": "3600" }), answerWith(["from ", "a"])), undefined, {
      retry: { backoffMs: 1, maxRetryAfterMs: 100 },
      breaker: { maxCooldownMs: 250 }
    })
    expect((await ask(client)).model).toBe("b:model-b")
    const answeredAt = Date.now()
    expect(a.calls).toHaveLength(1)
    // cooling for 250 ms from when the router read the 429 (not an hour): its own account, not a race
    // against the clock (skipping a cooling endpoint is shown above)
    const cooling = endpointState(await health(router), "a:model-a")!
    expect(cooling.state).toBe("cooling")
    const until = Date.parse(cooling.until!)
    expect(until).toBeGreaterThanOrEqual(a.calls[0]!.at + 250)
    expect(until).toBeLessThanOrEqual(answeredAt + 250)
    await new Promise((resolve) => setTimeout(resolve, until - Date.now() + 50))
    expect((await ask(client)).model).toBe("a:model-a") // back after the bound
    expect(a.calls).toHaveLength(2)
  })

  it("without Retry-After: fails over without retrying there, and the endpoint cools", async () => {
    const { a, b, router, client } = await setup(fail(429), undefined, { breaker: { cooldownMs: 60_000 } })
    const first = await ask(client)
    expect(first.model).toBe("b:model-b")
    expect(a.calls).toHaveLength(1)
    expect(b.calls).toHaveLength(1)
    expect(endpointState(await health(router), "a:model-a")).toMatchObject({ state: "cooling" })
    expect((await ask(client)).model).toBe("b:model-b")
    expect(a.calls).toHaveLength(1)
  })

  it("without Retry-After: a short jittered pause (≥ half of retry.backoffMs) before the next candidate", async () => {
    const { a, b, client } = await setup(fail(429), undefined, { retry: { backoffMs: 300 } })
    expect((await ask(client)).model).toBe("b:model-b")
    expect(b.calls[0]!.at - a.calls[0]!.at).toBeGreaterThanOrEqual(140) // upstreams' own clocks
  })

  it("when every candidate is cooling, the client gets a 429 with Retry-After, and no upstream is called", async () => {
    const { a, b, router } = await setup(fail(429, { "retry-after": "30" }), fail(429, { "retry-after": "30" }), { retry: { backoffMs: 1, maxRetryAfterMs: 100 } })
    const first = await post(router, {})
    expect(first.status).toBe(429)
    expect(first.headers.get("retry-after")).toBe("30")
    expect(((await first.json()) as { error: { type: string } }).error.type).toBe("rate_limit_error")
    expect([a.calls.length, b.calls.length]).toEqual([1, 1])

    const second = await post(router, {})
    expect(second.status).toBe(429)
    expect(Number(second.headers.get("retry-after"))).toBeGreaterThanOrEqual(1)
    expect(Number(second.headers.get("retry-after"))).toBeLessThanOrEqual(30)
    expect([a.calls.length, b.calls.length]).toEqual([1, 1])
  })
})
