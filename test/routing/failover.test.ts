/**
 * Failover over a two-endpoint `priority` virtual model, against the real router and two real
 * OpenAI-speaking stub upstreams: each trigger fails over (after the same-endpoint retry where
 * the policy has one), a non-retryable 4xx is the upstream's own answer, Retry-After is honoured
 * and the total number of upstream calls is bounded.
 */
import OpenAI from "openai"
import { afterEach, describe, expect, it } from "vitest"
import type { RouterConfigInput } from "../../src/config/schema.js"
import { closedPort, errorOf, modelsSeen, postJson, Resources } from "../support/http.js"
import { answer, openAiError, reply, type Script, sequence, startUpstream, type Upstream } from "../support/openaiUpstream.js"
import { startRouter } from "../support/router.js"

const resources = new Resources()
afterEach(() => resources.closeAll())

const MESSAGES = [{ role: "user" as const, content: "hi" }]

const fail = (status: number, headers: Record<string, string> = {}): Script => (_request, response) =>
  reply(response, status, openAiError(`upstream says ${status}`, status >= 500 ? "server_error" : "invalid_request_error"), headers)

/** The connection is dropped before any response header is written. */
const reset: Script = (_request, response) => {
  response.socket?.destroy()
}

/**
 * A deadline for the response headers short enough for tests (undici's timers are coarse: it fires
 * within ~0.5–1 s), for the silent endpoint alone: the healthy one keeps the generous defaults, so
 * a loaded machine cannot time it out too. The one place to change if the timeout settings are renamed.
 */
const FIRST_BYTE_200MS = { firstTokenMs: 200, responseMs: 200 }
const SILENT_A: Partial<RouterConfigInput> = {
  models: { duo: { strategy: "priority", endpoints: [{ provider: "a", modelId: "model-a", timeouts: FIRST_BYTE_200MS }, { provider: "b", modelId: "model-b" }] } }
}
const SILENT_B: Partial<RouterConfigInput> = {
  models: { duo: { strategy: "priority", endpoints: ["a:model-a", { provider: "b", modelId: "model-b", timeouts: FIRST_BYTE_200MS }] } }
}

/** Never answers (the test's afterEach closes the connection). */
const silent: Script = () => undefined

const twoEndpoints = (a: string, b: string, extra: Partial<RouterConfigInput> = {}): RouterConfigInput => ({
  providers: {
    // one keyless local server, one keyed through an env reference
    a: { derives: "openai", apiBase: a, requiresKey: false },
    b: { derives: "openai", apiBase: b, apiKey: "${B_KEY}" }
  },
  models: { duo: { strategy: "priority", endpoints: ["a:model-a", { provider: "b", modelId: "model-b" }] } },
  retry: { backoffMs: 1 },
  ...extra
})

const start = async (scriptA: Script | "closed", scriptB: Script, extra: Partial<RouterConfigInput> = {}) => {
  const a = scriptA === "closed" ? undefined : resources.add(await startUpstream(scriptA))
  const b = resources.add(await startUpstream(scriptB))
  const aUrl = a?.url ?? `http://127.0.0.1:${await closedPort()}/v1`
  const router = resources.add(await startRouter(twoEndpoints(aUrl, b.url, extra), { env: { B_KEY: "sk-b" } }))
  const client = new OpenAI({ baseURL: router.baseUrl, apiKey: "unused", maxRetries: 0 })
  return { a, b, router, client }
}

/** Asks non-streaming or streaming through the SDK; returns the text and the router's headers. */
const ask = async (client: OpenAI, stream: boolean) => {
  if (!stream) {
    const { data, response } = await client.chat.completions.create({ model: "duo", messages: MESSAGES }).withResponse()
    return { text: data.choices[0]?.message.content, headers: response.headers }
  }
  const { data, response } = await client.chat.completions
    .create({ model: "duo", messages: MESSAGES, stream: true })
    .withResponse()
  let text = ""
  for await (const part of data) text += part.choices[0]?.delta.content ?? ""
  return { text, headers: response.headers }
}

const timed = (times: Array<number>, script: Script): Script => (request, response, index) => {
  times.push(Date.now())
  return script(request, response, index)
}

interface Trigger {
  readonly name: string
  readonly a: Script | "closed"
  /** Upstream calls endpoint a receives: 2 where the policy retries on the same endpoint first. */
  readonly callsOnA: number
  readonly extra?: Partial<RouterConfigInput>
}

