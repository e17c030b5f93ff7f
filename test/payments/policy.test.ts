import { Either } from "effect"
import { describe, expect, it } from "vitest"
import { BASE_SEPOLIA_USDC, DEFAULT_ALLOWLIST } from "../../src/config/payments.js"
import { type Challenge, parseChallenge } from "../../src/payments/challenge.js"
import { type PolicySettings, selectRequirement } from "../../src/payments/policy.js"
import { challengeV2, rawV1, rawV2, requirementV1, requirementV2 } from "../support/x402.js"

const settings: PolicySettings = { network: "eip155:8453", allow: DEFAULT_ALLOWLIST, maxPerPaymentUsd: 0.05, validForSeconds: 300 }

const challenge = (...accepts: Array<unknown>): Challenge => Either.getOrThrow(parseChallenge(rawV2(challengeV2(accepts))))

const refusal = (c: Challenge, s: PolicySettings = settings) => {
  const result = selectRequirement(c, s)
  if (Either.isRight(result)) throw new Error(`expected a refusal, got ${JSON.stringify(result.right.requirement)}`)
  return result.left.join("; ")
}

describe("selectRequirement", () => {
  it("accepts exact/EIP-3009 USDC on Base within the cap, with our validity cap", () => {
    const selected = Either.getOrThrow(selectRequirement(challenge(requirementV2({ maxTimeoutSeconds: 600_000 })), settings))
    expect(selected.amount).toBe(1000n)
    expect(selected.chainId).toBe(8453)
    expect(selected.validFor).toBe(300) // not the server's 600000 s
  })

  it("picks the cheapest acceptable requirement, skipping unacceptable ones", () => {
    const selected = Either.getOrThrow(selectRequirement(challenge(
      requirementV2({ amount: "3000" }),
      requirementV2({ scheme: "upto", amount: "1" }),
      requirementV2({ amount: "2000" })
    ), settings))
    expect(selected.amount).toBe(2000n)
    expect(selected.requirement.index).toBe(2)
  })

  it("reads v1 network names", () => {
    const v1 = Either.getOrThrow(parseChallenge(rawV1([requirementV1()])))
    expect(Either.getOrThrow(selectRequirement(v1, settings)).chainId).toBe(8453)
  })

  it("refuses an amount over the per-payment cap (0.05 USDC = 50000 atomic)", () => {
    expect(Either.isRight(selectRequirement(challenge(requirementV2({ amount: "50000" })), settings))).toBe(true)
    expect(refusal(challenge(requirementV2({ amount: "50001" })))).toContain("over the per-payment cap")
    expect(refusal(challenge(requirementV2({ amount: "2000000" })))).toContain("maxPerPaymentUsd")
  })

  it("refuses a scheme other than exact", () => {
    expect(refusal(challenge(requirementV2({ scheme: "upto" })))).toContain(`scheme "upto" is not supported`)
  })

  it("refuses an unlisted network, and a listed one that is not the wallet's", () => {
    expect(refusal(challenge(requirementV2({ network: "eip155:1" })))).toContain("not the wallet's network")
    expect(refusal(challenge(requirementV2({ network: "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp" })))).toContain("not supported")
    expect(refusal(challenge(requirementV2({ network: "eip155:1" })), { ...settings, network: "eip155:1" })).toContain("not on the allowlist")
    const v1 = Either.getOrThrow(parseChallenge(rawV1([requirementV1({ network: "polygon" })])))
    expect(refusal(v1)).toContain(`network "polygon" is not supported`)
    const sepolia = requirementV2({ network: "eip155:84532", asset: BASE_SEPOLIA_USDC, extra: { name: "USDC", version: "2" } })
    expect(refusal(challenge(sepolia))).toContain("not the wallet's network")
    expect(Either.isRight(selectRequirement(challenge(sepolia), { ...settings, network: "eip155:84532" }))).toBe(true)
  })

  it("refuses an unlisted asset", () => {
    expect(refusal(challenge(requirementV2({ asset: "0x1111111111111111111111111111111111111111" })))).toContain("not on the allowlist")
  })

  it("refuses a challenge whose EIP-712 domain differs from the pinned one", () => {
    expect(refusal(challenge(requirementV2({ extra: { name: "USDC", version: "2" } })))).toContain("does not match the pinned")
    expect(refusal(challenge(requirementV2({ extra: {} })))).toContain("does not match the pinned")
  })

  it("refuses Permit2 and non-authorization payment flows", () => {
    expect(refusal(challenge(requirementV2({ extra: { name: "USD Coin", version: "2", assetTransferMethod: "permit2" } })))).toContain("EIP-3009")
    expect(refusal(challenge(requirementV2({ extra: { name: "USD Coin", version: "2", paymentFlow: "escrow" } })))).toContain("payment flow")
  })

  it("refuses amounts that are not positive integers, and bad addresses", () => {
    expect(refusal(challenge(requirementV2({ amount: "0.001" })))).toContain("not an integer")
    expect(refusal(challenge(requirementV2({ amount: "-1" })))).toContain("not an integer")
    expect(refusal(challenge(requirementV2({ amount: "0" })))).toContain("zero")
    expect(refusal(challenge(requirementV2({ payTo: "nobody" })))).toContain("payTo")
    expect(refusal(challenge(requirementV2({ payTo: "0x0000000000000000000000000000000000000000" })))).toContain("zero address")
  })

  it("refuses a challenge that leaves too little time to pay (would expire)", () => {
    expect(refusal(challenge(requirementV2({ maxTimeoutSeconds: 5 })))).toContain("expire")
    expect(refusal(challenge(requirementV2({ maxTimeoutSeconds: 0 })))).toContain("expire")
    expect(refusal(challenge(requirementV2({ maxTimeoutSeconds: -10 })))).toContain("expire")
  })
})
