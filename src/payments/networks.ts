/**
 * Networks the payer understands: CAIP-2 ids (x402 v2), the v1 names that map to them, and the
 * public RPC used for balance reads. Amount conversions live here too: caps are in USD, payments
 * in a token's atomic units, and the two are never mixed without the token's decimals.
 */

/** x402 v1 network names → chain id (only the ones we may pay on). */
const V1_NAMES: Readonly<Record<string, number>> = {
  base: 8453,
  "base-sepolia": 84532
}

const NETWORK_LABELS: Readonly<Record<string, string>> = {
  "eip155:8453": "Base",
  "eip155:84532": "Base Sepolia"
}

const DEFAULT_RPC: Readonly<Record<string, string>> = {
  "eip155:8453": "https://mainnet.base.org",
  "eip155:84532": "https://sepolia.base.org"
}

export interface Network {
  /** CAIP-2, e.g. `eip155:8453`. */
  readonly caip2: string
  readonly chainId: number
}

/** A v2 CAIP-2 id or a v1 name → the network, or undefined when it is not an EVM network we know how to name. */
export const parseNetwork = (value: string, version: 1 | 2): Network | undefined => {
  if (version === 1) {
    const chainId = V1_NAMES[value]
    return chainId === undefined ? undefined : { caip2: `eip155:${chainId}`, chainId }
  }
  const match = /^eip155:([1-9][0-9]{0,18})$/.exec(value)
  if (match === null) return undefined
  const chainId = Number(match[1])
  return Number.isSafeInteger(chainId) ? { caip2: value, chainId } : undefined
}

export const networkLabel = (caip2: string) => NETWORK_LABELS[caip2] ?? caip2

export const defaultRpcUrl = (caip2: string): string | undefined => DEFAULT_RPC[caip2]

/** The RPC the wallet reads its chain through: `wallet.rpcUrl`, else its network's public one. */
export const walletRpcUrl = (wallet: { readonly network: string; readonly rpcUrl?: string | undefined }): string | undefined =>
  wallet.rpcUrl ?? defaultRpcUrl(wallet.network)

/** USD → atomic units of a stablecoin with `decimals` (rounded down: a cap never grows). */
export const usdToAtomic = (usd: number, decimals: number): bigint => {
  const micro = BigInt(Math.floor(usd * 1_000_000 + 1e-6))
  return decimals >= 6 ? micro * 10n ** BigInt(decimals - 6) : micro / 10n ** BigInt(6 - decimals)
}

/** Atomic units → micro-USD (rounded up: spend is never under-counted). */
export const atomicToMicroUsd = (amount: bigint, decimals: number): bigint => {
  if (decimals <= 6) return amount * 10n ** BigInt(6 - decimals)
  const unit = 10n ** BigInt(decimals - 6)
  return (amount + unit - 1n) / unit
}

/** `1234567n, 6` → `"1.234567"`; trailing zeros trimmed, at least two decimals. */
export const formatUnits = (amount: bigint, decimals: number): string => {
  const negative = amount < 0n
  const digits = (negative ? -amount : amount).toString().padStart(decimals + 1, "0")
  const whole = digits.slice(0, digits.length - decimals)
  const fraction = digits.slice(digits.length - decimals).replace(/0+$/, "").padEnd(2, "0")
  return `${negative ? "-" : ""}${whole}${decimals === 0 ? "" : `.${fraction}`}`
}

export const formatMicroUsd = (micro: bigint) => formatUnits(micro, 6)