const triggers: ReadonlyArray<Trigger> = [
  { name: "404", a: fail(404), callsOnA: 1 },
  { name: "408", a: fail(408), callsOnA: 1 },
  { name: "429 without Retry-After", a: fail(429), callsOnA: 1 },
  { name: "500", a: fail(500), callsOnA: 2 },
  { name: "502", a: fail(502), callsOnA: 2 },
  { name: "503", a: fail(503), callsOnA: 2 },
  { name: "a reset before the headers", a: reset, callsOnA: 2 },
  { name: "connection refused", a: "closed", callsOnA: 2 },
  { name: "no first byte within the first-token (stream) or response deadline", a: silent, callsOnA: 1, extra: SILENT_A }
]

describe("failover to the next endpoint", () => {
  for (const stream of [false, true]) {
    describe(stream ? "streaming" : "non-streaming", () => {
      for (const trigger of triggers) {
        it(`on ${trigger.name}`, async () => {
          const { a, b, client } = await start(trigger.a, answer("from b"), trigger.extra)
          const { text, headers } = await ask(client, stream)

          expect(text).toBe("from b")
          expect(headers.get("x-llmrouter-model")).toBe("b:model-b")
          expect(headers.get("x-llmrouter-attempts")).toBe(String(trigger.callsOnA + 1))
          // what each upstream saw
          if (a !== undefined) {
            expect(a.received).toHaveLength(trigger.callsOnA)
            expect(modelsSeen(a)).toEqual(Array(trigger.callsOnA).fill("model-a"))
            // a same-endpoint retry re-sends the very same bytes
            for (const retry of a.received.slice(1)) expect(retry.raw.equals(a.received[0]!.raw)).toBe(true)
          }
          expect(b.received).toHaveLength(1)
          expect(b.received[0]?.body).toMatchObject({ model: "model-b", messages: MESSAGES, ...(stream ? { stream: true } : {}) })
          expect(b.received[0]?.headers.authorization).toBe("Bearer sk-b")
          if (a !== undefined) expect(a.received[0]?.headers.authorization).toBeUndefined()
        })
      }
    })
  }

  it("gives up the silent endpoint's call when its first-byte timeout fires", async () => {
    const { a, client } = await start(silent, answer("from b"), SILENT_A)
    await ask(client, false)
    await expect(a!.received[0]!.aborted).resolves.toBe(true)
  })

  it("returns the last failure when every endpoint fails, with the OpenAI error shape", async () => {
    const { a, b, router } = await start(fail(500), fail(503))
    const response = await postJson(`${router.baseUrl}/chat/completions`, { model: "duo", messages: MESSAGES })
    expect(response.status).toBe(502)
    const error = errorOf(response.json)
    expect(error).toMatchObject({ type: "server_error", code: "upstream_error", param: null })
    expect(error.message).toContain("a:model-a")
    expect(error.message).toContain("b:model-b")
    expect(response.headers["x-llmrouter-model"]).toBe("b:model-b")
    expect(a!.received).toHaveLength(2)
    expect(b.received).toHaveLength(2)
  })

  it("answers 504 when the last endpoint timed out", async () => {
    const { router } = await start(fail(503), silent, SILENT_B)
    const response = await postJson(`${router.baseUrl}/chat/completions`, { model: "duo", messages: MESSAGES })
    expect(response.status).toBe(504)
    expect(errorOf(response.json)).toMatchObject({ type: "server_error", code: "upstream_timeout" })
  })
})

describe("a non-retryable 4xx is the upstream's answer", () => {
  for (const status of [400, 401, 422]) {
    it(`${status} is passed on as the upstream gave it, not failed over`, async () => {
      const body = {
        error: { message: `upstream rejects with ${status}`, type: "invalid_request_error", code: `up_${status}`, param: "messages" }
      }
      const { a, b, router, client } = await start((_request, response) => reply(response, status, body), answer("from b"))

      const raw = await postJson(`${router.baseUrl}/chat/completions`, { model: "duo", messages: MESSAGES })
      expect(raw.status).toBe(status)
      expect(raw.json).toEqual(body)
      expect(raw.headers["x-llmrouter-model"]).toBe("a:model-a")

      const thrown = await client.chat.completions.create({ model: "duo", messages: MESSAGES }).catch((e: unknown) => e)
      expect(thrown).toBeInstanceOf(OpenAI.APIError)
      expect(thrown).toMatchObject({ status, error: body.error })

      expect(a!.received).toHaveLength(2) // one per client request: no retry
      expect(b.received).toHaveLength(0)
    })
  }

  it("wraps a 4xx that is not OpenAI-shaped JSON in the OpenAI error shape, keeping the status", async () => {
    const { b, router } = await start((_request, response) => {
      response.writeHead(403, { "content-type": "text/plain" })
      response.end("forbidden region")
    }, answer("from b"))
    const raw = await postJson(`${router.baseUrl}/chat/completions`, { model: "duo", messages: MESSAGES })
    expect(raw.status).toBe(403)
    const error = errorOf(raw.json)
    expect(error.code).toBe("upstream_rejected")
    expect(error.message).toContain("forbidden region")
    expect(b.received).toHaveLength(0)
  })
})

