/**
 * The durable payment ledger, one row per payment, on the `Store`'s ledger part (SQLite or
 * Postgres, schema in `store/migrations.ts`). A row is written BEFORE the authorization is signed,
 * in one transaction that also checks the rolling daily cap and the idempotency window: SQLite
 * serialises it with `BEGIN IMMEDIATE` (and the cross-process lock), Postgres with a transaction
 * advisory lock taken first, so concurrent requests, from any number of routers, can neither both
 * squeeze under the cap nor both pay one `Idempotency-Key`. The row is updated with the outcome
 * afterwards. Rows left `pending` by a router that stopped become `unknown` (`store/instances.ts`)
 * and keep counting against the cap.
 */
import type { SqlClient } from "@effect/sql/SqlClient"
import { Effect } from "effect"
import { sqlitePath } from "../store/parts.js"

export type PaymentStatus =
  /** Recorded, authorization being signed or sent. */
  | "pending"
  /** The upstream answered and its receipt says it settled. */
  | "settled"
  /** The upstream answered 2xx without a readable receipt. */
  | "answered"
  /** The upstream refused the payment (another 402, or a receipt with `success: false`). */
  | "rejected"
  /** The answer was lost after the signed request left: it may or may not have settled. */
  | "unknown"
  /** Signing failed: nothing left the process. Does not count as spend. */
  | "not_signed"
  /**
   * Was `unknown`; the chain showed the authorization expired unused (`payments/reconcile.ts`):
   * nothing was paid. Does not count as spend, and frees its `Idempotency-Key`.
   */
  | "lapsed"

export interface NewPayment {
  readonly requestId: string
  readonly idempotencyKey: string | undefined
  readonly endpoint: string
  readonly upstream: string
  readonly network: string
  readonly asset: string
  readonly symbol: string
  readonly amount: bigint
  readonly microUsd: bigint
  readonly payTo: string
  readonly payer: string
  readonly nonce: string
  readonly validBefore: bigint
  readonly x402Version: number
}

export interface PaymentRow {
  readonly id: number
  readonly createdAt: number
  readonly endpoint: string
  readonly upstream: string
  readonly amount: string
  readonly symbol: string
  readonly status: PaymentStatus
  readonly txHash: string | null
  readonly nonce: string
  readonly detail: string | null
}

export type Reservation =
  | { readonly _tag: "Reserved"; readonly id: number }
  | { readonly _tag: "DailyCapReached"; readonly spentMicroUsd: bigint; readonly capMicroUsd: bigint }
  | { readonly _tag: "AlreadyPaid"; readonly previous: PaymentRow }

export interface ReserveLimits {
  readonly now: number
  readonly dailyCapMicroUsd: bigint
  readonly idempotencyWindowMs: number
}

export interface UpstreamSpend {
  readonly upstream: string
  readonly payments: number
  /** Committed (everything signed, whatever the outcome) over the last 24 h. */
  readonly last24hMicroUsd: bigint
  readonly totalMicroUsd: bigint
  /** Confirmed by a settlement receipt. */
  readonly settledMicroUsd: bigint
  readonly unknown: number
}

/** The SQLite file of the ledger (the default store). */
export const ledgerPath = (dataDir: string) => sqlitePath(dataDir, "ledger")

const DAY_MS = 24 * 60 * 60 * 1000
const COUNTED = "status NOT IN ('not_signed', 'lapsed')"
/** The advisory lock key every router takes before checking the cap (Postgres): "x402" in ASCII. */
const PAYMENTS_LOCK = 0x78343032

type Row = Readonly<Record<string, unknown>>

