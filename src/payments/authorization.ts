/**
 * The EIP-3009 `TransferWithAuthorization` the payer signs (EIP-712), and the x402 payload and
 * request header that carry it: v2 `PAYMENT-SIGNATURE`, v1 `X-PAYMENT`, both base64 JSON (standard
 * alphabet, padded). The nonce is 32 random bytes; `validBefore` is capped by our own policy.
 */
import { randomBytes } from "node:crypto"
import type { Address, Hex, TypedDataDefinition } from "viem"
import type { Challenge } from "./challenge.js"
import type { Selected } from "./policy.js"

export const TRANSFER_WITH_AUTHORIZATION_TYPES = {
  TransferWithAuthorization: [
    { name: "from", type: "address" },
    { name: "to", type: "address" },
    { name: "value", type: "uint256" },
    { name: "validAfter", type: "uint256" },
    { name: "validBefore", type: "uint256" },
    { name: "nonce", type: "bytes32" }
  ]
} as const

/** Tolerated clock skew: the authorization is valid from ten minutes ago. */
const VALID_AFTER_SKEW_SECONDS = 600

export interface Authorization {
  readonly from: Address
  readonly to: Address
  readonly value: bigint
  readonly validAfter: bigint
  readonly validBefore: bigint
  readonly nonce: Hex
}

export const randomNonce = (): Hex => `0x${randomBytes(32).toString("hex")}`

export const buildAuthorization = (
  selected: Selected,
  from: Address,
  nowSeconds: number,
  nonce: Hex = randomNonce()
): Authorization => ({
  from,
  to: selected.requirement.payTo as Address,
  value: selected.amount,
  validAfter: BigInt(Math.max(0, nowSeconds - VALID_AFTER_SKEW_SECONDS)),
  validBefore: BigInt(nowSeconds + selected.validFor),
  nonce
})

export const typedData = (
  selected: Pick<Selected, "asset" | "chainId">,
  authorization: Authorization
): TypedDataDefinition<typeof TRANSFER_WITH_AUTHORIZATION_TYPES, "TransferWithAuthorization"> => ({
  domain: {
    name: selected.asset.name,
    version: selected.asset.version,
    chainId: selected.chainId,
    verifyingContract: selected.asset.asset as Address
  },
  types: TRANSFER_WITH_AUTHORIZATION_TYPES,
  primaryType: "TransferWithAuthorization",
  message: authorization
})

/** The header name and value for the paid retry. */
export const paymentHeader = (
  challenge: Challenge,
  selected: Selected,
  authorization: Authorization,
  signature: Hex
): { readonly name: string; readonly value: string } => {
  const payload = {
    signature,
    authorization: {
      from: authorization.from,
      to: authorization.to,
      value: authorization.value.toString(),
      validAfter: authorization.validAfter.toString(),
      validBefore: authorization.validBefore.toString(),
      nonce: authorization.nonce
    }
  }
  const document = challenge.version === 2
    ? {
      x402Version: 2,
      ...(challenge.resource === undefined ? {} : { resource: challenge.resource }),
      accepted: selected.requirement.raw,
      payload,
      ...(challenge.extensions === undefined ? {} : { extensions: challenge.extensions })
    }
    : { x402Version: 1, scheme: selected.requirement.scheme, network: selected.requirement.network, payload }
  return {
    name: challenge.version === 2 ? "payment-signature" : "x-payment",
    value: Buffer.from(JSON.stringify(document), "utf8").toString("base64")
  }
}