describe("Retry-After", () => {
  it("waits out a short Retry-After on the same endpoint, then retries it", async () => {
    const times: Array<number> = []
    const { a, b, client } = await start(
      timed(times, sequence(fail(429, { "retry-after": "1" }), answer("from a"))),
      answer("from b")
    )
    const { text, headers } = await ask(client, false)
    expect(text).toBe("from a")
    expect(headers.get("x-llmrouter-model")).toBe("a:model-a")
    expect(headers.get("x-llmrouter-attempts")).toBe("2")
    expect(a!.received).toHaveLength(2)
    expect(a!.received[1]!.raw.equals(a!.received[0]!.raw)).toBe(true)
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(900)
    expect(b.received).toHaveLength(0)
  })

  it("honours retry-after-ms too", async () => {
    const times: Array<number> = []
    const { a, client } = await start(
      timed(times, sequence(fail(429, { "retry-after-ms": "300" }), answer("from a"))),
      answer("from b")
    )
    expect((await ask(client, true)).text).toBe("from a")
    expect(a!.received).toHaveLength(2)
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(250)
  })

  it("fails over at once on a Retry-After longer than maxRetryAfterMs", async () => {
    const { a, b, client } = await start(fail(429, { "retry-after": "120" }), answer("from b"))
    const { text, headers } = await ask(client, false)
    expect(text).toBe("from b")
    expect(headers.get("x-llmrouter-attempts")).toBe("2")
    expect(a!.received).toHaveLength(1)
    expect(b.received).toHaveLength(1)
  })

  it("respects a configured maxRetryAfterMs", async () => {
    const { a, b, client } = await start(fail(429, { "retry-after": "1" }), answer("from b"), {
      retry: { backoffMs: 1, maxRetryAfterMs: 500 }
    })
    expect((await ask(client, false)).text).toBe("from b")
    expect(a!.received).toHaveLength(1)
    expect(b.received).toHaveLength(1)
  })

  it("answers 429 with retry-after when every candidate is rate-limited", async () => {
    const { a, b, router, client } = await start(fail(429, { "retry-after": "120" }), fail(429, { "retry-after": "90" }))
    const raw = await postJson(`${router.baseUrl}/chat/completions`, { model: "duo", messages: MESSAGES })
    expect(raw.status).toBe(429)
    expect(raw.headers["retry-after"]).toBe("90")
    expect(errorOf(raw.json)).toMatchObject({ type: "rate_limit_error", code: "upstream_rate_limited" })
    expect(a!.received).toHaveLength(1)
    expect(b.received).toHaveLength(1)

    const thrown = await client.chat.completions.create({ model: "duo", messages: MESSAGES }).catch((e: unknown) => e)
    expect(thrown).toBeInstanceOf(OpenAI.RateLimitError)
  })
})

describe("the total number of upstream calls is bounded", () => {
  const failingChain = async (count: number, retry: RouterConfigInput["retry"]) => {
    const upstreams: Array<Upstream> = []
    for (let i = 0; i < count; i++) upstreams.push(resources.add(await startUpstream(fail(500))))
    const router = resources.add(await startRouter({
      providers: Object.fromEntries(upstreams.map((u, i) => [`p${i}`, { derives: "openai" as const, apiBase: u.url, requiresKey: false }])),
      models: { many: { endpoints: upstreams.map((_u, i) => `p${i}:m${i}` as const) as [`p0:m0`, ...Array<`p${number}:m${number}`>] } },
      retry
    }))
    const response = await postJson(`${router.baseUrl}/chat/completions`, { model: "many", messages: MESSAGES })
    return { upstreams, response, calls: upstreams.map((u) => u.received.length) }
  }

  it("stops at retry.maxAttempts", async () => {
    const { response, calls } = await failingChain(5, { maxAttempts: 3, backoffMs: 1 })
    expect(response.status).toBe(502)
    expect(calls).toEqual([2, 1, 0, 0, 0])
    expect(errorOf(response.json).message).toContain("(3)")
  })

  it("stops at the default of 6 attempts", async () => {
    const { response, calls } = await failingChain(5, { backoffMs: 1 })
    expect(response.status).toBe(502)
    expect(calls).toEqual([2, 2, 2, 0, 0])
  })

  it("tries every endpoint once when same-endpoint retries are off", async () => {
    const { calls } = await failingChain(5, { backoffMs: 1, sameEndpointRetries: 0 })
    expect(calls).toEqual([1, 1, 1, 1, 1])
  })
})

