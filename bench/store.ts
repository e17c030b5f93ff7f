/**
 * What a scoped-key request with limits costs in the key store, per SQLite engine, through the
 * `@effect/sql` client the router uses (`npm run bench:store`; run it under Node 20 and Node 24):
 * the admission (one transaction: lock, revocation, budgets, rpm window, record) and the usage at
 * the end (one commit per request when requests arrive one at a time, one per 20 when 20 end
 * together). With `DATABASE_URL` set, the same against that Postgres. Baseline in the same run
 * (where this Node has node:sqlite): WAL with synchronous=FULL, two reads and two commits per
 * request, straight on the driver.
 */
import { SqlClient } from "@effect/sql/SqlClient"
import { Effect, type Scope } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import type { KeyPrincipal } from "../src/accounts/claims.js"
import { makeKeyStore } from "../src/accounts/keyStore.js"
import { newInstance } from "../src/store/instances.js"
import { migrate } from "../src/store/migrations.js"
import { nodeSqlite } from "../src/store/nodeSqlite.js"
import { openSqlite, sqliteEngine } from "../src/store/open.js"
import { makePostgresClient } from "../src/store/postgres.js"
import { makeSqliteClient } from "../src/store/sqlClient.js"

const REQUESTS = 400
const key = { jti: "key_bench", name: "bench", accountId: "acct_0000000000000000", models: ["*"], rpm: 1_000_000, admin: false } as unknown as KeyPrincipal

const perRequest = (client: Effect.Effect<SqlClient, unknown, Scope.Scope>, group: number) =>
  Effect.gen(function*() {
    const sql = yield* client
    yield* Effect.provideService(migrate("keys"), SqlClient, sql)
    const keys = makeKeyStore(sql)
    const usage = { requests: 1, tokens: 42, usdMicro: 0, lastUsedAt: Date.now() }
    const run = (n: number) =>
      Effect.forEach(Array.from({ length: n / group }), () =>
        Effect.zipRight(
          Effect.forEach(Array.from({ length: group }), () => keys.admit(key, Date.now(), undefined), { discard: true }),
          keys.addUsage(Array.from({ length: group }, () => [key.jti, usage] as const))
        ), { discard: true })
    yield* run(40)
    const started = process.hrtime.bigint()
    yield* run(REQUESTS)
    return Number(process.hrtime.bigint() - started) / 1_000 / REQUESTS
  }).pipe(Effect.scoped, Effect.runPromise)

const sqliteClient = (engine: "wasm" | "node") =>
  Effect.gen(function*() {
    process.env.LLMROUTER_SQLITE = engine
    const dir = mkdtempSync(Path.join(tmpdir(), "llmrouter-bench-store-"))
    yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
    const db = yield* Effect.acquireRelease(Effect.sync(() => openSqlite(Path.join(dir, "keys.sqlite"), { create: true })), (db) => Effect.sync(() => db.close()))
    return yield* makeSqliteClient(db)
  })

const baseline = (): number | undefined => {
  const sqlite = nodeSqlite()
  if (sqlite === undefined) return undefined
  const dir = mkdtempSync(Path.join(tmpdir(), "llmrouter-bench-wal-"))
  const db = new sqlite.DatabaseSync(Path.join(dir, "keys.sqlite"))
  db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; CREATE TABLE k (jti TEXT PRIMARY KEY, requests INTEGER, tokens INTEGER, revoked_at INTEGER); INSERT INTO k VALUES ('a', 0, 0, NULL)")
  const read = db.prepare("SELECT revoked_at, tokens FROM k WHERE jti = ?")
  const start = db.prepare("UPDATE k SET requests = requests + 1 WHERE jti = ?")
  const usage = db.prepare("UPDATE k SET tokens = tokens + 42 WHERE jti = ?")
  const started = process.hrtime.bigint()
  for (let i = 0; i < REQUESTS; i++) {
    read.get("a")
    read.get("a")
    start.run("a")
    usage.run("a")
  }
  const micros = Number(process.hrtime.bigint() - started) / 1_000 / REQUESTS
  db.close()
  rmSync(dir, { recursive: true, force: true })
  return micros
}

console.log(`key store cost per limited scoped-key request, Node ${process.version} (default engine: ${sqliteEngine()}), ${REQUESTS} requests`)
const base = baseline()
if (base !== undefined) console.log(`  baseline     WAL + FULL, 2 reads + 2 commits       ${base.toFixed(0).padStart(6)} µs`)
const line = (label: string, group: number, micros: number) => {
  const ratio = base === undefined ? "" : `  (${(micros / base).toFixed(2)}× baseline)`
  console.log(`  ${label.padEnd(11)}  admit + usage, 1 usage commit per ${String(group).padEnd(2)} ${micros.toFixed(0).padStart(6)} µs${ratio}`)
}
for (const engine of nodeSqlite() === undefined ? (["wasm"] as const) : (["node", "wasm"] as const)) {
  for (const group of [1, 20]) line(engine === "node" ? "node:sqlite" : "wasm", group, await perRequest(sqliteClient(engine), group))
}
const url = process.env.DATABASE_URL
if (url !== undefined && url !== "") {
  const client = makePostgresClient({ url, maxConnections: 4, timeoutMs: 5_000 }, newInstance(Date.now()))
  for (const group of [1, 20]) line("postgres", group, await perRequest(client, group))
}
