/**
 * What a scoped-key request costs in the key store, per engine (`npm run bench:store`; run it under
 * Node 20 and Node 24): the two state reads (authenticate, admit), the count at start and the usage
 * at the end, written as the server does (a group commit per event-loop turn): one commit per
 * request when requests arrive one at a time, one per 20 when 20 end in the same turn. Baseline in
 * the same run (where this Node has node:sqlite): the previous layout, WAL with synchronous=FULL,
 * two reads and two commits per request.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { KeyStore } from "../src/accounts/keyStore.js"
import type { KeyPrincipal } from "../src/accounts/claims.js"
import { nodeSqlite } from "../src/store/nodeSqlite.js"
import { sqliteEngine } from "../src/store/open.js"

const REQUESTS = 400
const key: KeyPrincipal = { jti: "key_bench", name: "bench", accountId: "acct_0000000000000000", models: ["*"] } as unknown as KeyPrincipal

const perRequest = (engine: "wasm" | "node", group: number) => {
  process.env.LLMROUTER_SQLITE = engine
  const dir = mkdtempSync(Path.join(tmpdir(), "llmrouter-bench-store-"))
  const store = KeyStore.open(Path.join(dir, "keys.sqlite"))
  const request = () => {
    const now = Date.now()
    store.state(key.jti)
    store.ensure(key, now)
    store.state(key.jti)
    store.recordStart(key.jti, now)
    store.recordEnd(key.jti, 42, 0)
  }
  for (let i = 0; i < 40; i++) request()
  store.flush()
  const started = process.hrtime.bigint()
  for (let i = 0; i < REQUESTS; i++) {
    request()
    if ((i + 1) % group === 0) store.flush()
  }
  const micros = Number(process.hrtime.bigint() - started) / 1_000 / REQUESTS
  store.close()
  rmSync(dir, { recursive: true, force: true })
  return micros
}

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

console.log(`key store cost per scoped-key request, Node ${process.version} (default engine: ${sqliteEngine()}), ${REQUESTS} requests`)
const base = baseline()
if (base !== undefined) console.log(`  baseline  WAL + FULL, 2 reads + 2 commits        ${base.toFixed(0).padStart(6)} µs`)
for (const engine of nodeSqlite() === undefined ? (["wasm"] as const) : (["node", "wasm"] as const)) {
  for (const group of [1, 20]) {
    const micros = perRequest(engine, group)
    const ratio = base === undefined ? "" : `  (${(micros / base).toFixed(2)}× baseline)`
    console.log(`  ${engine === "node" ? "node:sqlite" : "wasm       "}  1 commit per ${String(group).padEnd(2)} request(s)          ${micros.toFixed(0).padStart(6)} µs${ratio}`)
  }
}
