/**
 * Both SQLite engines on the same files, as when a Node 24 OpenClaw Gateway (`node:sqlite`) and a
 * Node 20 CLI (the WASM build) share one data dir: each reads what the other wrote, both reserve
 * against one daily cap at the same time without exceeding it, a WAL file left by an older
 * llmrouter is converted in place with its un-checkpointed rows, and a process killed inside a
 * transaction leaves nothing that blocks or corrupts the next one.
 */
import { existsSync, mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import { afterEach, expect, it } from "vitest"
import { openLedger } from "./openLedger.js"
import { nodeSqlite } from "../../src/store/nodeSqlite.js"
import { openSqlite, sqliteEngine } from "../../src/store/open.js"
import type { SqliteEngine } from "../../src/store/types.js"
import { node24 } from "../support/node24.js"
import { describeWithTool } from "../support/systemTools.js"
import { payment } from "./payments.js"
import { otherEngineTool, otherSide, type Side, spawnWorker } from "./sides.js"

const dir = () => mkdtempSync(Path.join(tmpdir(), "llmrouter-engines-"))
const SLOW = 180_000

const savedEngine = process.env.LLMROUTER_SQLITE
afterEach(() => {
  if (savedEngine === undefined) delete process.env.LLMROUTER_SQLITE
  else process.env.LLMROUTER_SQLITE = savedEngine
})

/** Opens in this process with `engine` (both engines load in-process where this Node has them). */
const withEngine = <A>(engine: SqliteEngine, f: () => A): A => {
  const saved = process.env.LLMROUTER_SQLITE
  process.env.LLMROUTER_SQLITE = engine === "wasm" ? "wasm" : "node"
  try {
    return f()
  } finally {
    if (saved === undefined) delete process.env.LLMROUTER_SQLITE
    else process.env.LLMROUTER_SQLITE = saved
  }
}

const integrity = (path: string) => {
  const db = openSqlite(path, { create: false })
  try {
    return db.prepare("PRAGMA integrity_check").get()?.integrity_check
  } finally {
    db.close()
  }
}

describeWithTool(otherEngineTool(), "one ledger file, two SQLite engines", (node) => {
  const other: Side = otherSide(node)

  it("each engine reads the other's rows, and both reserving at once never exceed the shared cap", async () => {
    const dataDir = dir()
    const path = Path.join(dataDir, "payments.sqlite")
    const mine = openLedger(dataDir)
    const now = Date.now()
    const limits = () => ({ now: Date.now(), dailyCapMicroUsd: 200_000n, idempotencyWindowMs: 0 })
    for (let i = 0; i < 3; i++) expect((await mine.reserve(payment(`parent-first-${i}`), { ...limits(), now }))._tag).toBe("Reserved")

    // 20 payments fit under the cap; 3 are taken; each side then tries 20 more, interleaved.
    const worker = spawnWorker(other, ["race", path, "20", "200000"])
    expect(await worker.line("ready")).toBe(`ready ${other.engine}`)
    let reserved = 3
    for (let i = 0; i < 20; i++) {
      if ((await mine.reserve(payment(`parent-${i}`), limits()))._tag === "Reserved") reserved++
      await sleep(15)
    }
    const theirs = Number((await worker.line("reserved")).split(" ")[1])
    expect((await worker.exit).code).toBe(0)
    expect(reserved + theirs).toBe(20)
    expect(theirs).toBeGreaterThan(0)
    expect(await mine.spentSince(now - 1)).toBe(200_000n)
    await mine.close()

    const dump = spawnWorker(other, ["dump", path])
    const seen = JSON.parse(await dump.line("{")) as { engine: string; rows: ReadonlyArray<{ requestId?: string; endpoint: string }> }
    expect(seen.engine).toBe(other.engine)
    expect(seen.rows).toHaveLength(20)
    expect(integrity(path)).toBe("ok")
  }, SLOW)

  it("a process killed inside a transaction (either engine) blocks nobody and loses only its uncommitted row", async () => {
    for (const engine of ["wasm", "node:sqlite"] as const) {
      const side: Side = engine === other.engine ? other : { node: process.execPath, engine }
      const path = Path.join(dir(), "t.sqlite")
      const worker = spawnWorker(side, ["hold", path])
      await worker.line("holding")
      expect(existsSync(`${path}.mutex`)).toBe(true)
      worker.child.kill("SIGKILL")
      await worker.exit

      // A lock that was not broken would be waited on and end busy: the reads and writes prove it was.
      const db = openSqlite(path, { create: false })
      expect(db.prepare("SELECT x FROM t ORDER BY x").all()).toEqual([{ x: 1 }])
      db.prepare("INSERT INTO t (x) VALUES (?)").run(3)
      db.close()
      expect(existsSync(`${path}.mutex`)).toBe(false)
      expect(existsSync(`${path}.lock`)).toBe(false)
      expect(existsSync(`${path}-journal`)).toBe(false)
      expect(integrity(path)).toBe("ok")
    }
  }, SLOW)
})

describeWithTool(nodeSqlite() !== undefined ? { name: "node", path: process.execPath, howTo: "" } : node24(), "a WAL-mode file from an older llmrouter", (node) => {
  it("is converted in place to a rollback journal by the WASM engine, keeping un-checkpointed rows", async () => {
    const path = Path.join(dir(), "keys.sqlite")
    const worker = spawnWorker({ node, engine: "node:sqlite" }, ["wal", path])
    expect((await worker.exit).signal).toBe("SIGKILL")
    expect(existsSync(`${path}-wal`)).toBe(true)
    expect(readFileSync(path)[18]).toBe(2)

    const db = withEngine("wasm", () => openSqlite(path, { create: false }))
    expect(db.engine).toBe("wasm")
    expect(db.prepare("SELECT count(*) AS n FROM t").get()).toEqual({ n: 3 })
    db.close()
    expect(readFileSync(path)[18]).toBe(1)
    expect(existsSync(`${path}-wal`)).toBe(false)
    const again = openSqlite(path, { create: false })
    expect(again.engine).toBe(sqliteEngine())
    expect(again.prepare("SELECT count(*) AS n FROM t").get()).toEqual({ n: 3 })
    again.close()
  }, SLOW)
})
