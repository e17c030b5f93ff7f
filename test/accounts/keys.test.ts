/**
 * Scoped keys through the real HTTP server, with the official OpenAI SDK as the caller: scope,
 * the distinct 401s (expired, tampered, wrong account, revoked), rpm → 429 + Retry-After.
 */
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RunningRouter, startRouter } from "../support/router.js"
import { startUpstream, type Upstream } from "../support/openaiUpstream.js"
import { ask, client, failure, mintKey, tempDataDir, withAccounts } from "./support.js"

describe("scoped keys", () => {
  let upstream: Upstream
  let router: RunningRouter
  const dataDir = tempDataDir()

  beforeAll(async () => {
    upstream = await startUpstream()
    await mintKey(dataDir, { all: true, name: "bootstrap" })
    router = await startRouter({ dataDir, providers: { openai: { apiBase: upstream.url } } }, { env: { OPENAI_API_KEY: "sk-test" } })
  })
  afterAll(async () => {
    await router.close()
    await upstream.close()
  })

  it("a key scoped to one model works there and gets 403 naming the model and the scope elsewhere", async () => {
    const { token } = await mintKey(dataDir, { models: ["openai:gpt-a"], name: "only-a" })
    const openai = client(router.baseUrl, token)
    const answer = await ask(openai, "openai:gpt-a")
    expect(answer.choices[0]?.message.content).toBe("Hello from upstream")
    const calls = upstream.received.length
    const refused = await failure(ask(openai, "openai:gpt-b"))
    expect(refused.status).toBe(403)
    expect(refused.code).toBe("model_not_in_scope")
    expect(refused.message).toContain("'openai:gpt-b'")
    expect(refused.message).toContain("openai:gpt-a")
    expect(upstream.received.length).toBe(calls) // refused before routing
  })

  it("/stats shows each key's usage and remaining budget, never the token", async () => {
    const { token } = await mintKey(dataDir, { models: ["openai:gpt-a"], name: "visible", budgetTokens: 1000 })
    await ask(client(router.baseUrl, token), "openai:gpt-a")
    const response = await fetch(`${router.info.url}/stats`)
    const text = await response.text()
    const stats = JSON.parse(text) as { keys: Array<{ name: string; usage: { requests: number; tokens: number }; remaining: { tokens: number | null } }> }
    const key = stats.keys.find((k) => k.name === "visible")
    expect(key?.usage.requests).toBe(1)
    expect(key?.usage.tokens).toBeGreaterThan(0)
    expect(key?.remaining.tokens).toBe(1000 - (key?.usage.tokens ?? 0))
    expect(text).not.toContain(token.split(".")[2])
  })

  it("patterns: openai:* admits any openai model", async () => {
    const { token } = await mintKey(dataDir, { models: ["openai:*"], name: "any-openai" })
    const answer = await ask(client(router.baseUrl, token), "openai:gpt-z")
    expect(answer.choices[0]?.message.content).toBe("Hello from upstream")
  })

  it("expired, tampered, wrong-account and revoked keys get 401 with distinct messages", async () => {
    const { token: shortLived } = await mintKey(dataDir, { all: true, expiresInSeconds: 1, name: "short" })
    const { token: good } = await mintKey(dataDir, { models: ["openai:gpt-a"], name: "to-tamper" })
    const { token: foreign } = await mintKey(tempDataDir(), { all: true, name: "elsewhere" })
    const { token: revoked, key } = await mintKey(dataDir, { all: true, name: "to-revoke" })
    expect((await ask(client(router.baseUrl, revoked), "openai:gpt-a")).choices).toHaveLength(1)
    await withAccounts(dataDir, (accounts) => accounts.revokeKey(key.jti))

    const [header, payload, signature] = good.split(".") as [string, string, string]
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...claims, models: ["*"] })).toString("base64url")}.${signature}`

    await new Promise((resolve) => setTimeout(resolve, 2100))
    const outcomes = await Promise.all([shortLived, tampered, foreign, revoked].map((t) => failure(ask(client(router.baseUrl, t), "openai:gpt-a"))))
    expect(outcomes.map((e) => e.status)).toEqual([401, 401, 401, 401])
    expect(outcomes.map((e) => e.code)).toEqual(["key_expired", "invalid_signature", "unknown_account", "key_revoked"])
    expect(new Set(outcomes.map((e) => e.message)).size).toBe(4)
    expect(outcomes[0]?.message).toContain("expired")
    expect(outcomes[3]?.message).toContain("revoked")
    // The token is never echoed back.
    for (const [i, t] of [shortLived, tampered, foreign, revoked].entries()) expect(outcomes[i]?.message).not.toContain(t.split(".")[2])
  }, 15_000)

  it("revocation from another process takes effect on the next request", async () => {
    const { token, key } = await mintKey(dataDir, { all: true, name: "live-revoke" })
    const openai = client(router.baseUrl, token)
    await ask(openai, "openai:gpt-a")
    // A separate Accounts instance (as the CLI would be) writes the revocation.
    await withAccounts(dataDir, (accounts) => accounts.revokeKey("live-revoke"))
    expect((await failure(ask(openai, "openai:gpt-a"))).code).toBe("key_revoked")
    const shown = await withAccounts(dataDir, (accounts) => accounts.showKey(key.jti))
    expect(shown.status).toBe("revoked")
    expect(shown.usage.requests).toBe(1)
  })

  it("an rpm limit answers 429 with Retry-After", async () => {
    const { token } = await mintKey(dataDir, { all: true, rpm: 2, name: "slow" })
    const openai = client(router.baseUrl, token)
    await ask(openai, "openai:gpt-a")
    await ask(openai, "openai:gpt-a")
    const limited = await failure(ask(openai, "openai:gpt-a"))
    expect(limited.status).toBe(429)
    expect(limited.code).toBe("key_rate_limited")
    const retryAfter = Number(limited.headers?.get("retry-after"))
    expect(retryAfter).toBeGreaterThanOrEqual(1)
    expect(retryAfter).toBeLessThanOrEqual(60)
  })

  it("requests without a key keep working on loopback; plain text bearer values still go to accessKeys", async () => {
    const answer = await ask(client(router.baseUrl, "not-a-jwt"), "openai:gpt-a")
    expect(answer.choices[0]?.message.content).toBe("Hello from upstream")
  })

  it("keys list reports usage per key, never the token", async () => {
    const { token } = await mintKey(dataDir, { all: true, name: "counted" })
    await ask(client(router.baseUrl, token), "openai:gpt-a")
    const list = await withAccounts(dataDir, (accounts) => accounts.listKeys)
    const counted = list.find((k) => k.name === "counted")
    expect(counted?.usage).toMatchObject({ requests: 1, tokens: 8 })
    expect(JSON.stringify(list)).not.toContain(token.split(".")[2])
    await expect(withAccounts(dataDir, (accounts) => Effect.flip(accounts.showKey("nope")))).resolves.toMatchObject({ _tag: "AccountError" })
  })
})
