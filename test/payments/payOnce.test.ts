/**
 * The router's pay-once discipline against x402 upstreams simulated over real HTTP (no chain):
 * what is paid, what is never paid twice, and which status the client gets after a signature.
 */
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import OpenAI from "openai"
import { recoverTypedDataAddress } from "viem"
import { privateKeyToAccount } from "viem/accounts"
import { afterEach, describe, expect, it } from "vitest"
import { TRANSFER_WITH_AUTHORIZATION_TYPES } from "../../src/payments/authorization.js"
import { openLedger } from "../store/openLedger.js"
import { chatBody, errorOf, postJson } from "../support/http.js"
import { answer, openAiError, reply, startUpstream, type Upstream } from "../support/openaiUpstream.js"
import { startRouter } from "../support/router.js"
import { BASE_USDC } from "../../src/config/payments.js"
import { PAY_TO, paymentOf, settledAnswer, x402Script } from "../support/x402.js"

// A throwaway key from public documentation: never funded.
const KEY = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
const ADDRESS = privateKeyToAccount(KEY).address

const open: Array<{ close(): Promise<void> }> = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((r) => r.close()))
})
const track = <T extends { close(): Promise<void> }>(resource: T) => {
  open.push(resource)
  return resource
}

/** Two keyless providers in front of two upstreams; `chain` fails over from the first to the second. */
const setup = async (first: Upstream, second?: Upstream, extra: Record<string, unknown> = {}) => {
  const dataDir = mkdtempSync(Path.join(tmpdir(), "llmrouter-pay-"))
  const router = track(await startRouter({
    dataDir,
    providers: {
      paid: { derives: "openai", apiBase: first.url, requiresKey: false },
      ...(second === undefined ? {} : { other: { derives: "openai", apiBase: second.url, requiresKey: false } })
    },
    models: { chain: { endpoints: second === undefined ? ["paid:m"] : ["paid:m", "other:m"] } },
    ...extra
  }, { env: { LLM_ROUTER_WALLET_KEY: KEY } }))
  return { router, dataDir }
}

const ledgerRows = async (dataDir: string) => {
  const ledger = openLedger(dataDir)
  try {
    return await ledger.recent(10)
  } finally {
    await ledger.close()
  }
}

