/**
 * `Server` answers chat completions on a lean Node path (`src/http/nodeChat.ts`); the platform app
 * (`makeHttpApp`, what embedders mount) answers them too. Both must be the same product: the same
 * requests, sent to both (one router, one set of services, two listeners), get the same status,
 * the same headers and the same body — answers, streams and every kind of refusal.
 */
import { HttpServer } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Context, Effect, Exit, Layer, Scope } from "effect"
import { createServer } from "node:http"
import { connect } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { fromConfig } from "../../src/layers.js"
import { makeHttpApp } from "../../src/http/routes.js"
import { Server } from "../../src/Server.js"
import { mintKey, tempDataDir } from "../accounts/support.js"
import { chatBody, type RawRequest, type RawResponse, rawRequest } from "../support/http.js"
import { answer, openAiError, reply, startUpstream, type Upstream } from "../support/openaiUpstream.js"

const ACCESS_KEY = "fast-path-access-key-123"
const UPSTREAM_SECRET = "sk-upstream-secret-fastpath-0001"
const ORIGIN = "https://app.example"

let upstream: Upstream
let scope: Scope.CloseableScope
/** The router's own listener (chat completions on the Node path) and the platform app on a second one. */
let lean: string
let platform: string
let clientKey: string

beforeAll(async () => {
  upstream = await startUpstream((request, response, index) => {
    const content = JSON.stringify(request.body.messages)
    // An upstream 400 that echoes its key: both paths must redact it the same way.
    if (content.includes("echo the key")) return reply(response, 400, openAiError(`bad request with key ${UPSTREAM_SECRET}`, "invalid_request_error", "bad_thing"))
    return answer("the same answer")(request, response, index)
  })
  const dataDir = tempDataDir()
  clientKey = (await mintKey(dataDir, { models: ["local:*"], name: "client" })).token
  scope = Effect.runSync(Scope.make())
  const layer = fromConfig({
    host: "127.0.0.1",
    port: 0,
    dataDir,
    logLevel: "none",
    healthCheckIntervalMs: 0,
    requireKeys: true,
    accessKeys: [ACCESS_KEY],
    corsOrigins: [ORIGIN],
    maxBodyBytes: 4096,
    providers: { local: { derives: "openai", apiBase: upstream.url, apiKey: UPSTREAM_SECRET } },
    models: { fast: { endpoints: ["local:m"] } },
    categories: { simple: ["local:m"], coding: ["local:m"], reasoning: ["local:m"], vision: ["local:m"] }
  }, { env: {} })
  const context = await Effect.runPromise(Layer.buildWithScope(layer, scope))
  lean = Context.get(context, Server).url
  const mounted = Layer.scopedDiscard(Effect.flatMap(makeHttpApp, (app) => HttpServer.serveEffect(app))).pipe(
    Layer.provideMerge(NodeHttpServer.layer(() => createServer(), { host: "127.0.0.1", port: 0 }))
  )
  const built = await Effect.runPromise(Effect.provide(Layer.buildWithScope(mounted, scope), context))
  const address = Context.get(built, HttpServer.HttpServer).address
  platform = `http://127.0.0.1:${address._tag === "TcpAddress" ? address.port : 0}`
})

afterAll(async () => {
  await Effect.runPromise(Scope.close(scope, Exit.void))
  await upstream?.close()
})

const json = { "content-type": "application/json" }
const key = { authorization: `Bearer ${ACCESS_KEY}` }

/** Headers that differ between any two responses (time) or by listener (its port in nothing else). */
const VOLATILE = new Set(["date", "keep-alive"])

const comparable = (response: RawResponse) => ({
  status: response.status,
  headers: Object.fromEntries(Object.entries(response.headers).filter(([name]) => !VOLATILE.has(name)).sort(([a], [b]) => a.localeCompare(b))),
  body: response.text
})

/** The same request to both listeners; their answers, side by side. */
const both = async (path: string, request: RawRequest) => {
  const fromLean = await rawRequest(`${lean}${path}`, request)
  const fromPlatform = await rawRequest(`${platform}${path}`, request)
  return { lean: fromLean, platform: fromPlatform }
}

const post = (body: unknown, headers: Record<string, string> = { ...json, ...key }): RawRequest => ({
  method: "POST",
  headers,
  body: typeof body === "string" ? body : JSON.stringify(body)
})

const expectSame = async (path: string, request: RawRequest) => {
  const answers = await both(path, request)
  expect(comparable(answers.lean)).toEqual(comparable(answers.platform))
  return answers.lean
}

