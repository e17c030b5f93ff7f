import { Either } from "effect"
import { describe, expect, it } from "vitest"
import { parseChallenge, refusalReason } from "../../src/payments/challenge.js"
import { challengeV2, encode, rawV1, rawV2, requirementV2 } from "../support/x402.js"

const left = (raw: unknown) => {
  const parsed = parseChallenge(raw)
  if (Either.isRight(parsed)) throw new Error("expected a problem")
  return parsed.left
}

describe("parseChallenge", () => {
  it("reads a v2 PAYMENT-REQUIRED header and keeps each requirement's raw JSON for the echo", () => {
    const requirement = requirementV2({ extra: { name: "USD Coin", version: "2", somethingNew: [1, 2] } })
    const parsed = parseChallenge(rawV2(challengeV2([requirement])))
    expect(Either.isRight(parsed)).toBe(true)
    if (Either.isLeft(parsed)) return
    expect(parsed.right.version).toBe(2)
    expect(parsed.right.error).toBe("Payment required")
    expect(parsed.right.accepts[0]).toMatchObject({ scheme: "exact", network: "eip155:8453", amount: "1000" })
    expect(parsed.right.accepts[0]?.raw).toEqual(requirement)
  })

  it("reads a v1 JSON body (maxAmountRequired, network name)", () => {
    const parsed = parseChallenge(rawV1())
    expect(Either.getOrThrow(parsed).version).toBe(1)
    expect(Either.getOrThrow(parsed).accepts[0]).toMatchObject({ network: "base", amount: "1000" })
  })

  it("a plain provider 402 (billing error JSON, text, empty) is not x402", () => {
    expect(left({ headers: {}, body: JSON.stringify({ error: { message: "Insufficient credits" } }) })._tag).toBe("NotX402")
    expect(left({ headers: {}, body: "Payment Required" })._tag).toBe("NotX402")
    expect(left({ headers: {}, body: "" })._tag).toBe("NotX402")
    expect(left(undefined)._tag).toBe("NotX402")
  })

  it("malformed challenges are reported as malformed", () => {
    expect(left({ headers: { "payment-required": "not base64 !!" }, body: "" })._tag).toBe("Malformed")
    expect(left({ headers: { "payment-required": encode("a string") }, body: "" })._tag).toBe("Malformed")
    expect(left({ headers: { "payment-required": Buffer.from("{oops").toString("base64") }, body: "" })._tag).toBe("Malformed")
    expect(left(rawV2(challengeV2([])))._tag).toBe("Malformed")
    expect(left(rawV2({ x402Version: 1, accepts: [requirementV2()] }))._tag).toBe("Malformed")
    expect(left({ headers: { "payment-required": "A".repeat(70_000) }, body: "" })._tag).toBe("Malformed")
    expect(left({ headers: {}, body: JSON.stringify({ x402Version: 1 }) })._tag).toBe("Malformed")
  })

  it("unreadable requirements are skipped with a reason, the rest kept", () => {
    const parsed = Either.getOrThrow(parseChallenge(rawV2(challengeV2([{ scheme: "exact" }, requirementV2()]))))
    expect(parsed.accepts).toHaveLength(1)
    expect(parsed.unreadable[0]).toContain("accepts[0]")
  })

  it("the server's refusal reason is sanitised", () => {
    expect(refusalReason(rawV2(challengeV2([requirementV2()], "invalid_exact_evm_nonce_already_used\n\u0007x")))).toBe(
      "invalid_exact_evm_nonce_already_used x"
    )
  })
})

describe("receipts", () => {
  it("decodes a settlement receipt, bounded and checked", async () => {
    const { decodeReceipt, receiptFailure } = await import("../../src/payments/receipt.js")
    const tx = `0x${"ab".repeat(32)}`
    expect(Either.getOrThrow(decodeReceipt(encode({ success: true, transaction: tx, network: "eip155:8453" }))!)).toMatchObject({ success: true, transaction: tx })
    expect(Either.getOrThrow(decodeReceipt(encode({ success: true, transaction: "0xnot-a-hash" }))!).transaction).toBeUndefined()
    expect(Either.isLeft(decodeReceipt("A".repeat(40_000))!)).toBe(true)
    expect(Either.isLeft(decodeReceipt(encode({ ok: 1 }))!)).toBe(true)
    expect(decodeReceipt(undefined)).toBeUndefined()
    const rpcNoise = `execution reverted: ${"x".repeat(5_000)}\n\u001b[31m`
    const failed = { headers: { "payment-response": encode({ success: false, transaction: "", errorReason: rpcNoise }) }, body: "{}" }
    const reason = receiptFailure(failed)!
    expect(reason.length).toBeLessThanOrEqual(201)
    expect(reason).not.toMatch(/[\u0000-\u001f]/)
  })
})
