/**
 * End to end, on a local Base: the router in front of the official `@x402/express` middleware and
 * facilitator, settling real FiatTokenV2_2 transfers on anvil (shared/x402.md, recipe A), one router
 * and two sharing a store. Skipped,
 * with the reason, only when the anvil binary cannot run on this machine.
 */
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import OpenAI from "openai"
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { chatBody, errorOf, postJson } from "../support/http.js"
import { startRouter, type RunningRouter } from "../support/router.js"
import { findAnvil, type LocalChain, type PaidUpstream, startChain, startPaidUpstream, startV1Upstream } from "../support/x402Chain.js"

const anvil = findAnvil()
if (!anvil.ok) console.warn(`x402 end-to-end tests skipped: ${anvil.reason}`)

const PRICE = 1_000n // "$0.001" in USDC atomic units

describe.skipIf(!anvil.ok)("x402 end to end (anvil + FiatTokenV2_2 + @x402/express + official facilitator)", () => {
  let chain: LocalChain
  let upstream: PaidUpstream
  let v1: Awaited<ReturnType<typeof startV1Upstream>>
  let router: RunningRouter
  let broke: RunningRouter
  // Two routers sharing one store (a data dir on one machine): one payment per Idempotency-Key between them.
  let twins: readonly [RunningRouter, RunningRouter]
  // Fresh keys for this run only: funded with local test USDC, worthless anywhere else.
  const payerKey = generatePrivateKey()
  const payer = privateKeyToAccount(payerKey).address
  const started = Date.now()

  beforeAll(async () => {
    if (!anvil.ok) return
    chain = await startChain(anvil.path)
    await chain.mint(payer, 10_000_000n)
    upstream = await startPaidUpstream(chain, { cheap: "$0.001", pricey: "$0.10" })
    v1 = await startV1Upstream(chain, "2000")
    const providers = {
      paid: { derives: "openai" as const, apiBase: upstream.base("cheap"), requiresKey: false },
      pricey: { derives: "openai" as const, apiBase: upstream.base("pricey"), requiresKey: false },
      legacy: { derives: "openai" as const, apiBase: v1.base, requiresKey: false }
    }
    const models = { thrifty: { endpoints: ["pricey:m", "paid:m"] as const } }
    router = await startRouter({ providers, models, wallet: { rpcUrl: chain.rpcUrl } }, { env: { LLM_ROUTER_WALLET_KEY: payerKey } })
    // A wallet with no USDC at all: the upstream refuses its payment with a second 402.
    broke = await startRouter({ providers, wallet: { rpcUrl: chain.rpcUrl } }, { env: { LLM_ROUTER_WALLET_KEY: generatePrivateKey() } })
    const shared = mkdtempSync(Path.join(tmpdir(), "llmrouter-twins-"))
    const twin = () => startRouter({ dataDir: shared, providers, wallet: { rpcUrl: chain.rpcUrl } }, { env: { LLM_ROUTER_WALLET_KEY: payerKey } })
    twins = [await twin(), await twin()]
  }, 30_000)

  afterAll(async () => {
    await Promise.all([router?.close(), broke?.close(), ...(twins ?? []).map((t) => t.close()), upstream?.close(), v1?.close()])
    await chain?.stop()
    console.info(`x402 end-to-end suite: ${Date.now() - started} ms including chain setup`)
  })

  it("the planted USDC has Base's EIP-712 domain separator (our pinned table)", async () => {
    expect(await chain.domainSeparator()).toBe("0x02fa7265e7c5d81118673727957699e4d68f74cd74b7db77da710fe8a2c7834f")
  })

  it("pays a v2 402 once: 200 with the completion, two upstream calls, balance down by exactly the price", async () => {
    const before = await chain.balanceOf(payer)
    const payee = await chain.balanceOf(chain.payTo)
    const calls = upstream.calls("cheap").length
    const response = await postJson(`${router.baseUrl}/chat/completions`, chatBody("paid:m"))
    expect(response.status).toBe(200)
    expect((response.json as { choices: Array<{ message: { content: string } }> }).choices[0]?.message.content).toBe("paid answer from cheap")
    expect(upstream.calls("cheap").slice(calls).map((c) => c.paid)).toEqual([false, true])
    expect(await chain.balanceOf(payer)).toBe(before - PRICE)
    expect(await chain.balanceOf(chain.payTo)).toBe(payee + PRICE)
    expect(response.headers["x-llmrouter-payment"]).toBe("settled")
    expect(response.headers["x-llmrouter-payment-tx"]).toMatch(/^0x[0-9a-f]{64}$/)
    expect(response.headers["x-llmrouter-model"]).toBe("paid:m")
  })

  it("pays a streamed request the same way", async () => {
    const before = await chain.balanceOf(payer)
    const response = await postJson(`${router.baseUrl}/chat/completions`, chatBody("paid:m", { stream: true }))
    expect(response.status).toBe(200)
    expect(response.text).toContain("paid ")
    expect(response.text).toContain("data: [DONE]")
    expect(await chain.balanceOf(payer)).toBe(before - PRICE)
  })

  it("refuses a price over the per-payment cap: nothing signed, one upstream call, a 402 for the client", async () => {
    const before = await chain.balanceOf(payer)
    const response = await postJson(`${router.baseUrl}/chat/completions`, chatBody("pricey:m"))
    expect(response.status).toBe(402)
    expect(errorOf(response.json).message).toContain("over the per-payment cap")
    expect(upstream.calls("pricey")).toEqual([{ paid: false, header: undefined }])
    expect(await chain.balanceOf(payer)).toBe(before)
  })

  it("a refused 402 fails over like any upstream error, to an endpoint it may pay", async () => {
    const before = await chain.balanceOf(payer)
    const pricey = upstream.calls("pricey").length
    const response = await postJson(`${router.baseUrl}/chat/completions`, chatBody("thrifty"))
    expect(response.status).toBe(200)
    expect(response.headers["x-llmrouter-model"]).toBe("paid:m")
    expect(upstream.calls("pricey").slice(pricey).map((c) => c.paid)).toEqual([false])
    expect(await chain.balanceOf(payer)).toBe(before - PRICE)
  })

  it("a second 402 after paying is not paid again, and the client (OpenAI SDK, 2 retries) does not retry it", async () => {
    const calls = upstream.calls("cheap").length
    const client = new OpenAI({ baseURL: broke.baseUrl, apiKey: "unused", maxRetries: 2 })
    const error = await client.chat.completions.create({ model: "paid:m", messages: [{ role: "user", content: "hi" }] }).then(
      () => undefined,
      (e: unknown) => e
    )
    expect(error).toBeInstanceOf(OpenAI.APIError)
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(402)
    expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe("payment_rejected")
    // the facilitator's reason, passed on (without Multicall3 on the chain it cannot say "insufficient balance")
    expect((error as Error).message).toMatch(/refused the payment of 0\.001 USDC on Base to 0x[0-9a-fA-F]{40}: invalid_exact_evm_/)
    const made = upstream.calls("cheap").slice(calls)
    expect(made.map((c) => c.paid)).toEqual([false, true])
  })

  it("an Idempotency-Key that was paid for is not paid again", async () => {
    const before = await chain.balanceOf(payer)
    const calls = upstream.calls("cheap").length
    const first = await postJson(`${router.baseUrl}/chat/completions`, chatBody("paid:m"), { "idempotency-key": "e2e-key-1" })
    expect(first.status).toBe(200)
    const again = await postJson(`${router.baseUrl}/chat/completions`, chatBody("paid:m"), { "idempotency-key": "e2e-key-1" })
    expect(again.status).toBe(400)
    expect(errorOf(again.json).code).toBe("idempotency_key_already_paid")
    expect(upstream.calls("cheap").slice(calls).map((c) => c.paid)).toEqual([false, true, false])
    expect(await chain.balanceOf(payer)).toBe(before - PRICE)
  })

  it("two routers sharing a store, one Idempotency-Key sent to both at once: paid and settled once", async () => {
    const before = await chain.balanceOf(payer)
    const calls = upstream.calls("cheap").length
    const key = { "idempotency-key": "e2e-twins-1" }
    const responses = await Promise.all(twins.map((t) => postJson(`${t.baseUrl}/chat/completions`, chatBody("paid:m"), key)))
    expect(responses.map((r) => r.status).sort()).toEqual([200, 400])
    expect(errorOf(responses.find((r) => r.status === 400)?.json).code).toBe("idempotency_key_already_paid")
    expect(upstream.calls("cheap").slice(calls).filter((c) => c.paid)).toHaveLength(1)
    expect(await chain.balanceOf(payer)).toBe(before - PRICE)
  })

  it("pays a v1 upstream with X-PAYMENT and reads its X-PAYMENT-RESPONSE", async () => {
    const before = await chain.balanceOf(payer)
    const response = await postJson(`${router.baseUrl}/chat/completions`, chatBody("legacy:m"))
    expect(response.status).toBe(200)
    expect((response.json as { choices: Array<{ message: { content: string } }> }).choices[0]?.message.content).toBe("paid answer from v1")
    expect(v1.calls).toEqual([{ paid: false }, { paid: true }])
    expect(response.headers["x-llmrouter-payment"]).toBe("settled")
    expect(await chain.balanceOf(payer)).toBe(before - 2_000n)
  })

  it("GET /wallet shows the address, the env source and the on-chain balance", async () => {
    const wallet = await fetch(`${router.info.url}/wallet`).then((r) => r.json() as Promise<Record<string, unknown>>)
    expect(wallet).toMatchObject({ address: payer, source: "env", network: "eip155:8453", keyFile: null })
    expect(wallet.balanceAtomic).toBe(String(await chain.balanceOf(payer)))
    expect(JSON.stringify(wallet)).not.toContain(payerKey.slice(2))
  })

  it("/stats reports each wallet's balance for the status page: the funded one's USDC, 0 for the broke one", async () => {
    type Reading = { readonly balance: string | null; readonly balanceAtomic: string | null; readonly symbol: string } | null
    const balanceOf = async (r: RunningRouter) => {
      const stats = (await fetch(`${r.info.url}/stats`).then((res) => res.json())) as { wallet: { balance: Reading } | null }
      return stats.wallet?.balance ?? null
    }
    // Read in the background: the first look starts the reading, a later one shows it.
    await expect.poll(() => balanceOf(router), { timeout: 10_000 }).not.toBeNull()
    const funded = await balanceOf(router)
    expect(funded).toMatchObject({ symbol: "USDC", balanceAtomic: String(await chain.balanceOf(payer)) })
    expect(Number(funded?.balance)).toBeGreaterThan(0)
    await expect.poll(() => balanceOf(broke), { timeout: 10_000 }).toMatchObject({ balance: "0.00", balanceAtomic: "0" })
  })

})
