/**
 * Two audiences (issue 13, items 1, 3, 7, 8, 9): clients reach `/v1/*`, operators reach the
 * reports, the wallet and `/health` details. Checked against the real server with raw requests.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { chatBody, errorOf, postJson, rawRequest } from "../support/http.js"
import { answer, startUpstream, type Upstream } from "../support/openaiUpstream.js"
import { type RunningRouter, startRouter } from "../support/router.js"
import { mintKey, tempDataDir } from "../accounts/support.js"

const ADMIN_PATHS = ["/stats", "/metrics", "/wallet", "/v1/wallet", "/", "/status"]
const ACCESS_KEY = "operator-access-key-123"

const get = (router: RunningRouter, path: string, headers: Record<string, string> = {}) => rawRequest(`${router.info.url}${path}`, { headers })
const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

describe("with keys required", () => {
  let upstream: Upstream
  let router: RunningRouter
  let clientKey: string
  let adminKey: string
  beforeAll(async () => {
    upstream = await startUpstream(answer("ok"))
    const dataDir = tempDataDir()
    clientKey = (await mintKey(dataDir, { models: ["local:*"], name: "client" })).token
    adminKey = (await mintKey(dataDir, { admin: true, name: "dashboard" })).token
    const apiBase = upstream.url.replace("http://", "http://user:url-password-xyz@") + "?token=query-secret-xyz"
    router = await startRouter({
      dataDir,
      requireKeys: true,
      accessKeys: [ACCESS_KEY],
      providers: { local: { derives: "openai", apiBase, requiresKey: false } }
    })
  })
  afterAll(async () => {
    await router?.close()
    await upstream?.close()
  })

  it("/health without a key says only whether the router is up", async () => {
    for (const headers of [{}, bearer(clientKey)]) {
      const response = await get(router, "/health", headers)
      expect(response.status).toBe(200)
      expect(response.json).toEqual({ status: "ok" })
    }
  })

  it("/health details need an admin key, and never show URL credentials or query secrets", async () => {
    for (const headers of [bearer(ACCESS_KEY), bearer(adminKey)]) {
      const response = await get(router, "/health", headers)
      expect(response.status).toBe(200)
      expect((response.json as { providers: Array<{ name: string; apiBase: string }> }).providers.find((p) => p.name === "local")?.apiBase)
        .toBe(upstream.url)
      expect(response.text).not.toContain("url-password-xyz")
      expect(response.text).not.toContain("query-secret-xyz")
    }
  })

  it("admin surfaces: 401 without a key (connection closed), 403 for a client key, served to admin keys", async () => {
    for (const path of ADMIN_PATHS) {
      const anonymous = await get(router, path)
      expect(anonymous.status, path).toBe(401)
      expect(anonymous.headers.connection, path).toBe("close")
      errorOf(anonymous.json)
      const client = await get(router, path, bearer(clientKey))
      expect(client.status, path).toBe(403)
      expect(client.headers.connection, path).toBe("close")
      expect(errorOf(client.json)).toMatchObject({ type: "permission_error", code: "admin_key_required" })
      for (const key of [ACCESS_KEY, adminKey]) {
        const admin = await get(router, path, bearer(key))
        expect([200, 503], `${path} as admin`).toContain(admin.status) // /wallet: 503 when no wallet can be read
      }
    }
  })

  it("the status page asks a browser for the key (Basic) and accepts it as the password", async () => {
    const prompt = await get(router, "/")
    expect(prompt.status).toBe(401)
    expect(prompt.headers["www-authenticate"]).toMatch(/^Basic realm="llmrouter"/)
    const basic = (key: string) => ({ authorization: `Basic ${Buffer.from(`admin:${key}`).toString("base64")}` })
    expect((await get(router, "/", basic(ACCESS_KEY))).status).toBe(200)
    expect((await get(router, "/stats", basic(adminKey))).status).toBe(200)
    expect((await get(router, "/stats", basic("wrong-key"))).status).toBe(401)
  })

  it("clients reach /v1/* with any key (Bearer or x-api-key); without one they get 401", async () => {
    expect((await get(router, "/v1/models")).status).toBe(401)
    expect((await get(router, "/v1/models", bearer(clientKey))).status).toBe(200)
    expect((await get(router, "/v1/models", { "x-api-key": clientKey })).status).toBe(200)
    expect((await postJson(`${router.baseUrl}/chat/completions`, chatBody("local:m"), bearer(clientKey))).status).toBe(200)
    expect((await postJson(`${router.baseUrl}/chat/completions`, chatBody("local:m"), bearer(ACCESS_KEY))).status).toBe(200)
    const wrong = await postJson(`${router.baseUrl}/chat/completions`, chatBody("local:m"), bearer("not-a-key"))
    expect(wrong.status).toBe(401)
    expect(wrong.headers.connection).toBe("close")
  })
})

describe("on loopback without keys", () => {
  let upstream: Upstream
  let router: RunningRouter
  beforeAll(async () => {
    upstream = await startUpstream(answer("ok"))
    router = await startRouter({ providers: { local: { derives: "openai", apiBase: upstream.url, requiresKey: false } } })
  })
  afterAll(async () => {
    await router?.close()
    await upstream?.close()
  })

  it("the operator reaches everything as before, with or without a placeholder key", async () => {
    for (const path of ["/stats", "/metrics", "/", "/health"]) expect((await get(router, path)).status, path).toBe(200)
    expect((await get(router, "/health")).json).toHaveProperty("providers")
    expect((await postJson(`${router.baseUrl}/chat/completions`, chatBody("local:m"), bearer("sk-placeholder"))).status).toBe(200)
  })

  it("a JWT-shaped bearer is verified or refused: alg none with an empty signature gets 401", async () => {
    const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url")
    const before = upstream.received.length
    for (const token of [
      `${part({ alg: "none", typ: "JWT" })}.${part({ models: ["*"], name: "x", jti: "key_x", iss: "llmrouter" })}.`,
      `${part({ alg: "none" })}.${part({})}.x`,
      "aaaa.bbbb.",
      `${part({ alg: "EdDSA", kid: "acct_unknown" })}.${part({ models: ["*"] })}.c2lnbmF0dXJl`
    ]) {
      const response = await postJson(`${router.baseUrl}/chat/completions`, chatBody("local:m"), bearer(token))
      expect(response.status, token).toBe(401)
      expect(errorOf(response.json).type).toBe("authentication_error")
    }
    expect(upstream.received.length).toBe(before)
  })

  it("refuses a Host that only starts like a loopback address", async () => {
    for (const host of ["[::1]evil.example", "[::1]:80evil", "[::1].evil.example", "127.0.0.1 evil", "::1", "localhost:80:80", "[evil]"]) {
      const response = await rawRequest(`${router.info.url}/health`, { headers: { host } })
      expect(response.status, host).toBe(403)
    }
    expect((await rawRequest(`${router.info.url}/health`, { headers: { host: "[::1]:8787" } })).status).toBe(200)
  })

  it("refuses a POST whose body is not declared JSON with 415, before routing", async () => {
    const before = upstream.received.length
    const body = JSON.stringify(chatBody("local:m"))
    for (const contentType of ["text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", undefined]) {
      const response = await rawRequest(`${router.baseUrl}/chat/completions`, {
        method: "POST",
        headers: contentType === undefined ? {} : { "content-type": contentType },
        body
      })
      expect(response.status, contentType).toBe(415)
      expect(errorOf(response.json)).toMatchObject({ type: "invalid_request_error", code: "unsupported_media_type" })
    }
    expect(upstream.received.length).toBe(before)
    for (const contentType of ["application/json; charset=utf-8", "Application/JSON"]) {
      const response = await rawRequest(`${router.baseUrl}/chat/completions`, { method: "POST", headers: { "content-type": contentType }, body })
      expect(response.status, contentType).toBe(200)
    }
  })
})
