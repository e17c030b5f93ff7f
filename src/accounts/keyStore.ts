/**
 * The durable side of scoped keys, on the `Store`'s keys part (`keys.sqlite`, or the shared
 * Postgres): one row per key — what it was minted with (never the token), when it was revoked,
 * what it has used (requests, tokens, micro-USD paid via x402) — and one row per admitted request
 * of a key with an rpm limit (`key_admissions`), so every router sharing the store counts one
 * window.
 *
 * `admit` is one transaction that locks the key's row (`FOR UPDATE` on Postgres; SQLite's
 * `BEGIN IMMEDIATE` serialises every writer), checks revocation, budgets and the rpm window, and
 * records the admission: two routers cannot both take the last request of a window.
 */
import type { SqlClient } from "@effect/sql/SqlClient"
import { Effect } from "effect"
import type { KeyPrincipal } from "./claims.js"

export interface KeyRecord {
  readonly jti: string
  readonly name: string
  readonly accountId: string
  readonly createdAt: number
  /** Seconds since the epoch. */
  readonly expiresAt: number | null
  readonly models: ReadonlyArray<string>
  readonly budgetUsdMicro: number | null
  readonly budgetTokens: number | null
  readonly rpm: number | null
  /** Minted with the admin scope (reports, wallet, health details). */
  readonly admin: boolean
  readonly revokedAt: number | null
  readonly requests: number
  readonly tokens: number
  readonly spentUsdMicro: number
  readonly lastUsedAt: number | null
}

export type NewKey = Omit<KeyRecord, "revokedAt" | "requests" | "tokens" | "spentUsdMicro" | "lastUsedAt">

/** What one router has counted for a key and not written yet. */
export interface Usage {
  requests: number
  tokens: number
  usdMicro: number
  lastUsedAt: number
}

export type Admission =
  | { readonly _tag: "Admitted" }
  | { readonly _tag: "Revoked"; readonly at: number }
  | { readonly _tag: "TokenBudgetUsed"; readonly tokens: number }
  | { readonly _tag: "MoneyBudgetSpent"; readonly usdMicro: number }
  | { readonly _tag: "RateLimited"; readonly retryAfterSeconds: number }

const WINDOW_MS = 60_000

type Row = Readonly<Record<string, unknown>>

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v))