export const makeLedger = (sql: SqlClient, instanceId: string) => {
  const counted = sql.literal(COUNTED)

  const spentSince = (since: number) =>
    Effect.map(
      sql<{ readonly total: unknown }>`SELECT COALESCE(SUM(usd_micro), 0) AS total FROM payments WHERE created_at > ${since} AND ${counted}`,
      (rows) => BigInt(String(rows[0]?.total ?? 0))
    )

  /** Checks the idempotency window and the daily cap, then records the payment as `pending`, atomically. */
  const reserve = (payment: NewPayment, limits: ReserveLimits) =>
    sql.withTransaction(Effect.gen(function*() {
      yield* sql.onDialectOrElse({ pg: () => sql`SELECT pg_advisory_xact_lock(${PAYMENTS_LOCK})`, orElse: () => Effect.void })
      if (payment.idempotencyKey !== undefined) {
        const [previous] = yield* sql<Row>`SELECT * FROM payments
          WHERE idempotency_key = ${payment.idempotencyKey} AND created_at > ${limits.now - limits.idempotencyWindowMs} AND ${counted}
          ORDER BY id DESC LIMIT 1`
        if (previous !== undefined) return { _tag: "AlreadyPaid", previous: toRow(previous) } satisfies Reservation
      }
      const spent = yield* spentSince(limits.now - DAY_MS)
      if (spent + payment.microUsd > limits.dailyCapMicroUsd) {
        return { _tag: "DailyCapReached", spentMicroUsd: spent, capMicroUsd: limits.dailyCapMicroUsd } satisfies Reservation
      }
      const [inserted] = yield* sql<{ readonly id: unknown }>`INSERT INTO payments (created_at, updated_at, request_id, idempotency_key,
          endpoint, upstream, network, asset, symbol, amount, usd_micro, pay_to, payer, nonce, valid_before, x402_version, status, instance_id)
        VALUES (${limits.now}, ${limits.now}, ${payment.requestId}, ${payment.idempotencyKey ?? null}, ${payment.endpoint},
          ${payment.upstream}, ${payment.network}, ${payment.asset}, ${payment.symbol}, ${payment.amount.toString()},
          ${payment.microUsd}, ${payment.payTo}, ${payment.payer}, ${payment.nonce}, ${payment.validBefore},
          ${payment.x402Version}, 'pending', ${instanceId})
        RETURNING id`
      return { _tag: "Reserved", id: Number(inserted?.id) } satisfies Reservation
    }))

  const finish = (id: number, status: Exclude<PaymentStatus, "pending">, outcome: { readonly txHash?: string | undefined; readonly detail?: string | undefined } = {}) =>
    Effect.asVoid(sql`UPDATE payments SET status = ${status}, tx_hash = ${outcome.txHash ?? null}, detail = ${outcome.detail ?? null},
      updated_at = ${Date.now()} WHERE id = ${id}`)

  const byUpstream = (now: number) =>
    Effect.map(
      sql<Row>`SELECT upstream,
              COUNT(*) AS payments,
              COALESCE(SUM(CASE WHEN created_at > ${now - DAY_MS} THEN usd_micro ELSE 0 END), 0) AS last24h,
              COALESCE(SUM(usd_micro), 0) AS total,
              COALESCE(SUM(CASE WHEN status = 'settled' THEN usd_micro ELSE 0 END), 0) AS settled,
              SUM(CASE WHEN status = 'unknown' THEN 1 ELSE 0 END) AS unknown
         FROM payments WHERE ${counted} GROUP BY upstream ORDER BY upstream`,
      (rows): ReadonlyArray<UpstreamSpend> =>
        rows.map((r) => ({
          upstream: String(r.upstream),
          payments: Number(r.payments),
          last24hMicroUsd: BigInt(String(r.last24h)),
          totalMicroUsd: BigInt(String(r.total)),
          settledMicroUsd: BigInt(String(r.settled)),
          unknown: Number(r.unknown)
        }))
    )

  const recent = (limit: number) => Effect.map(sql<Row>`SELECT * FROM payments ORDER BY id DESC LIMIT ${limit}`, (rows) => rows.map(toRow))

  const get = (id: number) =>
    Effect.map(sql<Row>`SELECT * FROM payments WHERE id = ${id}`, (rows): PaymentRow | undefined => (rows[0] === undefined ? undefined : toRow(rows[0])))

  /** `unknown` payments on `network`, oldest first (the chain, not this clock, says when one has expired). */
  const unresolved = (network: string, limit: number) =>
    Effect.map(
      sql<Row>`SELECT id, network, asset, payer, nonce, valid_before FROM payments
        WHERE status = 'unknown' AND network = ${network} ORDER BY id LIMIT ${limit}`,
      (rows) => rows.map((r): UnresolvedPayment => ({
        id: Number(r.id),
        network: String(r.network),
        asset: String(r.asset),
        payer: String(r.payer),
        nonce: String(r.nonce),
        validBefore: BigInt(String(r.valid_before))
      }))
    )

  /** Resolves an `unknown` row from the chain's answer; a row another router resolved first is left alone. */
  const resolve = (id: number, status: "settled" | "lapsed", detail: string) =>
    Effect.map(
      sql`UPDATE payments SET status = ${status}, detail = ${detail}, updated_at = ${Date.now()}
        WHERE id = ${id} AND status = 'unknown' RETURNING id`,
      (rows) => rows.length > 0
    )

  return { reserve, finish, spentSince, byUpstream, recent, get, unresolved, resolve }
}

export type Ledger = ReturnType<typeof makeLedger>

/** An `unknown` payment: what the chain needs to tell whether its authorization was ever used. */
export interface UnresolvedPayment {
  readonly id: number
  readonly network: string
  readonly asset: string
  readonly payer: string
  readonly nonce: string
  /** Unix seconds: the authorization cannot be used from this block time on. */
  readonly validBefore: bigint
}

const toRow = (r: Row): PaymentRow => ({
  id: Number(r.id),
  createdAt: Number(r.created_at),
  endpoint: String(r.endpoint),
  upstream: String(r.upstream),
  amount: String(r.amount),
  symbol: String(r.symbol),
  status: String(r.status) as PaymentStatus,
  txHash: r.tx_hash === null || r.tx_hash === undefined ? null : String(r.tx_hash),
  nonce: String(r.nonce),
  detail: r.detail === null || r.detail === undefined ? null : String(r.detail)
})
