/**
 * Settings of the wallet and of x402 payments (`wallet` and `payments` in the config). The
 * allowlist pins each asset's EIP-712 domain: a challenge that names another domain is refused.
 */
import { Schema } from "effect"

export const Caip2Network = Schema.String.pipe(
  Schema.pattern(/^eip155:[1-9][0-9]{0,18}$/, { message: () => "expected a CAIP-2 EVM network id such as eip155:8453" })
)

export const EvmAddress = Schema.String.pipe(
  Schema.pattern(/^0x[0-9a-fA-F]{40}$/, { message: () => "expected a 0x-prefixed 20-byte address" })
)

/** One `(network, asset)` pair the router may pay with, and the token's pinned EIP-712 domain. */
export const AllowedAsset = Schema.Struct({
  network: Caip2Network,
  asset: EvmAddress,
  /** EIP-712 domain `name` of the token (`extra.name` in a challenge must equal it). */
  name: Schema.NonEmptyString,
  /** EIP-712 domain `version` of the token. */
  version: Schema.NonEmptyString,
  decimals: Schema.optionalWith(Schema.Int.pipe(Schema.between(0, 36)), { default: () => 6 }),
  symbol: Schema.optionalWith(Schema.NonEmptyString, { default: () => "USDC" })
})
export type AllowedAsset = typeof AllowedAsset.Type

export const BASE_USDC = "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913"
export const BASE_SEPOLIA_USDC = "0x036CbD53842c5426634e7929541eC2318f3dCF7e"

/** USDC on Base and on Base Sepolia, with the domains their contracts report (`name()`, `version()`). */
export const DEFAULT_ALLOWLIST: ReadonlyArray<AllowedAsset> = [
  { network: "eip155:8453", asset: BASE_USDC, name: "USD Coin", version: "2", decimals: 6, symbol: "USDC" },
  { network: "eip155:84532", asset: BASE_SEPOLIA_USDC, name: "USDC", version: "2", decimals: 6, symbol: "USDC" }
]

const Usd = Schema.Number.pipe(Schema.nonNegative(), Schema.finite())

export const WalletConfig = Schema.Struct({
  /** The network the wallet pays on and whose USDC balance is shown (`X402_NETWORK`). */
  network: Schema.optionalWith(Caip2Network, { default: () => "eip155:8453" }),
  /** JSON-RPC endpoint for the balance read. Default: Base's public RPC for the network. */
  rpcUrl: Schema.optional(Schema.String.pipe(Schema.pattern(/^https?:\/\/[^/]/, { message: () => "expected an http(s) URL" }))),
  balanceTimeoutMs: Schema.optionalWith(Schema.Int.pipe(Schema.positive()), { default: () => 3_000 })
})
export type WalletConfig = typeof WalletConfig.Type

export const PaymentsConfig = Schema.Struct({
  /** `false`: never sign; every 402 is an ordinary upstream error. */
  enabled: Schema.optionalWith(Schema.Boolean, { default: () => true }),
  /** Largest single payment, in USD (stablecoin units). */
  maxPerPaymentUsd: Schema.optionalWith(Usd, { default: () => 0.05 }),
  /** Most that may be signed over any rolling 24 hours, in USD. */
  maxDailyUsd: Schema.optionalWith(Usd, { default: () => 5 }),
  /** Our cap on an authorization's lifetime (`validBefore − now`), whatever the upstream asks. */
  validForSeconds: Schema.optionalWith(Schema.Int.pipe(Schema.between(30, 3_600)), { default: () => 300 }),
  /** How long a client's `Idempotency-Key` is remembered as paid. */
  idempotencyWindowSeconds: Schema.optionalWith(Schema.Int.pipe(Schema.positive()), { default: () => 86_400 }),
  allow: Schema.optionalWith(Schema.Array(AllowedAsset), { default: () => DEFAULT_ALLOWLIST }),
  /**
   * How often payments whose outcome is unknown are looked up on chain once their authorization
   * has expired (`settled` or `lapsed`, which frees the cap and the Idempotency-Key); 0: never.
   */
  reconcileIntervalSeconds: Schema.optionalWith(Schema.Int.pipe(Schema.nonNegative()), { default: () => 600 })
})
export type PaymentsConfig = typeof PaymentsConfig.Type

/**
 * The published Rungate plugin's `X402_NETWORK`, below our own config: it sets `wallet.network`
 * only when neither the file nor an override does.
 */
export const withPaymentEnvAliases = (
  input: Record<string, unknown>,
  env: Readonly<Record<string, string | undefined>>
): Record<string, unknown> => {
  const network = env.X402_NETWORK?.trim()
  if (network === undefined || network === "") return input
  const wallet = input.wallet
  if (wallet !== undefined && (typeof wallet !== "object" || wallet === null)) return input
  const current = (wallet ?? {}) as Record<string, unknown>
  return "network" in current ? input : { ...input, wallet: { ...current, network } }
}
