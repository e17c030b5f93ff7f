/**
 * Settles the ledger's `unknown` payments from the chain. An `unknown` row is a payment whose
 * signed request left but whose answer was lost (a cut connection, a router killed mid-payment):
 * it may or may not have settled, so it keeps counting against the daily cap and holds its
 * `Idempotency-Key`. Once its authorization can no longer be used, the token says which it was:
 * used → `settled`; unused at a block past `validBefore` → `lapsed` (nothing was paid: the cap and
 * the key are freed). Rows on another network than the wallet's, or that the RPC cannot answer
 * for, stay `unknown` and are tried again on the next pass.
 */
import { Effect } from "effect"
import type { AuthorizationState } from "../wallet/authorizations.js"
import type { UnresolvedPayment } from "./ledger.js"

export type Resolution =
  | { readonly status: "settled"; readonly detail: string }
  | { readonly status: "lapsed"; readonly detail: string }

/** What the chain's answer means for the row, or undefined while the authorization may still be used. */
export const resolution = (payment: UnresolvedPayment, state: AuthorizationState): Resolution | undefined => {
  if (state.used) return { status: "settled", detail: "confirmed on chain: the authorization was used (the answer had been lost)" }
  if (state.blockTime >= payment.validBefore) {
    return { status: "lapsed", detail: `expired unused on chain (valid before ${payment.validBefore}, block time ${state.blockTime}): nothing was paid` }
  }
  return undefined
}

export interface ReconcileDeps {
  /** The `unknown` rows on the wallet's network. */
  readonly unresolved: Effect.Effect<ReadonlyArray<UnresolvedPayment>, { readonly message: string }>
  readonly read: (payment: UnresolvedPayment) => Effect.Effect<AuthorizationState, string>
  /** True when this router resolved it (false: another router did first). */
  readonly resolve: (id: number, resolved: Resolution) => Effect.Effect<boolean, { readonly message: string }>
}

export interface ReconcileReport {
  readonly settled: number
  readonly lapsed: number
  readonly open: number
}

/** One pass over the `unknown` rows; a row the chain cannot answer for yet is left for the next pass. */
export const reconcileOnce = (deps: ReconcileDeps): Effect.Effect<ReconcileReport, { readonly message: string }> =>
  Effect.gen(function*() {
    const rows = yield* deps.unresolved
    const report = { settled: 0, lapsed: 0, open: 0 }
    for (const payment of rows) {
      const state = yield* Effect.either(deps.read(payment))
      if (state._tag === "Left") {
        report.open++
        yield* Effect.logDebug(`x402: ledger #${payment.id} stays unknown: ${state.left}`)
        continue
      }
      const resolved = resolution(payment, state.right)
      if (resolved === undefined) {
        report.open++
        continue
      }
      if (yield* deps.resolve(payment.id, resolved)) {
        report[resolved.status]++
        yield* Effect.logInfo(`x402: ledger #${payment.id} was unknown, now ${resolved.status}: ${resolved.detail}`)
      }
    }
    return report
  })
