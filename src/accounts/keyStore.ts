/**
 * The durable side of scoped keys: `<dataDir>/keys.sqlite` (better-sqlite3, WAL, `synchronous=FULL`,
 * 0600 — the same settings as the payment ledger, in a file of its own so neither schema nor lock
 * traffic is shared with payments). One row per key: what it was minted with (never the token),
 * when it was revoked, and what it has used (requests, tokens, micro-USD paid via x402). The server
 * reads a key's row on every request (one primary-key lookup), so a revocation written by
 * `llmrouter keys revoke` — another process — takes effect on the very next request.
 */
import Database from "better-sqlite3"
import { closeSync, mkdirSync, openSync } from "node:fs"
import * as Path from "node:path"
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

export class KeyStore {
  private readonly stateQuery: Database.Statement
  private readonly startQuery: Database.Statement
  private readonly usageQuery: Database.Statement

  private constructor(private readonly db: Database.Database) {
    this.stateQuery = db.prepare("SELECT revoked_at, tokens, spent_usd_micro FROM access_keys WHERE jti = ?")
    this.startQuery = db.prepare("UPDATE access_keys SET requests = requests + 1, last_used_at = ? WHERE jti = ?")
    this.usageQuery = db.prepare("UPDATE access_keys SET tokens = tokens + ?, spent_usd_micro = spent_usd_micro + ? WHERE jti = ?")
  }

  static open(path: string): KeyStore {
    mkdirSync(Path.dirname(path), { recursive: true, mode: 0o700 })
    closeSync(openSync(path, "a", 0o600))
    const db = new Database(path)
    db.pragma("busy_timeout = 5000")
    db.pragma("journal_mode = WAL")
    db.pragma("synchronous = FULL")
    db.exec(SCHEMA)
    // Stores made before admin keys existed gain the column (every old key is a client key).
    const columns = db.prepare("PRAGMA table_info(access_keys)").all() as ReadonlyArray<{ readonly name: string }>
    if (!columns.some((c) => c.name === "admin")) db.exec("ALTER TABLE access_keys ADD COLUMN admin INTEGER NOT NULL DEFAULT 0")
    return new KeyStore(db)
  }

  close(): void {
    this.db.close()
  }

  insert(key: Omit<KeyRecord, "revokedAt" | "requests" | "tokens" | "spentUsdMicro" | "lastUsedAt">): void {
    this.db.prepare(
      `INSERT INTO access_keys (jti, name, account_id, created_at, expires_at, models, budget_usd_micro, budget_tokens, rpm, admin)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
    ).run(key.jti, key.name, key.accountId, key.createdAt, key.expiresAt, JSON.stringify(key.models), key.budgetUsdMicro, key.budgetTokens, key.rpm, key.admin ? 1 : 0)
  }

  /** A valid key minted elsewhere (or before this file existed) gets its row on first use. */
  ensure(key: KeyPrincipal, now: number): void {
    this.db.prepare(
      `INSERT OR IGNORE INTO access_keys (jti, name, account_id, created_at, expires_at, models, budget_usd_micro, budget_tokens, rpm, admin)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
    ).run(key.jti, key.name, key.accountId, now, key.expiresAt ?? null, JSON.stringify(key.models), key.budgetUsdMicro ?? null, key.budgetTokens ?? null, key.rpm ?? null, key.admin ? 1 : 0)
  }

  state(jti: string): KeyUsageState | undefined {
    const row = this.stateQuery.get(jti) as { revoked_at: number | null; tokens: number; spent_usd_micro: number } | undefined
    return row === undefined ? undefined : { revokedAt: row.revoked_at, tokens: row.tokens, spentUsdMicro: row.spent_usd_micro }
  }

  recordStart(jti: string, now: number): void {
    this.startQuery.run(now, jti)
  }

  recordUsage(jti: string, tokens: number, usdMicro: number): void {
    if (tokens > 0 || usdMicro > 0) this.usageQuery.run(Math.max(0, Math.round(tokens)), Math.max(0, Math.ceil(usdMicro)), jti)
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
    const row = this.db.prepare("SELECT * FROM access_keys WHERE jti = ?").get(jti)
    return row === undefined ? undefined : toRecord(row)
  }

  byName(name: string): ReadonlyArray<KeyRecord> {
    return this.db.prepare("SELECT * FROM access_keys WHERE name = ? ORDER BY created_at").all(name).map(toRecord)
  }

  list(): ReadonlyArray<KeyRecord> {
    return this.db.prepare("SELECT * FROM access_keys ORDER BY created_at, jti").all().map(toRecord)
  }
}

const toRecord = (raw: unknown): KeyRecord => {
  const r = raw as Record<string, unknown>
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v))
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
