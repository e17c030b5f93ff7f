/**
 * The durable side of scoped keys: `<dataDir>/keys.sqlite` (`store/open.ts`: same engine and
 * settings as the payment ledger, in a file of its own so neither schema nor lock traffic is shared
 * with payments). One row per key: what it was minted with (never the token), when it was
 * revoked, and what it has used (requests, tokens, micro-USD paid via x402).
 *
 * The request path keeps the disk's sync path short:
 * - reads: a key's row is cached until the file's change counter (header offset 24, bumped by
 *   every commit of any process) moves, so a revocation written by `llmrouter keys revoke` in
 *   another process still takes effect on the very next request, for one 4-byte read per request.
 * - writes: a request's count and its usage are added up in memory and written when its answer
 *   ends, in one transaction shared by every request that ended in the same event-loop turn (a
 *   group commit): one commit per request when idle, fewer under load. Money (x402 spend) is
 *   written at once; counts of answers still streaming are written every `FLUSH_MS`.
 */
import { closeSync, openSync, readSync } from "node:fs"
import * as Path from "node:path"
import { openSqlite, type SqliteDatabase, type SqlRow } from "../store/open.js"
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

export interface KeyUsageState {
  readonly revokedAt: number | null
  readonly tokens: number
  readonly spentUsdMicro: number
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS access_keys (
  jti TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  account_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER,
  models TEXT NOT NULL,
  budget_usd_micro INTEGER,
  budget_tokens INTEGER,
  rpm INTEGER,
  revoked_at INTEGER,
  requests INTEGER NOT NULL DEFAULT 0,
  tokens INTEGER NOT NULL DEFAULT 0,
  spent_usd_micro INTEGER NOT NULL DEFAULT 0,
  last_used_at INTEGER
);
CREATE INDEX IF NOT EXISTS access_keys_name ON access_keys (name);
`

export const keyStorePath = (dataDir: string) => Path.join(dataDir, "keys.sqlite")

/** How long usage counts wait in memory before they are written together. */
export const FLUSH_MS = 1_000

interface Usage {
  requests: number
  tokens: number
  usdMicro: number
  lastUsedAt: number | null
}

export class KeyStore {
  private readonly stateQuery
  private readonly usageUpdate
  private readonly header = Buffer.alloc(4)
  private readonly versionFd: number
  private cachedVersion = -1
  private readonly cache = new Map<string, KeyUsageState | null>()
  private readonly pending = new Map<string, Usage>()
  private flushTimer: NodeJS.Timeout | undefined
  private flushImmediate: NodeJS.Immediate | undefined

  private constructor(private readonly db: SqliteDatabase) {
    this.stateQuery = db.prepare("SELECT revoked_at, tokens, spent_usd_micro FROM access_keys WHERE jti = ?")
    this.usageUpdate = db.prepare(
      `UPDATE access_keys SET requests = requests + ?, tokens = tokens + ?, spent_usd_micro = spent_usd_micro + ?,
         last_used_at = COALESCE(MAX(last_used_at, ?), last_used_at, ?) WHERE jti = ?`
    )
    this.versionFd = openSync(db.path, "r")
  }

  static open(path: string): KeyStore {
    const db = openSqlite(path, {
      create: true,
      schema: SCHEMA,
      init: (db) => {
        // Stores made before admin keys existed gain the column (every old key is a client key).
        if (!db.prepare("PRAGMA table_info(access_keys)").all().some((c) => c.name === "admin")) {
          db.exec("ALTER TABLE access_keys ADD COLUMN admin INTEGER NOT NULL DEFAULT 0")
        }
      }
    })
    try {
      return new KeyStore(db)
    } catch (error) {
      db.close()
      throw error
    }
  }

  /** Writes the usage still in memory, then closes. */
  close(): void {
    try {
      this.flush()
    } finally {
      clearTimeout(this.flushTimer)
      clearImmediate(this.flushImmediate)
      closeSync(this.versionFd)
      this.db.close()
    }
  }

  /** SQLite's file change counter: any commit by any process changes it (rollback-journal mode). */
  private version(): number {
    return readSync(this.versionFd, this.header, 0, 4, 24) === 4 ? this.header.readUInt32BE(0) : -1
  }

  private stored(jti: string): KeyUsageState | null {
    const version = this.version()
    if (version !== this.cachedVersion || version === -1) {
      this.cache.clear()
      this.cachedVersion = version
    }
    const cached = this.cache.get(jti)
    if (cached !== undefined) return cached
    const row = this.stateQuery.get(jti)
    const state = row === undefined ? null : { revokedAt: num(row.revoked_at), tokens: Number(row.tokens), spentUsdMicro: Number(row.spent_usd_micro) }
    this.cache.set(jti, state)
    return state
  }

  insert(key: Omit<KeyRecord, "revokedAt" | "requests" | "tokens" | "spentUsdMicro" | "lastUsedAt">): void {
    this.db.prepare(
      `INSERT INTO access_keys (jti, name, account_id, created_at, expires_at, models, budget_usd_micro, budget_tokens, rpm, admin)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
    ).run(key.jti, key.name, key.accountId, key.createdAt, key.expiresAt, JSON.stringify(key.models), key.budgetUsdMicro, key.budgetTokens, key.rpm, key.admin ? 1 : 0)
  }

  /** A valid key minted elsewhere (or before this file existed) gets its row on first use. */
  ensure(key: KeyPrincipal, now: number): void {
    if (this.stored(key.jti) !== null) return
    this.db.prepare(
      `INSERT OR IGNORE INTO access_keys (jti, name, account_id, created_at, expires_at, models, budget_usd_micro, budget_tokens, rpm, admin)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
    ).run(key.jti, key.name, key.accountId, now, key.expiresAt ?? null, JSON.stringify(key.models), key.budgetUsdMicro ?? null, key.budgetTokens ?? null, key.rpm ?? null, key.admin ? 1 : 0)
  }

  /** What the key has used, including what is still in memory. */
  state(jti: string): KeyUsageState | undefined {
    const stored = this.stored(jti)
    if (stored === null) return undefined
    const usage = this.pending.get(jti)
    return usage === undefined ? stored : { ...stored, tokens: stored.tokens + usage.tokens, spentUsdMicro: stored.spentUsdMicro + usage.usdMicro }
  }

  recordStart(jti: string, now: number): void {
    const usage = this.usage(jti)
    usage.requests += 1
    usage.lastUsedAt = Math.max(usage.lastUsedAt ?? now, now)
  }

  /**
   * The answer ended: its count and usage are written in this turn's group commit (money at once,
   * before the answer is released).
   */
  recordEnd(jti: string, tokens: number, usdMicro: number): void {
    const usage = this.usage(jti)
    usage.tokens += Math.max(0, Math.round(tokens))
    usage.usdMicro += Math.max(0, Math.ceil(usdMicro))
    if (usdMicro > 0) this.flush()
    else this.flushImmediate ??= setImmediate(() => this.flushQuietly())
  }

  private flushQuietly(): void {
    try {
      this.flush()
    } catch {
      // busy or a full disk: the counts stay in memory and the next flush tries again
    }
  }

  private usage(jti: string): Usage {
    let usage = this.pending.get(jti)
    if (usage === undefined) {
      usage = { requests: 0, tokens: 0, usdMicro: 0, lastUsedAt: null }
      this.pending.set(jti, usage)
    }
    this.flushTimer ??= setTimeout(() => this.flushQuietly(), FLUSH_MS).unref()
    return usage
  }

  /** Writes the usage counted in memory, in one transaction; on failure it stays in memory. */
  flush(): void {
    clearTimeout(this.flushTimer)
    clearImmediate(this.flushImmediate)
    this.flushTimer = undefined
    this.flushImmediate = undefined
    if (this.pending.size === 0) return
    const batch = [...this.pending]
    this.pending.clear()
    try {
      this.db.transaction(() => {
        for (const [jti, u] of batch) this.usageUpdate.run(u.requests, u.tokens, u.usdMicro, u.lastUsedAt, u.lastUsedAt, jti)
      })
    } catch (error) {
      for (const [jti, u] of batch) {
        const now = this.usage(jti)
        now.requests += u.requests
        now.tokens += u.tokens
        now.usdMicro += u.usdMicro
        now.lastUsedAt = Math.max(now.lastUsedAt ?? 0, u.lastUsedAt ?? 0) || null
      }
      throw error
    }
  }

  /** Marks revoked (keeps the row and its usage); a jti never seen gets a revoked row. False: already revoked. */
  revoke(jti: string, now: number, fallback: { readonly name: string; readonly accountId: string }): boolean {
    const existing = this.get(jti)
    if (existing === undefined) {
      this.db.prepare(
        "INSERT INTO access_keys (jti, name, account_id, created_at, models, revoked_at) VALUES (?, ?, ?, ?, '[]', ?)"
      ).run(jti, fallback.name, fallback.accountId, now, now)
      return true
    }
    if (existing.revokedAt !== null) return false
    this.db.prepare("UPDATE access_keys SET revoked_at = ? WHERE jti = ?").run(now, jti)
    return true
  }

  get(jti: string): KeyRecord | undefined {
    this.flush()
    const row = this.db.prepare("SELECT * FROM access_keys WHERE jti = ?").get(jti)
    return row === undefined ? undefined : toRecord(row)
  }

  byName(name: string): ReadonlyArray<KeyRecord> {
    this.flush()
    return this.db.prepare("SELECT * FROM access_keys WHERE name = ? ORDER BY created_at").all(name).map(toRecord)
  }

  list(): ReadonlyArray<KeyRecord> {
    this.flush()
    return this.db.prepare("SELECT * FROM access_keys ORDER BY created_at, jti").all().map(toRecord)
  }
}

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v))

const toRecord = (r: SqlRow): KeyRecord => {
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
