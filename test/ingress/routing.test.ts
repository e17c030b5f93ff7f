/**
 * What applies to chat applies unchanged on `/v1/messages` and `/v1/responses`: failover before
 * the first byte, access and scoped keys (also as `x-api-key`), metrics, x402 payments; and bad
 * input gets each API's own error shape and status, never a 500.
 */
import Anthropic from "@anthropic-ai/sdk"
import OpenAI from "openai"
import { privateKeyToAccount } from "viem/accounts"
import { afterEach, describe, expect, it, vi } from "vitest"
import { mintKey, tempDataDir } from "../accounts/support.js"
import { postJson, rawRequest, Resources } from "../support/http.js"
import { answer, openAiError, reply, sequence, startUpstream, type Upstream } from "../support/openaiUpstream.js"
import { startRouter } from "../support/router.js"
import { paymentOf, settledAnswer, x402Script } from "../support/x402.js"

const resources = new Resources()
afterEach(() => resources.closeAll())

/** A virtual model `chain` over two keyless OpenAI-compatible providers. */
const chain = async (first: Upstream, second: Upstream, extra: Record<string, unknown> = {}) =>
  resources.add(await startRouter({
    providers: {
      a: { derives: "openai", apiBase: first.url, requiresKey: false },
      b: { derives: "openai", apiBase: second.url, requiresKey: false }
    },
    models: { chain: { endpoints: ["a:m", "b:m"] } },
    retry: { backoffMs: 1, sameEndpointRetries: 0 },
    ...extra
  }))

const anthropicClient = (baseUrl: string, apiKey = "unused") => new Anthropic({ baseURL: baseUrl.replace(/\/v1$/, ""), apiKey, maxRetries: 0 })
const openaiClient = (baseUrl: string, apiKey = "unused") => new OpenAI({ baseURL: baseUrl, apiKey, maxRetries: 0 })
const failing = () => (_request: unknown, response: import("node:http").ServerResponse) => reply(response, 503, openAiError("overloaded", "server_error"))

describe("failover before the first byte", () => {
  it("on /v1/messages, streamed and not", async () => {
    const first = resources.add(await startUpstream(failing()))
    const second = resources.add(await startUpstream(answer("from b")))
    const router = await chain(first, second)
    const anthropic = anthropicClient(router.baseUrl)
    const { data, response } = await anthropic.messages.create({ model: "chain", max_tokens: 10, messages: [{ role: "user", content: "hi" }] }).withResponse()
    expect(data.content).toEqual([{ type: "text", text: "from b" }])
    expect(response.headers.get("x-llmrouter-model")).toBe("b:m")
    expect(response.headers.get("x-llmrouter-attempts")).toBe("2")
    const streamed = await anthropic.messages.stream({ model: "chain", max_tokens: 10, messages: [{ role: "user", content: "hi" }] }).finalMessage()
    expect(streamed.content).toEqual([{ type: "text", text: "from b" }])
  })

  it("on /v1/responses, streamed and not", async () => {
    const first = resources.add(await startUpstream(failing()))
    const second = resources.add(await startUpstream(answer("from b")))
    const router = await chain(first, second)
    const openai = openaiClient(router.baseUrl)
    const { data, response } = await openai.responses.create({ model: "chain", input: "hi" }).withResponse()
    expect(data.output_text).toBe("from b")
    expect(response.headers.get("x-llmrouter-model")).toBe("b:m")
    const streamed = await openai.responses.stream({ model: "chain", input: "hi" }).finalResponse()
    expect(streamed.output_text).toBe("from b")
  })
})