export const makeKeyStore = (sql: SqlClient) => {
  const forUpdate = sql.onDialectOrElse({ pg: () => sql.literal("FOR UPDATE"), orElse: () => sql.literal("") })

  const insertRow = (key: NewKey, conflict: "fail" | "ignore") =>
    Effect.asVoid(sql`INSERT INTO access_keys (jti, name, account_id, created_at, expires_at, models, budget_usd_micro, budget_tokens, rpm, admin)
      VALUES (${key.jti}, ${key.name}, ${key.accountId}, ${key.createdAt}, ${key.expiresAt}, ${JSON.stringify(key.models)},
        ${key.budgetUsdMicro}, ${key.budgetTokens}, ${key.rpm}, ${key.admin ? 1 : 0})
      ${conflict === "ignore" ? sql.literal("ON CONFLICT (jti) DO NOTHING") : sql.literal("")}`)

  /** A valid key minted elsewhere (or before the store existed) gets its row on first use. */
  const ensure = (key: KeyPrincipal, now: number) =>
    insertRow({
      jti: key.jti, name: key.name, accountId: key.accountId, createdAt: now, expiresAt: key.expiresAt ?? null, models: key.models,
      budgetUsdMicro: key.budgetUsdMicro ?? null, budgetTokens: key.budgetTokens ?? null, rpm: key.rpm ?? null, admin: key.admin
    }, "ignore")

  /** `undefined`: no row; `null`: not revoked. */
  const revokedAt = (jti: string) =>
    Effect.map(sql<Row>`SELECT revoked_at FROM access_keys WHERE jti = ${jti}`, (rows) => rows[0] === undefined ? undefined : num(rows[0].revoked_at))

  /**
   * Checks and records one request of `key` atomically. `unwritten` is what this router counted
   * and has not written yet (it counts against the budgets too).
   */
  const admit = (key: KeyPrincipal, now: number, unwritten: Usage | undefined) =>
    sql.withTransaction(Effect.gen(function*() {
      yield* ensure(key, now) // so that the row exists to be locked
      const [row] = yield* sql<Row>`SELECT revoked_at, tokens, spent_usd_micro FROM access_keys WHERE jti = ${key.jti} ${forUpdate}`
      const revoked = num(row?.revoked_at)
      if (revoked !== null) return { _tag: "Revoked", at: revoked } satisfies Admission
      const tokens = Number(row?.tokens ?? 0) + (unwritten?.tokens ?? 0)
      const spent = Number(row?.spent_usd_micro ?? 0) + (unwritten?.usdMicro ?? 0)
      if (key.budgetTokens !== undefined && tokens >= key.budgetTokens) return { _tag: "TokenBudgetUsed", tokens } satisfies Admission
      if (key.budgetUsdMicro !== undefined && spent >= key.budgetUsdMicro) return { _tag: "MoneyBudgetSpent", usdMicro: spent } satisfies Admission
      if (key.rpm !== undefined) {
        yield* sql`DELETE FROM key_admissions WHERE jti = ${key.jti} AND at <= ${now - WINDOW_MS}`
        const [window] = yield* sql<Row>`SELECT COUNT(*) AS n, MIN(at) AS oldest FROM key_admissions WHERE jti = ${key.jti}`
        if (Number(window?.n ?? 0) >= key.rpm) {
          const oldest = Number(window?.oldest ?? now)
          return { _tag: "RateLimited", retryAfterSeconds: Math.max(1, Math.ceil((oldest + WINDOW_MS - now) / 1000)) } satisfies Admission
        }
        yield* sql`INSERT INTO key_admissions (jti, at) VALUES (${key.jti}, ${now})`
      }
      return { _tag: "Admitted" } satisfies Admission
    }))

  /** Adds what was counted in memory, for several keys, in one transaction. */
  const addUsage = (batch: ReadonlyArray<readonly [string, Usage]>) =>
    sql.withTransaction(Effect.forEach(batch, ([jti, u]) =>
      sql`UPDATE access_keys SET requests = requests + ${u.requests}, tokens = tokens + ${u.tokens},
          spent_usd_micro = spent_usd_micro + ${u.usdMicro},
          last_used_at = CASE WHEN last_used_at IS NULL OR last_used_at < ${u.lastUsedAt} THEN ${u.lastUsedAt} ELSE last_used_at END
        WHERE jti = ${jti}`, { discard: true }))

  const get = (jti: string) =>
    Effect.map(sql<Row>`SELECT * FROM access_keys WHERE jti = ${jti}`, (rows) => (rows[0] === undefined ? undefined : toRecord(rows[0])))

  /** Marks revoked (keeps the row and its usage); a jti never seen gets a revoked row. False: already revoked. */
  const revoke = (jti: string, now: number, fallback: { readonly name: string; readonly accountId: string }) =>
    sql.withTransaction(Effect.gen(function*() {
      const existing = yield* get(jti)
      if (existing === undefined) {
        yield* sql`INSERT INTO access_keys (jti, name, account_id, created_at, models, revoked_at)
          VALUES (${jti}, ${fallback.name}, ${fallback.accountId}, ${now}, '[]', ${now})`
        return true
      }
      if (existing.revokedAt !== null) return false
      yield* sql`UPDATE access_keys SET revoked_at = ${now} WHERE jti = ${jti}`
      return true
    }))

  return {
    insert: (key: NewKey) => insertRow(key, "fail"),
    ensure,
    revokedAt,
    admit,
    addUsage,
    revoke,
    get,
    byName: (name: string) => Effect.map(sql<Row>`SELECT * FROM access_keys WHERE name = ${name} ORDER BY created_at`, (rows) => rows.map(toRecord)),
    list: Effect.map(sql<Row>`SELECT * FROM access_keys ORDER BY created_at, jti`, (rows) => rows.map(toRecord))
  }
}

export type KeyStore = ReturnType<typeof makeKeyStore>

const toRecord = (r: Row): KeyRecord => {
  let models: ReadonlyArray<string> = []
  try {
    const parsed: unknown = JSON.parse(String(r.models))
    if (Array.isArray(parsed)) models = parsed.map(String)
  } catch {
    // an unreadable scope lists as empty
  }
  return {
    jti: String(r.jti),
    name: String(r.name),
    accountId: String(r.account_id),
    createdAt: Number(r.created_at),
    expiresAt: num(r.expires_at),
    models,
    budgetUsdMicro: num(r.budget_usd_micro),
    budgetTokens: num(r.budget_tokens),
    rpm: num(r.rpm),
    admin: Number(r.admin ?? 0) === 1,
    revokedAt: num(r.revoked_at),
    requests: Number(r.requests),
    tokens: Number(r.tokens),
    spentUsdMicro: Number(r.spent_usd_micro),
    lastUsedAt: num(r.last_used_at)
  }
}