describe("pay once", () => {
  it("signs a valid EIP-3009 authorization, echoes the requirement, and retries the same request once", async () => {
    const upstream = track(await startUpstream(x402Script(settledAnswer())))
    const { dataDir, router } = await setup(upstream)
    const response = await postJson(`${router.baseUrl}/chat/completions`, chatBody("chain"))
    expect(response.status).toBe(200)
    expect(upstream.received).toHaveLength(2)
    expect(upstream.received[1]?.raw.equals(upstream.received[0]!.raw)).toBe(true) // same body
    const payment = paymentOf(upstream.received[1]!.headers) as {
      x402Version: number
      accepted: Record<string, unknown>
      payload: { signature: `0x${string}`; authorization: Record<string, string> }
    }
    expect(payment.x402Version).toBe(2)
    expect(payment.accepted).toMatchObject({ scheme: "exact", amount: "1000", payTo: PAY_TO, extra: { name: "USD Coin", version: "2" } })
    const a = payment.payload.authorization
    expect(a).toMatchObject({ from: ADDRESS, to: PAY_TO, value: "1000" })
    const now = Math.floor(Date.now() / 1000)
    expect(Number(a.validBefore) - now).toBeLessThanOrEqual(60) // the challenge's 60 s, under our 300 s cap
    expect(Number(a.validBefore) - now).toBeGreaterThan(50)
    const signer = await recoverTypedDataAddress({
      domain: { name: "USD Coin", version: "2", chainId: 8453, verifyingContract: BASE_USDC },
      types: TRANSFER_WITH_AUTHORIZATION_TYPES,
      primaryType: "TransferWithAuthorization",
      message: {
        from: a.from as `0x${string}`,
        to: a.to as `0x${string}`,
        value: BigInt(a.value!),
        validAfter: BigInt(a.validAfter!),
        validBefore: BigInt(a.validBefore!),
        nonce: a.nonce as `0x${string}`
      },
      signature: payment.payload.signature
    })
    expect(signer).toBe(ADDRESS)
    expect(await ledgerRows(dataDir)).toMatchObject([{ status: "settled", amount: "1000", txHash: `0x${"ab".repeat(32)}` }])
  })

  it("a 402 that is not x402 is an ordinary upstream error: failover, nothing signed", async () => {
    const billing = track(await startUpstream((_req, res) => reply(res, 402, openAiError("Insufficient credits", "billing"))))
    const other = track(await startUpstream(answer("from the other one")))
    const { dataDir, router } = await setup(billing, other)
    const response = await postJson(`${router.baseUrl}/chat/completions`, chatBody("chain"))
    expect(response.status).toBe(200)
    expect(response.headers["x-llmrouter-model"]).toBe("other:m")
    expect(billing.received).toHaveLength(1)
    expect(await ledgerRows(dataDir)).toEqual([])
  })

  it("after the paid request's connection drops: no retry, no failover, a 402 that says the payment may have settled", async () => {
    const dropper = track(await startUpstream(x402Script((_req, res) => {
      res.socket?.destroy()
    })))
    const other = track(await startUpstream(answer("never")))
    const { dataDir, router } = await setup(dropper, other)
    const response = await postJson(`${router.baseUrl}/chat/completions`, chatBody("chain"))
    expect(response.status).toBe(402)
    const error = errorOf(response.json)
    expect(error.code).toBe("payment_outcome_unknown")
    expect(error.message).toContain("may have settled")
    expect(error.message).toContain("does not retry or fail over")
    expect(dropper.received).toHaveLength(2)
    expect(other.received).toHaveLength(0)
    expect(await ledgerRows(dataDir)).toMatchObject([{ status: "unknown" }])
  })

  it("a 5xx after paying is not retried on the same endpoint (it would be) nor failed over", async () => {
    const failing = track(await startUpstream(x402Script((_req, res) => reply(res, 503, openAiError("overloaded", "server_error")))))
    const other = track(await startUpstream(answer("never")))
    const { router } = await setup(failing, other)
    const client = new OpenAI({ baseURL: router.baseUrl, apiKey: "unused", maxRetries: 2 })
    const error = await client.chat.completions.create({ model: "chain", messages: [{ role: "user", content: "hi" }] }).catch((e: unknown) => e)
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(402)
    expect(failing.received).toHaveLength(2) // the SDK did not retry either
    expect(other.received).toHaveLength(0)
  })

  it("a 4xx answer to the paid request comes back as a 402 with the upstream's reason", async () => {
    const refusing = track(await startUpstream(x402Script((_req, res) => reply(res, 400, openAiError("context too long")))))
    const other = track(await startUpstream(answer("never")))
    const { dataDir, router } = await setup(refusing, other)
    const response = await postJson(`${router.baseUrl}/chat/completions`, chatBody("chain"))
    expect(response.status).toBe(402)
    expect(errorOf(response.json)).toMatchObject({ code: "payment_upstream_error" })
    expect(errorOf(response.json).message).toContain("context too long")
    expect(other.received).toHaveLength(0)
    expect(await ledgerRows(dataDir)).toMatchObject([{ status: "rejected" }])
  })

  it("the total deadline expiring during the paid request is a 402 (never a 504 the client would retry)", async () => {
    const slow = track(await startUpstream(x402Script(() => undefined))) // never answers the paid request
    const { dataDir, router } = await setup(slow, undefined, { timeouts: { totalMs: 800 } })
    const response = await postJson(`${router.baseUrl}/chat/completions`, chatBody("chain"))
    expect(response.status).toBe(402)
    expect(errorOf(response.json).code).toBe("payment_outcome_unknown")
    expect(slow.received).toHaveLength(2)
    expect(await ledgerRows(dataDir)).toMatchObject([{ status: "unknown" }])
  })

  it("the daily cap stops payments (recorded before signing), and a refused 402 still fails over", async () => {
    const upstream = track(await startUpstream(x402Script(settledAnswer())))
    const other = track(await startUpstream(answer("from the other one")))
    const { dataDir, router } = await setup(upstream, other, { payments: { maxDailyUsd: 0.0015 } })
    expect((await postJson(`${router.baseUrl}/chat/completions`, chatBody("chain"))).headers["x-llmrouter-model"]).toBe("paid:m")
    const second = await postJson(`${router.baseUrl}/chat/completions`, chatBody("chain"))
    expect(second.status).toBe(200)
    expect(second.headers["x-llmrouter-model"]).toBe("other:m")
    expect(upstream.received.map((r) => paymentOf(r.headers) !== undefined)).toEqual([false, true, false])
    expect(await ledgerRows(dataDir)).toHaveLength(1)
    const alone = await postJson(`${router.baseUrl}/chat/completions`, chatBody("paid:m"))
    expect(alone.status).toBe(402)
    expect(errorOf(alone.json).message).toContain("daily cap")
  })

  it("with payments disabled nothing is signed", async () => {
    const upstream = track(await startUpstream(x402Script(settledAnswer())))
    const { router } = await setup(upstream, undefined, { payments: { enabled: false } })
    const response = await postJson(`${router.baseUrl}/chat/completions`, chatBody("paid:m"))
    expect(response.status).toBe(402)
    expect(errorOf(response.json).message).toContain("payments are disabled")
    expect(upstream.received).toHaveLength(1)
  })

  it("refuses a malformed Idempotency-Key instead of ignoring it", async () => {
    const upstream = track(await startUpstream(x402Script(settledAnswer())))
    const { router } = await setup(upstream)
    const response = await postJson(`${router.baseUrl}/chat/completions`, chatBody("paid:m"), { "idempotency-key": "x".repeat(300) })
    expect(response.status).toBe(400)
    expect(errorOf(response.json).code).toBe("invalid_idempotency_key")
    expect(upstream.received).toHaveLength(0)
  })
})