describe("a stream that breaks after the first byte ends with the API's error event", () => {
  const cut = () => (_request: unknown, response: import("node:http").ServerResponse) => {
    response.writeHead(200, { "content-type": "text/event-stream" })
    response.write(`data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { content: "partial " }, finish_reason: null }] })}\n\n`)
    setTimeout(() => response.destroy(), 20)
  }

  it("Messages: an `error` event, and the SDK throws", async () => {
    const only = resources.add(await startUpstream(cut()))
    const router = resources.add(await startRouter({ providers: { a: { derives: "openai", apiBase: only.url, requiresKey: false } }, retry: { backoffMs: 1 } }))
    const raw = await postJson(`${router.baseUrl}/messages`, { model: "a:m", max_tokens: 10, stream: true, messages: [{ role: "user", content: "hi" }] })
    expect(raw.status).toBe(200)
    expect(raw.text).toContain("event: message_start")
    expect(raw.text).toMatch(/event: error\ndata: \{"type":"error","error":\{"type":"api_error","message":/)
    expect(raw.text).not.toContain("message_stop")
    const stream = anthropicClient(router.baseUrl).messages.stream({ model: "a:m", max_tokens: 10, messages: [{ role: "user", content: "hi" }] })
    await expect(stream.finalMessage()).rejects.toThrow()
  })

  it("Responses: `response.failed` with the error, never `response.completed`", async () => {
    const only = resources.add(await startUpstream(cut()))
    const router = resources.add(await startRouter({ providers: { a: { derives: "openai", apiBase: only.url, requiresKey: false } }, retry: { backoffMs: 1 } }))
    const raw = await postJson(`${router.baseUrl}/responses`, { model: "a:m", input: "hi", stream: true })
    expect(raw.status).toBe(200)
    expect(raw.text).toContain("event: response.failed")
    expect(raw.text).toMatch(/"status":"failed"/)
    expect(raw.text).not.toContain("response.completed")
    // The SDK hands back the failed response: its status and error say what happened.
    const failed = await openaiClient(router.baseUrl).responses.stream({ model: "a:m", input: "hi" }).finalResponse()
    expect(failed.status).toBe("failed")
    expect(failed.error).toMatchObject({ code: "stream_broken", message: expect.stringContaining("broke off") })
    expect(failed.output).toMatchObject([{ type: "message", status: "incomplete", content: [{ type: "output_text", text: "partial " }] }])
  })
})

describe("keys, metrics and payments", () => {
  it("access keys work as x-api-key or bearer; a missing one is Anthropic's 401 on /v1/messages, OpenAI's on /v1/responses", async () => {
    const upstream = resources.add(await startUpstream(answer("ok")))
    const router = resources.add(await startRouter({ providers: { a: { derives: "openai", apiBase: upstream.url, requiresKey: false } }, accessKeys: ["sekret-key-123"] }))
    const body = { model: "a:m", max_tokens: 5, messages: [{ role: "user", content: "hi" }] }
    const refused = await postJson(`${router.baseUrl}/messages`, body)
    expect(refused.status).toBe(401)
    expect(refused.json).toMatchObject({ type: "error", error: { type: "authentication_error" } })
    expect((await postJson(`${router.baseUrl}/messages`, body, { "x-api-key": "sekret-key-123", "anthropic-version": "2023-06-01" })).status).toBe(200)
    expect((await postJson(`${router.baseUrl}/messages`, body, { authorization: "Bearer sekret-key-123" })).status).toBe(200)
    const responses = await postJson(`${router.baseUrl}/responses`, { model: "a:m", input: "hi" })
    expect(responses.status).toBe(401)
    expect(responses.json).toMatchObject({ error: { type: "authentication_error" } })
    const sdk = await anthropicClient(router.baseUrl, "sekret-key-123").messages.create(body as Anthropic.MessageCreateParamsNonStreaming)
    expect(sdk.content).toEqual([{ type: "text", text: "ok" }])
  })

  it("scoped keys: scope checked on both endpoints (x-api-key included), usage recorded", async () => {
    const dataDir = tempDataDir()
    await mintKey(dataDir, { all: true, name: "bootstrap" })
    const upstream = resources.add(await startUpstream(answer("scoped ok")))
    const router = resources.add(await startRouter({ dataDir, providers: { a: { derives: "openai", apiBase: upstream.url, requiresKey: false } } }))
    const { token } = await mintKey(dataDir, { models: ["a:allowed"], name: "narrow" })
    const anthropic = anthropicClient(router.baseUrl, token)
    const ok = await anthropic.messages.create({ model: "a:allowed", max_tokens: 5, messages: [{ role: "user", content: "hi" }] })
    expect(ok.content).toEqual([{ type: "text", text: "scoped ok" }])
    const denied = await anthropic.messages.create({ model: "a:other", max_tokens: 5, messages: [{ role: "user", content: "hi" }] }).catch((e: unknown) => e)
    expect(denied).toBeInstanceOf(Anthropic.PermissionDeniedError)
    expect((denied as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({ type: "error", error: { type: "permission_error" } })
    const openai = openaiClient(router.baseUrl, token)
    expect((await openai.responses.create({ model: "a:allowed", input: "hi" })).output_text).toBe("scoped ok")
    const refused = await openai.responses.create({ model: "a:other", input: "hi" }).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(OpenAI.PermissionDeniedError)
    expect((refused as InstanceType<typeof OpenAI.APIError>).code).toBe("model_not_in_scope")
    const stats = JSON.parse((await rawRequest(`${router.info.url}/stats`)).text) as { keys: Array<{ name: string; usage: { requests: number } }> }
    expect(stats.keys.find((k) => k.name === "narrow")?.usage.requests).toBe(2)
  })

  it("metrics count requests from both endpoints", async () => {
    const upstream = resources.add(await startUpstream(answer("counted")))
    const router = resources.add(await startRouter({ providers: { a: { derives: "openai", apiBase: upstream.url, requiresKey: false } } }))
    await anthropicClient(router.baseUrl).messages.create({ model: "a:m", max_tokens: 5, messages: [{ role: "user", content: "hi" }] })
    await openaiClient(router.baseUrl).responses.stream({ model: "a:m", input: "hi" }).finalResponse()
    // The stream reports when it ends, just after the client has its last event.
    await vi.waitFor(async () => {
      const text = (await rawRequest(`${router.info.url}/metrics`)).text
      const line = text.split("\n").find((l) => l.startsWith("llmrouter_requests_total{") && l.includes("a:m"))
      expect(Number(line?.split(" ").at(-1))).toBe(2)
    }, { timeout: 10_000 })
  })

  it("x402: a 402 on /v1/messages is paid once and the request retried", async () => {
    const key = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
    const upstream = resources.add(await startUpstream(x402Script(settledAnswer("paid answer"))))
    const router = resources.add(await startRouter(
      { providers: { paid: { derives: "openai", apiBase: upstream.url, requiresKey: false } } },
      { env: { LLM_ROUTER_WALLET_KEY: key } }
    ))
    const message = await anthropicClient(router.baseUrl).messages.create({ model: "paid:m", max_tokens: 5, messages: [{ role: "user", content: "hi" }] })
    expect(message.content).toEqual([{ type: "text", text: "paid answer" }])
    expect(upstream.received).toHaveLength(2)
    const payment = paymentOf(upstream.received[1]!.headers) as { payload: { authorization: { from: string } } }
    expect(payment.payload.authorization.from).toBe(privateKeyToAccount(key).address)
    const response = await openaiClient(router.baseUrl).responses.create({ model: "paid:m", input: "hi" })
    expect(response.output_text).toBe("paid answer")
  })
})

describe("bad input gets each API's error shape and status", () => {
  const setup = async () => {
    const upstream = resources.add(await startUpstream(sequence(answer("unused"))))
    const router = resources.add(await startRouter({ providers: { a: { derives: "openai", apiBase: upstream.url, requiresKey: false } } }))
    return { upstream, url: router.baseUrl }
  }
  const anthropicError = (json: unknown) => json as { type: string; error: { type: string; message: string } }
  const openaiError = (json: unknown) => json as { error: { type: string; message: string; code: string | null; param: string | null } }

  it("/v1/messages", async () => {
    const { upstream, url } = await setup()
    const cases: Array<[unknown, number, string, RegExp]> = [
      [{ model: "a:m", messages: [{ role: "user", content: "hi" }] }, 400, "invalid_request_error", /max_tokens/],
      [{ model: "a:m", max_tokens: 5, messages: [] }, 400, "invalid_request_error", /messages/],
      [{ model: "a:m", max_tokens: 5, messages: [{ role: "system", content: "hi" }] }, 400, "invalid_request_error", /messages\[0\]\.role/],
      [{ model: "a:m", max_tokens: 5, messages: [{ role: "user", content: [{ type: "image", source: { type: "base64" } }] }] }, 400, "invalid_request_error", /messages\[0\]\.content/],
      [{ model: "a:m", max_tokens: 5, tools: [{ type: "web_search_20250305", name: "web_search" }], messages: [{ role: "user", content: "hi" }] }, 400, "invalid_request_error", /tools\[0\]/],
      [{ model: "nope", max_tokens: 5, messages: [{ role: "user", content: "hi" }] }, 404, "not_found_error", /nope/],
      ["{not json", 400, "invalid_request_error", /JSON/]
    ]
    for (const [body, status, type, message] of cases) {
      const response = await postJson(`${url}/messages`, body)
      expect(response.status, JSON.stringify(body)).toBe(status)
      const error = anthropicError(response.json)
      expect(error.type).toBe("error")
      expect(error.error.type).toBe(type)
      expect(error.error.message).toMatch(message)
    }
    const unknownPath = await postJson(`${url}/messages/batches`, {})
    expect(unknownPath.status).toBe(404)
    expect(anthropicError(unknownPath.json).error.type).toBe("not_found_error")
    const form = await rawRequest(`${url}/messages`, { method: "POST", headers: { "content-type": "text/plain" }, body: "hi" })
    expect(form.status).toBe(415)
    expect(anthropicError(form.json).type).toBe("error")
    expect(upstream.received).toHaveLength(0)
  })

  it("/v1/messages/count_tokens answers an estimate, and says so", async () => {
    const { upstream, url } = await setup()
    const body = { model: "llmrouter/auto", system: "You are terse.", messages: [{ role: "user", content: "x".repeat(400) }] }
    const response = await postJson(`${url}/messages/count_tokens`, body)
    expect(response.status).toBe(200)
    expect(response.headers["x-llmrouter-token-count"]).toBe("estimate")
    const { input_tokens: tokens } = response.json as { input_tokens: number }
    expect(tokens).toBeGreaterThan(100)
    expect(tokens).toBeLessThan(130)
    const sdk = await anthropicClient(url).messages.countTokens(body as Anthropic.MessageCountTokensParams)
    expect(sdk.input_tokens).toBe(tokens)
    const bad = await postJson(`${url}/messages/count_tokens`, { model: "m" })
    expect(bad.status).toBe(400)
    expect(anthropicError(bad.json).error.message).toMatch(/messages/)
    expect(upstream.received).toHaveLength(0)
  })

  it("/v1/responses", async () => {
    const { upstream, url } = await setup()
    const cases: Array<[unknown, number, string | null, string | null]> = [
      [{ model: "a:m" }, 400, "missing_required_parameter", "input"],
      [{ model: "a:m", input: "hi", tools: [{ type: "web_search_preview" }] }, 400, "unsupported_value", "tools[0].type"],
      [{ model: "a:m", input: "hi", tools: [{ type: "file_search", vector_store_ids: ["vs_1"] }] }, 400, "unsupported_value", "tools[0].type"],
      [{ model: "a:m", input: "hi", tools: [{ type: "computer_use_preview", display_width: 1, display_height: 1, environment: "browser" }] }, 400, "unsupported_value", "tools[0].type"],
      [{ model: "a:m", input: "hi", previous_response_id: "resp_0000000000000000dead" }, 400, "previous_response_not_found", "previous_response_id"],
      [{ model: "a:m", input: [{ role: "user", content: [{ type: "input_image", file_id: "file-1" }] }] }, 400, "unsupported_value", "input[0].content[0]"],
      [{ model: "a:m", input: 5 }, 400, "invalid_value", "input"],
      [{ model: "nope", input: "hi" }, 404, "model_not_found", "model"]
    ]
    for (const [body, status, code, param] of cases) {
      const response = await postJson(`${url}/responses`, body)
      expect(response.status, JSON.stringify(body)).toBe(status)
      const error = openaiError(response.json)
      expect(error.error.code, JSON.stringify(body)).toBe(code)
      expect(error.error.param, JSON.stringify(body)).toBe(param)
      expect(error.error.message.length).toBeGreaterThan(10)
    }
    expect(upstream.received).toHaveLength(0)
  })
})
