/**
 * Which requirement of a challenge we may pay, if any: the `exact` scheme with EIP-3009, on the
 * wallet's network, an allowlisted `(network, asset)` whose EIP-712 domain matches the pinned one,
 * an integer amount within the per-payment cap, and enough time to pay. Of the acceptable ones, the
 * cheapest. Pure: the daily cap and the idempotency window need the ledger (see `ledger.ts`).
 */
import { Either } from "effect"
import type { AllowedAsset } from "../config/payments.js"
import type { Challenge, Requirement } from "./challenge.js"
import { parseNetwork, usdToAtomic } from "./networks.js"

export interface PolicySettings {
  /** CAIP-2 network of the wallet: the only one we pay on. */
  readonly network: string
  readonly allow: ReadonlyArray<AllowedAsset>
  readonly maxPerPaymentUsd: number
  /** Our cap on `validBefore − now`. */
  readonly validForSeconds: number
}

/** Shortest authorization lifetime worth signing: the facilitator wants ≥ 6 s left when it settles. */
export const MIN_VALIDITY_SECONDS = 30

export interface Selected {
  readonly requirement: Requirement
  readonly asset: AllowedAsset
  readonly chainId: number
  readonly amount: bigint
  /** Seconds the authorization will be valid for. */
  readonly validFor: number
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/
const ATOMIC = /^[0-9]{1,78}$/

export const selectRequirement = (challenge: Challenge, settings: PolicySettings): Either.Either<Selected, ReadonlyArray<string>> => {
  const reasons: Array<string> = [...challenge.unreadable]
  const acceptable: Array<Selected> = []
  for (const requirement of challenge.accepts) {
    const checked = check(requirement, challenge.version, settings)
    if (typeof checked === "string") reasons.push(`accepts[${requirement.index}]: ${checked}`)
    else acceptable.push(checked)
  }
  const cheapest = acceptable.reduce<Selected | undefined>(
    (best, candidate) => (best === undefined || candidate.amount < best.amount ? candidate : best),
    undefined
  )
  return cheapest === undefined ? Either.left(reasons) : Either.right(cheapest)
}

const check = (r: Requirement, version: 1 | 2, settings: PolicySettings): Selected | string => {
  if (r.scheme !== "exact") return `scheme "${short(r.scheme)}" is not supported (only "exact")`
  const network = parseNetwork(r.network, version)
  if (network === undefined) return `network "${short(r.network)}" is not supported`
  if (network.caip2 !== settings.network) return `network ${network.caip2} is not the wallet's network (${settings.network})`
  if (!ADDRESS.test(r.asset)) return "asset is not an address"
  const asset = settings.allow.find((a) => a.network === network.caip2 && a.asset.toLowerCase() === r.asset.toLowerCase())
  if (asset === undefined) return `asset ${r.asset} on ${network.caip2} is not on the allowlist`
  const method = r.extra.assetTransferMethod
  if (method !== undefined && method !== "eip3009") return `asset transfer method "${short(String(method))}" is not supported (only EIP-3009)`
  const flow = r.extra.paymentFlow
  if (flow !== undefined && flow !== "authorization") return `payment flow "${short(String(flow))}" is not supported`
  if (r.extra.name !== asset.name || r.extra.version !== asset.version) {
    return `EIP-712 domain ${JSON.stringify(short(String(r.extra.name)))}/${JSON.stringify(short(String(r.extra.version)))} ` +
      `does not match the pinned ${JSON.stringify(asset.name)}/${JSON.stringify(asset.version)} for ${asset.symbol}`
  }
  if (!ADDRESS.test(r.payTo)) return "payTo is not an address"
  if (/^0x0{40}$/.test(r.payTo)) return "payTo is the zero address"
  if (!ATOMIC.test(r.amount)) return `amount "${short(r.amount)}" is not an integer number of atomic units`
  const amount = BigInt(r.amount)
  if (amount === 0n) return "amount is zero"
  const cap = usdToAtomic(settings.maxPerPaymentUsd, asset.decimals)
  if (amount > cap) {
    return `amount ${r.amount} is over the per-payment cap of ${cap} atomic ${asset.symbol} (payments.maxPerPaymentUsd = ${settings.maxPerPaymentUsd})`
  }
  if (!Number.isFinite(r.maxTimeoutSeconds)) return "maxTimeoutSeconds is not a number"
  const validFor = Math.floor(Math.min(r.maxTimeoutSeconds, settings.validForSeconds))
  if (validFor < MIN_VALIDITY_SECONDS) {
    return `the challenge allows only ${Math.max(0, validFor)} s to pay (at least ${MIN_VALIDITY_SECONDS} s needed): it would expire before settlement`
  }
  return { requirement: r, asset, chainId: network.chainId, amount, validFor }
}

const short = (text: string) => (text.length > 60 ? `${text.slice(0, 60)}…` : text)