describe("chat completions: the lean path answers exactly as the platform app", () => {
  it("a complete answer: status, x-llmrouter-* headers, content-length and body", async () => {
    const response = await expectSame("/v1/chat/completions", post(chatBody("fast")))
    expect(response.status).toBe(200)
    expect(response.headers["x-llmrouter-model"]).toBe("local:m")
    expect(response.headers["content-length"]).toBe(String(Buffer.byteLength(response.text)))
  })

  it("a streamed answer: event-stream headers and the same events", async () => {
    const response = await expectSame("/v1/chat/completions", post(chatBody("fast", { stream: true })))
    expect(response.headers["content-type"]).toBe("text/event-stream; charset=utf-8")
    expect(response.text).toContain("data: [DONE]")
  })

  it("the path without /v1, with a query string, and an Anthropic-style x-api-key", async () => {
    await expectSame("/chat/completions", post(chatBody("fast")))
    await expectSame("/v1/chat/completions?trace=1", post(chatBody("fast")))
    expect((await expectSame("/v1/chat/completions", post(chatBody("fast"), { ...json, "x-api-key": ACCESS_KEY }))).status).toBe(200)
  })

  it("auto routing: category, confidence and reason headers", async () => {
    const response = await expectSame("/v1/chat/completions", post(chatBody("llmrouter/auto")))
    expect(response.headers["x-llmrouter-category"]).toBeDefined()
    expect(response.headers["x-llmrouter-reason"]).toBeDefined()
  })

  it("a scoped key: served within its scope, refused outside it", async () => {
    const scoped = { ...json, authorization: `Bearer ${clientKey}` }
    expect((await expectSame("/v1/chat/completions", post(chatBody("local:m"), scoped))).status).toBe(200)
    expect((await expectSame("/v1/chat/completions", post(chatBody("fast"), scoped))).status).toBe(403)
    expect((await expectSame("/v1/chat/completions", post(chatBody("fast"), { ...json, authorization: "Bearer e30.e30.forged" }))).status).toBe(401)
  })

  it("refusals at the edge: no key, a wrong key, a foreign Host, a cross-site page, an allowed origin", async () => {
    const cases: Array<[Record<string, string>, number]> = [
      [json, 401],
      [{ ...json, authorization: "Bearer wrong-key" }, 401],
      [{ ...json, ...key, host: "evil.example" }, 403],
      [{ ...json, ...key, origin: "https://evil.example" }, 403],
      [{ ...json, ...key, "sec-fetch-site": "cross-site" }, 403],
      [{ ...json, ...key, origin: ORIGIN }, 200]
    ]
    for (const [headers, status] of cases) {
      const response = await expectSame("/v1/chat/completions", post(chatBody("fast"), headers))
      expect(response.status, JSON.stringify(headers)).toBe(status)
    }
  })

  it("refusals of the request: content type, size, JSON, nesting, fields, model, idempotency key", async () => {
    const deep = { ...chatBody("fast"), tools: [JSON.parse(`${"[".repeat(80)}${"]".repeat(80)}`)] }
    const cases: Array<[RawRequest, number]> = [
      [post(chatBody("fast"), { "content-type": "text/plain", ...key }), 415],
      [post(chatBody("fast"), key), 415],
      [post({ ...chatBody("fast"), padding: "x".repeat(5000) }), 413],
      [{ ...post({ ...chatBody("fast"), padding: "x".repeat(5000) }), chunked: true }, 413],
      [post("{not json"), 400],
      [post("[1,2]"), 400],
      [post(deep), 400],
      [post({ model: "fast", messages: [{ role: "robot", content: "hi" }] }), 400],
      [post({ model: "fast", messages: [] }), 400],
      [post(chatBody("no-such-model")), 404],
      [post(chatBody("fast"), { ...json, ...key, "idempotency-key": "has spaces" }), 400]
    ]
    for (const [request, status] of cases) {
      const response = await expectSame("/v1/chat/completions", request)
      expect(response.status, request.body?.toString().slice(0, 80)).toBe(status)
    }
  })

  it("an upstream error that echoes a secret: same status, same redacted message", async () => {
    const response = await expectSame("/v1/chat/completions", post({ model: "fast", messages: [{ role: "user", content: "echo the key" }] }))
    expect(response.status).toBe(400)
    expect(response.text).not.toContain(UPSTREAM_SECRET)
  })

  it("other methods and paths are the platform app's (404 unknown_url, 405-style misses)", async () => {
    expect((await expectSame("/v1/chat/completion", post(chatBody("fast")))).status).toBe(404)
    expect((await expectSame("/v1/chat/completions", { method: "GET", headers: key })).status).toBe(404)
  })

  it("a client that hangs up mid-stream leaves the router serving", async () => {
    const socket = connect(Number(new URL(lean).port), "127.0.0.1")
    const body = JSON.stringify(chatBody("fast", { stream: true }))
    socket.write(
      `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${ACCESS_KEY}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
    )
    await new Promise((resolve) => socket.once("data", resolve))
    socket.destroy()
    expect((await expectSame("/v1/chat/completions", post(chatBody("fast")))).status).toBe(200)
  })
})
