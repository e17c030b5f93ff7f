/**
 * The other side of the cross-engine tests, run as a separate process (`node --import tsx`), on
 * another Node major or with `LLMROUTER_SQLITE` forcing the other engine. Commands:
 * - `race <ledger file> <attempts> <capMicroUsd>`: prints `ready <engine>`, then reserves a payment
 *   every 15 ms and prints `reserved <n>`.
 * - `hold <db>`: commits one row in table `t`, then prints `holding` inside a second transaction
 *   and waits there to be killed.
 * - `wal <db>`: writes three rows to table `t` in WAL mode without a checkpoint (as an older
 *   llmrouter did) and dies before closing (node:sqlite only).
 * - `dump <ledger>`: prints the engine and the ledger's rows as JSON.
 */
import { setTimeout as sleep } from "node:timers/promises"
import { sleepSync } from "../../src/store/fileLock.js"
import { nodeSqlite } from "../../src/store/nodeSqlite.js"
import { openSqlite, sqliteEngine } from "../../src/store/open.js"
import { openLedger } from "./openLedger.js"
import { payment } from "./payments.js"
import * as Path from "node:path"

const [command, path = "", ...rest] = process.argv.slice(2)

if (command === "race") {
  const [attempts = "0", cap = "0"] = rest
  const ledger = openLedger(Path.dirname(path))
  await ledger.spentSince(0)
  process.stdout.write(`ready ${sqliteEngine()}\n`)
  let reserved = 0
  for (let i = 0; i < Number(attempts); i++) {
    if ((await ledger.reserve(payment(`child-${i}`), { now: Date.now(), dailyCapMicroUsd: BigInt(cap), idempotencyWindowMs: 0 }))._tag === "Reserved") reserved++
    await sleep(15)
  }
  await ledger.close()
  process.stdout.write(`reserved ${reserved}\n`)
} else if (command === "hold") {
  const db = openSqlite(path, { create: true, schema: "CREATE TABLE IF NOT EXISTS t (x INTEGER)" })
  db.prepare("INSERT INTO t (x) VALUES (?)").run(1)
  db.transaction(() => {
    db.prepare("INSERT INTO t (x) VALUES (?)").run(2)
    process.stdout.write("holding\n")
    for (;;) sleepSync(1_000)
  })
} else if (command === "wal") {
  const sqlite = nodeSqlite()
  if (sqlite === undefined) throw new Error("wal needs node:sqlite")
  const db = new sqlite.DatabaseSync(path)
  db.exec("PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0; CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1), (2), (3)")
  process.kill(process.pid, "SIGKILL")
} else if (command === "dump") {
  const ledger = openLedger(Path.dirname(path))
  process.stdout.write(`${JSON.stringify({ engine: sqliteEngine(), rows: await ledger.recent(1_000) }, (_, v: unknown) => (typeof v === "bigint" ? String(v) : v))}\n`)
  await ledger.close()
} else {
  throw new Error(`unknown command ${command}`)
}
