/**
 * Token and money budgets stop a key at the right request, and survive a restart of the router on
 * the same data dir (keys.sqlite). Money is x402 spend attributed to the key's requests.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import { type RunningRouter, startRouter } from "../support/router.js"
import { startUpstream, streamEvents, type Upstream } from "../support/openaiUpstream.js"
import { settledAnswer, x402Script } from "../support/x402.js"
import { ask, client, failure, mintKey, tempDataDir, withAccounts } from "./support.js"

describe("budgets", () => {
  let upstream: Upstream
  let paid: Upstream
  const dataDir = tempDataDir()
  const config = () => ({
    dataDir,
    providers: {
      openai: { apiBase: upstream.url },
      paid: { derives: "openai" as const, apiBase: paid.url, requiresKey: false }
    }
  })
  const start = () => startRouter(config(), { env: { OPENAI_API_KEY: "sk-test" } })
  let router: RunningRouter

  beforeAll(async () => {
    upstream = await startUpstream() // usage: 8 tokens per answer
    paid = await startUpstream(x402Script(settledAnswer())) // 0.001 USDC per answer
    router = await start()
  })
  afterAll(async () => {
    await router.close()
    await upstream.close()
    await paid.close()
  })

  it("a token budget stops the key at the request that would start past it, and a restart does not reset it", async () => {
    const { token } = await mintKey(dataDir, { all: true, budgetTokens: 20, name: "tokens" })
    const openai = client(router.baseUrl, token)
    for (let i = 0; i < 3; i++) await ask(openai, "openai:gpt-a") // 8, 16, 24 tokens
    const stopped = await failure(ask(openai, "openai:gpt-a"))
    expect(stopped.status).toBe(403)
    expect(stopped.code).toBe("key_budget_exhausted")
    expect(stopped.message).toContain("24 of 20 tokens")
    const upstreamCalls = upstream.received.length

    await router.close()
    router = await start()
    const again = await failure(ask(client(router.baseUrl, token), "openai:gpt-a"))
    expect(again.code).toBe("key_budget_exhausted")
    expect(upstream.received.length).toBe(upstreamCalls)
  })

  it("a money budget counts x402 payments made for the key, and survives a restart", async () => {
    const { token, key } = await mintKey(dataDir, { all: true, budgetUsdMicro: 2_000, name: "money" }) // $0.002
    const openai = client(router.baseUrl, token)
    expect((await ask(openai, "paid:m")).choices[0]?.message.content).toBe("paid answer")
    expect((await ask(openai, "paid:m")).choices[0]?.message.content).toBe("paid answer")
    const stopped = await failure(ask(openai, "paid:m"))
    expect(stopped.status).toBe(403)
    expect(stopped.message).toContain("0.002000 of 0.002000 USD")
    expect((await withAccounts(dataDir, (a) => a.showKey(key.jti))).usage.spentUsd).toBe("0.002000")

    await router.close()
    router = await start()
    expect((await failure(ask(client(router.baseUrl, token), "paid:m"))).code).toBe("key_budget_exhausted")
  })

  it("a streamed answer's tokens are counted when the stream ends", async () => {
    const { token, key } = await mintKey(dataDir, { all: true, name: "streamer" })
    const openai = client(router.baseUrl, token)
    const stream = await openai.chat.completions.create({ model: "openai:gpt-a", messages: [{ role: "user", content: "hello" }], stream: true })
    let text = ""
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? ""
    expect(text).toBe("Hello from upstream")
    expect(streamEvents.length).toBeGreaterThan(0)
    // Counted when the stream ends (just after the client's last event) and written soon after.
    const shown = await vi.waitFor(async () => {
      const view = await withAccounts(dataDir, (a) => a.showKey(key.jti))
      expect(view.usage.requests).toBe(1)
      return view
    }, { timeout: 10_000 })
    expect(shown.usage.tokens).toBeGreaterThan(0) // estimated: this stream carries no usage chunk
  })
})
