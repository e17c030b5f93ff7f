/** When the chain's answer settles an `unknown` payment, and when it does not yet. */
import { describe, expect, it } from "vitest"
import type { UnresolvedPayment } from "../../src/payments/ledger.js"
import { resolution } from "../../src/payments/reconcile.js"

const payment: UnresolvedPayment = { id: 1, network: "eip155:8453", asset: "0xA", payer: "0xB", nonce: "0x01", validBefore: 1_000n }

describe("resolution of an unknown payment", () => {
  it("used on chain: settled, whatever the time", () => {
    expect(resolution(payment, { used: true, blockTime: 10n })?.status).toBe("settled")
    expect(resolution(payment, { used: true, blockTime: 5_000n })?.status).toBe("settled")
  })

  it("unused at a block at or past validBefore: lapsed (the token refuses it from then on)", () => {
    expect(resolution(payment, { used: false, blockTime: 1_000n })?.status).toBe("lapsed")
    expect(resolution(payment, { used: false, blockTime: 1_001n })?.status).toBe("lapsed")
  })

  it("unused while it may still be used: left unknown", () => {
    expect(resolution(payment, { used: false, blockTime: 999n })).toBeUndefined()
  })
})
