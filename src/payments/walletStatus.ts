/**
 * What `GET /wallet` and `llmrouter wallet` show: address, key source, network, funding hint, the
 * USDC balance (or `null` and why), caps and recent spend. Never the private key.
 */
import { Effect } from "effect"
import type { RouterConfig } from "../config/schema.js"
import { formatMicroUsd, formatUnits, networkLabel, walletRpcUrl } from "./networks.js"
import type { PaymentsService } from "../Payments.js"
import type { WalletError, WalletService } from "../Wallet.js"
import { readTokenBalance } from "../wallet/balance.js"

export interface WalletStatus {
  readonly address: string
  readonly source: "env" | "file" | "generated"
  readonly keyFile: string | null
  readonly network: string
  readonly asset: { readonly symbol: string; readonly address: string; readonly decimals: number } | null
  /** Human units (`"1.25"`), or null with `balanceError`. */
  readonly balance: string | null
  readonly balanceAtomic: string | null
  readonly balanceError?: string
  readonly funding: string
  readonly payments: {
    readonly enabled: boolean
    readonly maxPerPaymentUsd: number
    readonly maxDailyUsd: number
    readonly spentLast24hUsd: string | null
  }
}

/** The wallet's balance in the allowlisted asset of its network, or null and why (never fails). */
export interface WalletBalance {
  readonly symbol: string
  /** Human units (`"1.25"`), or null with `balanceError`. */
  readonly balance: string | null
  readonly balanceAtomic: string | null
  readonly balanceError?: string
}

export const walletBalance = (config: RouterConfig, address: string): Effect.Effect<WalletBalance> => {
  const network = config.wallet.network
  const asset = config.payments.allow.find((a) => a.network === network)
  const rpcUrl = walletRpcUrl(config.wallet)
  const symbol = asset?.symbol ?? "USDC"
  const unknown = (balanceError: string): WalletBalance => ({ symbol, balance: null, balanceAtomic: null, balanceError })
  if (asset === undefined) return Effect.succeed(unknown(`no allowlisted asset on ${network} (payments.allow)`))
  if (rpcUrl === undefined) return Effect.succeed(unknown(`no RPC URL for ${network}: set wallet.rpcUrl`))
  return readTokenBalance(rpcUrl, asset.asset, address, config.wallet.balanceTimeoutMs).pipe(
    Effect.match({
      onFailure: unknown,
      onSuccess: (atomic): WalletBalance => ({ symbol, balance: formatUnits(atomic, asset.decimals), balanceAtomic: atomic.toString() })
    })
  )
}

export const walletStatus = (
  config: RouterConfig,
  wallet: WalletService,
  payments: PaymentsService | undefined
): Effect.Effect<WalletStatus, WalletError> =>
  Effect.gen(function*() {
    const info = yield* wallet.info
    const network = config.wallet.network
    const asset = config.payments.allow.find((a) => a.network === network)
    const { symbol, ...balance } = yield* walletBalance(config, info.address)
    const spent = payments === undefined
      ? null
      : yield* payments.spend.pipe(Effect.map((s) => formatMicroUsd(s.last24hMicroUsd)), Effect.orElseSucceed(() => null))
    return {
      address: info.address,
      source: info.source,
      keyFile: info.keyFile ?? null,
      network,
      asset: asset === undefined ? null : { symbol: asset.symbol, address: asset.asset, decimals: asset.decimals },
      ...balance,
      funding: `Send ${symbol} on ${networkLabel(network)} (${network}) to ${info.address}. ` +
        `Only ${symbol} is needed (no ETH for gas): payments are signed authorizations that the upstream settles. ` +
        `Keep only a small balance here: this is a hot wallet.`,
      payments: {
        enabled: config.payments.enabled,
        maxPerPaymentUsd: config.payments.maxPerPaymentUsd,
        maxDailyUsd: config.payments.maxDailyUsd,
        spentLast24hUsd: spent
      }
    }
  })

/** The same, as lines for a terminal. */
export const formatWalletStatus = (status: WalletStatus): string =>
  [
    `address:   ${status.address}`,
    `source:    ${status.source}${status.keyFile === null ? "" : ` (${status.keyFile})`}`,
    `network:   ${networkLabel(status.network)} (${status.network})`,
    `balance:   ${status.balance === null ? `unknown (${status.balanceError ?? "not read"})` : `${status.balance} ${status.asset?.symbol ?? ""}`}`,
    `caps:      ${status.payments.maxPerPaymentUsd} USD per payment, ${status.payments.maxDailyUsd} USD per 24 h` +
    `${status.payments.enabled ? "" : " (payments disabled)"}`,
    `spent:     ${status.payments.spentLast24hUsd ?? "?"} USD in the last 24 h`,
    "",
    status.funding,
    ...(status.source === "generated" && status.keyFile !== null
      ? ["", `A new key was generated and saved to ${status.keyFile} (mode 0600). Back that file up: without it, funds sent to this address are lost.`]
      : [])
  ].join("\n")
