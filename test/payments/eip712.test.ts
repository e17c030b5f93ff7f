/**
 * The EIP-712 digest of the TransferWithAuthorization we sign, for a fixed key, nonce and time.
 * Fixed vectors: a change to the domain table, the type string or the field order fails here.
 * The digest is also recomputed by hand from the EIP-712 definition (not through viem's hashTypedData).
 */
import { concat, encodeAbiParameters, hashTypedData, keccak256, recoverTypedDataAddress, toHex } from "viem"
import { privateKeyToAccount } from "viem/accounts"
import { describe, expect, it } from "vitest"
import { BASE_SEPOLIA_USDC, BASE_USDC, DEFAULT_ALLOWLIST } from "../../src/config/payments.js"
import { buildAuthorization, typedData } from "../../src/payments/authorization.js"
import type { Selected } from "../../src/payments/policy.js"

// A throwaway key from public documentation: never funded, never to be funded.
const KEY = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
const PAY_TO = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
const NONCE = `0x${"ab".repeat(32)}` as const
const NOW = 1_700_000_000

const base = DEFAULT_ALLOWLIST[0]!
const sepolia = DEFAULT_ALLOWLIST[1]!

const selected = (asset = base, chainId = 8453): Selected => ({
  requirement: { index: 0, scheme: "exact", network: `eip155:${chainId}`, amount: "1000", asset: asset.asset, payTo: PAY_TO, maxTimeoutSeconds: 60, extra: {}, raw: {} },
  asset,
  chainId,
  amount: 1000n,
  validFor: 300
})

const byHand = (name: string, version: string, chainId: number, token: string, a: ReturnType<typeof buildAuthorization>) => {
  const domainType = keccak256(toHex("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"))
  const domainSeparator = keccak256(encodeAbiParameters(
    [{ type: "bytes32" }, { type: "bytes32" }, { type: "bytes32" }, { type: "uint256" }, { type: "address" }],
    [domainType, keccak256(toHex(name)), keccak256(toHex(version)), BigInt(chainId), token as `0x${string}`]
  ))
  const typeHash = keccak256(toHex(
    "TransferWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)"
  ))
  const structHash = keccak256(encodeAbiParameters(
    [{ type: "bytes32" }, { type: "address" }, { type: "address" }, { type: "uint256" }, { type: "uint256" }, { type: "uint256" }, { type: "bytes32" }],
    [typeHash, a.from, a.to, a.value, a.validAfter, a.validBefore, a.nonce]
  ))
  return { domainSeparator, digest: keccak256(concat(["0x1901", domainSeparator, structHash])) }
}

describe("EIP-712 TransferWithAuthorization", () => {
  const account = privateKeyToAccount(KEY)
  const authorization = buildAuthorization(selected(), account.address, NOW, NONCE)

  it("pins the domain table: USDC on Base and Base Sepolia", () => {
    expect(base).toMatchObject({ network: "eip155:8453", asset: BASE_USDC, name: "USD Coin", version: "2", decimals: 6 })
    expect(sepolia).toMatchObject({ network: "eip155:84532", asset: BASE_SEPOLIA_USDC, name: "USDC", version: "2", decimals: 6 })
  })

  it("builds the authorization: validAfter now−600, validBefore now+validFor, the given nonce", () => {
    expect(authorization).toEqual({
      from: "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23",
      to: PAY_TO,
      value: 1000n,
      validAfter: BigInt(NOW - 600),
      validBefore: BigInt(NOW + 300),
      nonce: NONCE
    })
  })

  it("hashes to the fixed digest on Base (domain separator as deployed for Base USDC)", () => {
    const hand = byHand("USD Coin", "2", 8453, BASE_USDC, authorization)
    expect(hand.domainSeparator).toBe("0x02fa7265e7c5d81118673727957699e4d68f74cd74b7db77da710fe8a2c7834f")
    expect(hashTypedData(typedData(selected(), authorization))).toBe(hand.digest)
    expect(hand.digest).toBe("0x566b5643ada4c3079f944a4bb1c5678266afed803027e2bd12e140ea9846c3f9")
  })

  it("hashes to the fixed digest on Base Sepolia", () => {
    const hand = byHand("USDC", "2", 84532, BASE_SEPOLIA_USDC, authorization)
    expect(hashTypedData(typedData(selected(sepolia, 84532), authorization))).toBe(hand.digest)
    expect(hand.digest).toBe("0x7244a722ed58ae91a5b5e53e582f1b62b2d5c4fe03b06e69de80b96aaf15c805")
  })

  it("signs deterministically (RFC 6979), 65 bytes, recoverable to the payer", async () => {
    const definition = typedData(selected(), authorization)
    const signature = await account.signTypedData(definition)
    expect(signature).toBe(
      "0x812cbb3eaa8c1ea565299e110f43b1ce00108ec4e59a644bf547c124c922352a016682f94d4274b44628261fe6dc5259378ee7eabfe95f04838d8ff61c88cb6e1c"
    )
    expect(await recoverTypedDataAddress({ ...definition, signature })).toBe(account.address)
  })

  it("draws a fresh 32-byte nonce every time", () => {
    const nonces = new Set(Array.from({ length: 64 }, () => buildAuthorization(selected(), account.address, NOW).nonce))
    expect(nonces.size).toBe(64)
    for (const nonce of nonces) expect(nonce).toMatch(/^0x[0-9a-f]{64}$/)
  })
})
