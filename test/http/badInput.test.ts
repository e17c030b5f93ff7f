/**
 * Every bad-input case answers in OpenAI's error shape with the right status, the upstream never
 * sees it, and the router keeps serving afterwards.
 */
import OpenAI from "openai"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { chatBody, errorOf, postJson, rawRequest, Resources } from "../support/http.js"
import { answer, startUpstream, type Upstream } from "../support/openaiUpstream.js"
import { type RunningRouter, startRouter } from "../support/router.js"

const resources = new Resources()
let upstream: Upstream
let router: RunningRouter
let url: string

beforeAll(async () => {
  upstream = resources.add(await startUpstream(answer("fine")))
  router = resources.add(await startRouter(
    { maxBodyBytes: 1024, providers: { local: { derives: "openai", apiBase: upstream.url, requiresKey: false } } }
  ))
  url = `${router.baseUrl}/chat/completions`
})
afterAll(() => resources.closeAll())

/** After every refusal: a good request still succeeds, through the SDK. */
const stillServes = async () => {
  const client = new OpenAI({ baseURL: router.baseUrl, apiKey: "unused", maxRetries: 0 })
  const before = upstream.received.length
  const completion = await client.chat.completions.create({ model: "local:m", messages: [{ role: "user", content: "hi" }] })
  expect(completion.choices[0]?.message.content).toBe("fine")
  expect(upstream.received).toHaveLength(before + 1)
}

const refused = async (response: Awaited<ReturnType<typeof rawRequest>>, status: number) => {
  expect(response.status).toBe(status)
  expect(response.headers["content-type"]).toContain("application/json")
  const before = upstream.received.length
  await stillServes()
  expect(upstream.received).toHaveLength(before + 1) // only the good request reached it
  return errorOf(response.json)
}

describe("malformed JSON", () => {
  for (const [name, text] of [
    ["truncated", `{"model":"local:m","messages":[`],
    ["not JSON at all", "hello"],
    ["empty", ""]
  ] as const) {
    it(`400 invalid_json: ${name}`, async () => {
      const error = await refused(await postJson(url, text), 400)
      expect(error).toMatchObject({ type: "invalid_request_error", code: "invalid_json", param: null })
      expect(error.message).toMatch(/JSON/)
    })
  }

  it("400 invalid_json for a JSON value that is not an object", async () => {
    const error = await refused(await postJson(url, "[1,2]"), 400)
    expect(error.code).toBe("invalid_json")
  })
})

describe("missing or invalid fields name the field in `param`", () => {
  const cases: ReadonlyArray<readonly [string, unknown, string, string]> = [
    ["missing model", { messages: [{ role: "user", content: "hi" }] }, "model", "missing_required_parameter"],
    ["missing messages", { model: "local:m" }, "messages", "missing_required_parameter"],
    ["model not a string", { model: 42, messages: [{ role: "user", content: "hi" }] }, "model", "invalid_value"],
    ["empty model", { model: "", messages: [{ role: "user", content: "hi" }] }, "model", "invalid_value"],
    ["messages a string", { model: "local:m", messages: "x" }, "messages", "invalid_value"],
    ["messages empty", { model: "local:m", messages: [] }, "messages", "invalid_value"],
    ["invalid role", { model: "local:m", messages: [{ role: "wizard", content: "hi" }] }, "messages[0].role", "invalid_value"],
    ["missing role", { model: "local:m", messages: [{ role: "user", content: "a" }, { content: "hi" }] }, "messages[1].role", "missing_required_parameter"],
    ["content a number", { model: "local:m", messages: [{ role: "user", content: 7 }] }, "messages[0].content", "invalid_value"],
    ["stream not a boolean", { ...chatBody("local:m"), stream: "yes" }, "stream", "invalid_value"]
  ]
  for (const [name, body, param, code] of cases) {
    it(`400 for ${name} (param ${param})`, async () => {
      const error = await refused(await postJson(url, body), 400)
      expect(error).toMatchObject({ type: "invalid_request_error", param, code })
      expect(error.message).toContain(`'${param}'`)
    })
  }

  it("the SDK surfaces it as a BadRequestError with param", async () => {
    const client = new OpenAI({ baseURL: router.baseUrl, apiKey: "unused", maxRetries: 0 })
    const thrown = await client.chat.completions
      .create({ model: "local:m", messages: [{ role: "wizard" as "user", content: "hi" }] })
      .catch((e: unknown) => e)
    expect(thrown).toBeInstanceOf(OpenAI.BadRequestError)
    expect(thrown).toMatchObject({ status: 400, param: "messages[0].role" })
    // every allowed role is named, not just the first member of the union
    expect((thrown as Error).message).toContain(`"system" | "developer" | "user" | "assistant" | "tool" | "function", got "wizard"`)
  })
})

describe("body over maxBodyBytes", () => {
  const big = JSON.stringify(chatBody("local:m", { padding: "x".repeat(4096) }))

  it("413 with content-length", async () => {
    const error = await refused(await postJson(url, big), 413)
    expect(error).toMatchObject({ type: "invalid_request_error", code: "request_too_large" })
    expect(error.message).toContain("1024")
  })

  it("413 with chunked transfer (no content-length)", async () => {
    const response = await rawRequest(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: big,
      chunked: true,
      chunkSize: 300
    })
    const error = await refused(response, 413)
    expect(error.code).toBe("request_too_large")
  })

  it("a body just under the limit passes", async () => {
    const body = JSON.stringify(chatBody("local:m", { padding: "" }))
    const fits = JSON.stringify(chatBody("local:m", { padding: "x".repeat(1024 - body.length) }))
    expect(Buffer.byteLength(fits)).toBe(1024)
    const response = await rawRequest(url, { method: "POST", headers: { "content-type": "application/json" }, body: fits, chunked: true })
    expect(response.status).toBe(200)
  })
})

describe("unknown things", () => {
  it("404 model_not_found for an unknown model", async () => {
    const error = await refused(await postJson(url, chatBody("gpt-unknown")), 404)
    expect(error).toMatchObject({ code: "model_not_found", param: "model" })
  })

  it("404 JSON for an unknown path", async () => {
    const response = await rawRequest(`${router.info.url}/v1/embeddingz`, { method: "POST", body: "{}" })
    const error = await refused(response, 404)
    expect(error).toMatchObject({ type: "invalid_request_error", code: "unknown_url" })
    expect(error.message).toContain("/v1/embeddingz")
  })

  it("404 JSON for a known path with the wrong method", async () => {
    const error = await refused(await rawRequest(`${router.info.url}/v1/chat/completions`), 404)
    expect(error.code).toBe("unknown_url")
  })
})

describe("model names", () => {
  it("refuses control characters in the model name with a 400 naming the field (it would land in a header)", async () => {
    const upstream = resources.add(await startUpstream(answer("never")))
    const router = resources.add(await startRouter({ providers: { good: { derives: "openai", apiBase: upstream.url, requiresKey: false } } }))
    const response = await postJson(`${router.baseUrl}/chat/completions`, { model: "good:x\ny", messages: [{ role: "user", content: "hi" }] })
    expect(response.status).toBe(400)
    expect(errorOf(response.json)).toMatchObject({ param: "model" })
    expect(upstream.received).toHaveLength(0)
  })
})
