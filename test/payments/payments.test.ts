/** The Payments service alone: what `authorize` declines before anything is signed, and the header it builds. */
import { Effect, Either, Layer, Logger, LogLevel } from "effect"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import * as Config from "../../src/Config.js"
import type { RouterConfigInput } from "../../src/config/schema.js"
import * as Store from "../../src/Store.js"
import * as Payments from "../../src/Payments.js"
import type { ResolvedEndpoint } from "../../src/providers/Adapter.js"
import * as Wallet from "../../src/Wallet.js"
import { challengeV2, rawV1, rawV2, requirementV2 } from "../support/x402.js"

const KEY = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318" // throwaway, never funded

const endpoint = (apiBase: string) => ({ id: "x:m", provider: "x", apiBase }) as ResolvedEndpoint
const context = { requestId: "r1", idempotencyKey: undefined }

const authorize = (raw: unknown, apiBase = "https://api.example.com/v1", config: RouterConfigInput = {}) => {
  const dataDir = mkdtempSync(Path.join(tmpdir(), "llmrouter-p-"))
  const layer = Payments.layer.pipe(
    Layer.provideMerge(Layer.merge(Wallet.layer, Store.layer)),
    Layer.provide(Config.layerFromValue({ dataDir, ...config }, { env: { LLM_ROUTER_WALLET_KEY: KEY } }))
  )
  return Effect.runPromise(
    Effect.flatMap(Payments.Payments, (p) => Effect.either(p.authorize(endpoint(apiBase), raw, context))).pipe(
      Effect.provide(layer),
      Effect.scoped,
      Logger.withMinimumLogLevel(LogLevel.None)
    )
  )
}

const decode = (value: string) => JSON.parse(Buffer.from(value, "base64").toString("utf8")) as Record<string, unknown>

describe("Payments.authorize", () => {
  it("v2: PAYMENT-SIGNATURE with the challenge's resource, the requirement echoed as is, and extensions", async () => {
    const requirement = requirementV2({ extra: { name: "USD Coin", version: "2", future: { a: 1 } } })
    const challenge = { ...challengeV2([requirementV2({ amount: "5000" }), requirement]), extensions: { bazaar: { info: 1 } } }
    const result = Either.getOrThrow(await authorize(rawV2(challenge)))
    expect(result.header.name).toBe("payment-signature")
    expect(result.header.value).toMatch(/^[A-Za-z0-9+/]+={0,2}$/)
    const payload = decode(result.header.value)
    expect(payload).toMatchObject({ x402Version: 2, resource: challenge.resource, accepted: requirement, extensions: { bazaar: { info: 1 } } })
    expect(result.describe).toBe("0.001 USDC on Base to 0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC")
  })

  it("v1: X-PAYMENT with scheme and the v1 network name", async () => {
    const result = Either.getOrThrow(await authorize(rawV1()))
    expect(result.header.name).toBe("x-payment")
    expect(decode(result.header.value)).toMatchObject({ x402Version: 1, scheme: "exact", network: "base", payload: { authorization: { value: "1000" } } })
  })

  it("declines to pay over plain http (the payee could be rewritten), loopback excepted", async () => {
    const declined = await authorize(rawV2(), "http://api.example.com/v1")
    expect(Either.isLeft(declined) && declined.left.reason).toContain("plain http")
    expect(Either.isRight(await authorize(rawV2(), "http://127.0.0.1:9/v1"))).toBe(true)
  })

  it("declines what is not x402 or not acceptable, saying why", async () => {
    const reason = async (raw: unknown, config: RouterConfigInput = {}) => {
      const result = await authorize(raw, undefined, config)
      return Either.isLeft(result) ? result.left.reason : "paid"
    }
    expect(await reason({ headers: {}, body: "{\"error\":\"no credits\"}" })).toContain("not an x402 challenge")
    expect(await reason({ headers: { "payment-required": "%%%" }, body: "" })).toContain("malformed")
    expect(await reason(rawV2(challengeV2([requirementV2({ amount: "60000" })])))).toContain("per-payment cap")
    expect(await reason(rawV2(), { payments: { maxPerPaymentUsd: 0.0005 } })).toContain("per-payment cap")
    expect(await reason(rawV2(), { payments: { maxDailyUsd: 0 } })).toContain("daily cap")
    expect(await reason(rawV2(), { payments: { allow: [] } })).toContain("not on the allowlist")
  })
})
