/**
 * The wallet balance as the status page shows it: read in the background, at most once per
 * `ttlMs`, and never on a request's path (the status page polls every 2 s; an RPC may take seconds
 * or be unreachable). A caller gets the last reading, or `undefined` until the first one is in.
 */
import { Effect } from "effect"
import type { WalletBalance } from "./walletStatus.js"

export interface BalanceReading extends WalletBalance {
  /** When it was read (ISO time). */
  readonly readAt: string
}

export const makeBalanceWatch = (read: (address: string) => Effect.Effect<WalletBalance>, ttlMs: number) => {
  let last: { readonly address: string; readonly at: number; readonly reading: BalanceReading } | undefined
  let inFlight = false
  const refresh = (address: string) =>
    read(address).pipe(
      Effect.tap((balance) =>
        Effect.sync(() => {
          const at = Date.now()
          last = { address, at, reading: { ...balance, readAt: new Date(at).toISOString() } }
        })
      ),
      Effect.ensuring(Effect.sync(() => (inFlight = false)))
    )
  /** The last reading for `address` (starting a fresh one in the background when it is stale). */
  return (address: string): Effect.Effect<BalanceReading | undefined> =>
    Effect.suspend(() => {
      const current = last?.address === address ? last : undefined
      const stale = current === undefined || Date.now() - current.at >= ttlMs
      if (!stale || inFlight) return Effect.succeed(current?.reading)
      inFlight = true
      return Effect.as(Effect.forkDaemon(refresh(address)), current?.reading)
    })
}
