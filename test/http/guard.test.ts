/**
 * "Local means local": Host (DNS rebinding), Origin / Sec-Fetch-Site (browser pages) and the
 * optional access keys, checked against the real server with raw `node:http` requests (fetch
 * cannot set `Host`).
 */
import OpenAI from "openai"
import { afterEach, describe, expect, it } from "vitest"
import type { RouterConfigInput } from "../../src/config/schema.js"
import { chatBody, errorOf, rawRequest, Resources } from "../support/http.js"
import { answer, startUpstream, type Upstream } from "../support/openaiUpstream.js"
import { type RunningRouter, startRouter } from "../support/router.js"

const resources = new Resources()
afterEach(() => resources.closeAll())

let upstream: Upstream
const start = async (extra: Partial<RouterConfigInput> = {}): Promise<RunningRouter> => {
  upstream = resources.add(await startUpstream(answer("ok")))
  return resources.add(await startRouter({
    providers: { local: { derives: "openai", apiBase: upstream.url, requiresKey: false } },
    ...extra
  }))
}

const chat = (router: RunningRouter, headers: Record<string, string>) =>
  rawRequest(`${router.baseUrl}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(chatBody("local:m"))
  })

const corsHeaders = (headers: Record<string, unknown>) => Object.keys(headers).filter((name) => name.startsWith("access-control-"))

describe("Host", () => {
  it("refuses a foreign Host with 403 host_not_allowed, before reaching any upstream", async () => {
    const router = await start()
    for (const host of ["evil.example.com", `evil.example.com:${router.info.port}`, "localhost.evil.example.com"]) {
      const response = await chat(router, { host })
      expect(response.status).toBe(403)
      const error = errorOf(response.json)
      expect(error).toMatchObject({ type: "permission_error", code: "host_not_allowed" })
      expect(error.message).toContain(host)
      expect(error.message).toContain("allowedHosts")
    }
    // /health and /v1/models are guarded too
    expect((await rawRequest(`${router.info.url}/health`, { headers: { host: "evil.example.com" } })).status).toBe(403)
    expect((await rawRequest(`${router.baseUrl}/models`, { headers: { host: "evil.example.com" } })).status).toBe(403)
    expect(upstream.received).toHaveLength(0)
  })

  it("accepts localhost and the listen address, with or without the port", async () => {
    const router = await start()
    const port = router.info.port
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, "localhost", "LOCALHOST:1", `[::1]:${port}`]) {
      const response = await chat(router, { host })
      expect(response.status, host).toBe(200)
    }
    expect(upstream.received).toHaveLength(5)
  })

  it("accepts names listed in allowedHosts", async () => {
    const router = await start({ allowedHosts: ["router.lan"] })
    expect((await chat(router, { host: `router.lan:${router.info.port}` })).status).toBe(200)
    expect((await chat(router, { host: "Router.LAN" })).status).toBe(200)
    expect((await chat(router, { host: "other.lan" })).status).toBe(403)
  })
})

describe("Origin", () => {
  it("refuses a browser request from a foreign origin with 403 and no CORS headers", async () => {
    const router = await start()
    const response = await chat(router, { origin: "https://evil.example" })
    expect(response.status).toBe(403)
    const error = errorOf(response.json)
    expect(error).toMatchObject({ type: "permission_error", code: "origin_not_allowed" })
    expect(error.message).toContain("https://evil.example")
    expect(corsHeaders(response.headers)).toEqual([])

    const preflight = await rawRequest(`${router.baseUrl}/chat/completions`, {
      method: "OPTIONS",
      headers: { origin: "https://evil.example", "access-control-request-method": "POST" }
    })
    expect(preflight.status).toBe(403)
    expect(corsHeaders(preflight.headers)).toEqual([])
    expect(upstream.received).toHaveLength(0)
  })

  it("refuses a cross-site fetch that carries no Origin (Sec-Fetch-Site)", async () => {
    const router = await start()
    const response = await chat(router, { "sec-fetch-site": "cross-site" })
    expect(response.status).toBe(403)
    expect(errorOf(response.json).code).toBe("origin_not_allowed")
  })

  it("gives an allowed origin its CORS headers and a 204 preflight", async () => {
    const router = await start({ corsOrigins: ["http://localhost:3000"] })
    const preflight = await rawRequest(`${router.baseUrl}/chat/completions`, {
      method: "OPTIONS",
      headers: {
        origin: "http://localhost:3000",
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type"
      }
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers["access-control-allow-origin"]).toBe("http://localhost:3000")
    expect(preflight.headers["access-control-allow-methods"]).toContain("POST")
    expect(preflight.headers["access-control-allow-headers"]).toContain("authorization")

    const response = await chat(router, { origin: "http://localhost:3000", "sec-fetch-site": "same-site" })
    expect(response.status).toBe(200)
    expect(response.headers["access-control-allow-origin"]).toBe("http://localhost:3000")
    expect(response.headers["access-control-expose-headers"]).toContain("x-llmrouter-model")

    // an allowed origin's error responses carry the CORS headers too, so the page can read them
    const bad = await rawRequest(`${router.baseUrl}/chat/completions`, {
      method: "POST",
      headers: { origin: "http://localhost:3000", "content-type": "application/json" },
      body: "{"
    })
    expect(bad.status).toBe(400)
    expect(bad.headers["access-control-allow-origin"]).toBe("http://localhost:3000")

    const other = await chat(router, { origin: "http://localhost:4000" })
    expect(other.status).toBe(403)
    expect(corsHeaders(other.headers)).toEqual([])
  })

  it("sends no CORS headers to a non-browser caller", async () => {
    const router = await start({ corsOrigins: ["http://localhost:3000"] })
    const response = await chat(router, {})
    expect(response.status).toBe(200)
    expect(corsHeaders(response.headers)).toEqual([])
  })
})

describe("access keys", () => {
  it("401 without or with a wrong bearer, 200 with a right one; /health needs none", async () => {
    const router = await start({ accessKeys: ["k1", "k2-longer-key"] })
    const missing = await chat(router, {})
    expect(missing.status).toBe(401)
    expect(errorOf(missing.json)).toMatchObject({ type: "authentication_error", code: "invalid_api_key" })
    expect(errorOf(missing.json).message).toContain("Authorization: Bearer")

    for (const authorization of ["Bearer k", "Bearer k1x", "Basic k1", "k1", "Bearer "]) {
      const wrong = await chat(router, { authorization })
      expect(wrong.status, authorization).toBe(401)
      expect(errorOf(wrong.json).code).toBe("invalid_api_key")
    }
    expect(upstream.received).toHaveLength(0)

    expect((await chat(router, { authorization: "Bearer k1" })).status).toBe(200)
    expect((await chat(router, { authorization: "bearer k2-longer-key" })).status).toBe(200)
    expect((await rawRequest(`${router.baseUrl}/models`)).status).toBe(401)

    const health = await rawRequest(`${router.info.url}/health`)
    expect(health.status).toBe(200)
    expect(health.json).toMatchObject({ status: "ok" })
    expect(health.text).not.toContain("k1")
  })

  it("works with the OpenAI SDK's apiKey, which is what clients send", async () => {
    const router = await start({ accessKeys: ["k1"] })
    const good = new OpenAI({ baseURL: router.baseUrl, apiKey: "k1", maxRetries: 0 })
    const completion = await good.chat.completions.create({ model: "local:m", messages: [{ role: "user", content: "hi" }] })
    expect(completion.choices[0]?.message.content).toBe("ok")
    // the access key is the router's, never forwarded upstream
    expect(upstream.received[0]?.headers.authorization).toBeUndefined()

    const bad = new OpenAI({ baseURL: router.baseUrl, apiKey: "nope", maxRetries: 0 })
    await expect(bad.chat.completions.create({ model: "local:m", messages: [{ role: "user", content: "hi" }] }))
      .rejects.toBeInstanceOf(OpenAI.AuthenticationError)
  })

  it("a refused Host is refused even with the right key", async () => {
    const router = await start({ accessKeys: ["k1"] })
    const response = await chat(router, { host: "evil.example.com", authorization: "Bearer k1" })
    expect(response.status).toBe(403)
  })
})
