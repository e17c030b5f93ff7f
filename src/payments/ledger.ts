/**
 * The durable payment ledger: SQLite (`store/open.ts`: `node:sqlite` or the WASM build, rollback
 * journal, `synchronous=EXTRA`, a cross-process lock), one row per payment. A row is written BEFORE the authorization is signed, inside an IMMEDIATE
 * transaction that also checks the rolling daily cap and the idempotency window (so concurrent
 * requests, even from two processes, cannot both squeeze under the cap), and is updated with the
 * outcome afterwards. Rows still `pending` when the ledger is opened belong to a process that
 * stopped mid-payment: they become `unknown` and keep counting against the cap.
 */
import * as Path from "node:path"
import { openSqlite, type SqliteDatabase, type SqlRow } from "../store/open.js"

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
  /** Signing failed: nothing left the process. The only status that does not count as spend. */
  | "not_signed"

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

const DAY_MS = 24 * 60 * 60 * 1000
const COUNTED = "status <> 'not_signed'"

const SCHEMA = `
CREATE TABLE IF NOT EXISTS payments (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  request_id TEXT NOT NULL,
  idempotency_key TEXT,
  endpoint TEXT NOT NULL,
  upstream TEXT NOT NULL,
  network TEXT NOT NULL,
  asset TEXT NOT NULL,
  symbol TEXT NOT NULL,
  amount TEXT NOT NULL,
  usd_micro INTEGER NOT NULL,
  pay_to TEXT NOT NULL,
  payer TEXT NOT NULL,
  nonce TEXT NOT NULL UNIQUE,
  valid_before INTEGER NOT NULL,
  x402_version INTEGER NOT NULL,
  status TEXT NOT NULL,
  tx_hash TEXT,
  detail TEXT
);
CREATE INDEX IF NOT EXISTS payments_created_at ON payments (created_at);
CREATE INDEX IF NOT EXISTS payments_idempotency_key ON payments (idempotency_key) WHERE idempotency_key IS NOT NULL;
`

export const ledgerPath = (dataDir: string) => Path.join(dataDir, "payments.sqlite")

export class Ledger {
  private readonly previousQuery
  private readonly spentQuery
  private readonly insertQuery
  private readonly finishQuery

  private constructor(private readonly db: SqliteDatabase) {
    this.previousQuery = db.prepare(
      `SELECT * FROM payments WHERE idempotency_key = ? AND created_at > ? AND ${COUNTED} ORDER BY id DESC LIMIT 1`
    )
    this.spentQuery = db.prepare(`SELECT COALESCE(SUM(usd_micro), 0) AS total FROM payments WHERE created_at > ? AND ${COUNTED}`)
    this.insertQuery = db.prepare(
      `INSERT INTO payments (created_at, updated_at, request_id, idempotency_key, endpoint, upstream, network, asset, symbol,
         amount, usd_micro, pay_to, payer, nonce, valid_before, x402_version, status)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending')`
    )
    this.finishQuery = db.prepare("UPDATE payments SET status = ?, tx_hash = ?, detail = ?, updated_at = ? WHERE id = ?")
  }

  /**
   * Opens (creating it 0600 in a 0700 directory) and recovers rows left `pending` by a stopped
   * process. `readonly`: the file must exist, and nothing is recovered (a reader such as
   * `llmrouter spend` must not touch a running router's payments in flight).
   */
  static open(path: string, options: { readonly readonly?: boolean } = {}): Ledger {
    const readonly = options.readonly === true
    const db = openSqlite(path, {
      create: !readonly,
      schema: readonly ? undefined : SCHEMA,
      init: readonly ? undefined : (db) =>
        db.prepare(
          "UPDATE payments SET status = 'unknown', updated_at = ?, detail = 'the router stopped before the outcome was known' WHERE status = 'pending'"
        ).run(Date.now())
    })
    return new Ledger(db)
  }

  close(): void {
    this.db.close()
  }

  /** Checks the idempotency window and the daily cap, then records the payment as `pending`, atomically. */
  reserve(payment: NewPayment, limits: ReserveLimits): Reservation {
    return this.db.transaction((): Reservation => {
      if (payment.idempotencyKey !== undefined) {
        const previous = this.previousQuery.get(payment.idempotencyKey, limits.now - limits.idempotencyWindowMs)
        if (previous !== undefined) return { _tag: "AlreadyPaid", previous: toRow(previous) }
      }
      const spent = this.spentSince(limits.now - DAY_MS)
      if (spent + payment.microUsd > limits.dailyCapMicroUsd) {
        return { _tag: "DailyCapReached", spentMicroUsd: spent, capMicroUsd: limits.dailyCapMicroUsd }
      }
      const result = this.insertQuery.run(
        limits.now, limits.now, payment.requestId, payment.idempotencyKey ?? null, payment.endpoint, payment.upstream,
        payment.network, payment.asset, payment.symbol, payment.amount.toString(), payment.microUsd, payment.payTo,
        payment.payer, payment.nonce, payment.validBefore, payment.x402Version
      )
      return { _tag: "Reserved", id: result.lastInsertRowid }
    })
  }

  finish(id: number, status: Exclude<PaymentStatus, "pending">, outcome: { readonly txHash?: string | undefined; readonly detail?: string | undefined } = {}): void {
    this.finishQuery.run(status, outcome.txHash ?? null, outcome.detail ?? null, Date.now(), id)
  }

  /** Micro-USD committed since `since` (ms). */
  spentSince(since: number): bigint {
    return BigInt((this.spentQuery.get(since)?.total ?? 0) as number | bigint)
  }

  byUpstream(now: number): ReadonlyArray<UpstreamSpend> {
    const rows = this.db.prepare(
      `SELECT upstream,
              COUNT(*) AS payments,
              COALESCE(SUM(CASE WHEN created_at > ? THEN usd_micro ELSE 0 END), 0) AS last24h,
              COALESCE(SUM(usd_micro), 0) AS total,
              COALESCE(SUM(CASE WHEN status = 'settled' THEN usd_micro ELSE 0 END), 0) AS settled,
              SUM(CASE WHEN status = 'unknown' THEN 1 ELSE 0 END) AS unknown
         FROM payments WHERE ${COUNTED} GROUP BY upstream ORDER BY upstream`
    ).all(now - DAY_MS)
    return rows.map((r) => ({
      upstream: String(r.upstream),
      payments: Number(r.payments),
      last24hMicroUsd: BigInt(r.last24h as number | bigint),
      totalMicroUsd: BigInt(r.total as number | bigint),
      settledMicroUsd: BigInt(r.settled as number | bigint),
      unknown: Number(r.unknown)
    }))
  }

  recent(limit: number): ReadonlyArray<PaymentRow> {
    return this.db.prepare("SELECT * FROM payments ORDER BY id DESC LIMIT ?").all(limit).map(toRow)
  }

  get(id: number): PaymentRow | undefined {
    const row = this.db.prepare("SELECT * FROM payments WHERE id = ?").get(id)
    return row === undefined ? undefined : toRow(row)
  }
}

const toRow = (r: SqlRow): PaymentRow => {
  return {
    id: Number(r.id),
    createdAt: Number(r.created_at),
    endpoint: String(r.endpoint),
    upstream: String(r.upstream),
    amount: String(r.amount),
    symbol: String(r.symbol),
    status: String(r.status) as PaymentStatus,
    txHash: r.tx_hash === null ? null : String(r.tx_hash),
    nonce: String(r.nonce),
    detail: r.detail === null ? null : String(r.detail)
  }
}
