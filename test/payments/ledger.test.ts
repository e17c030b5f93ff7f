import { existsSync, mkdtempSync, readFileSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import { ledgerPath, type NewPayment } from "../../src/payments/ledger.js"
import { openLedger } from "../store/openLedger.js"
import { payment as testPayment } from "../store/payments.js"

const dir = () => mkdtempSync(Path.join(tmpdir(), "llmrouter-ledger-"))
/** A unique 0.01 USDC payment (the helper the store suites share). */
const payment = (overrides: Partial<NewPayment> = {}): NewPayment => testPayment("ledger", overrides)
const limits = (now: number, capMicroUsd = 50_000n) => ({ now, dailyCapMicroUsd: capMicroUsd, idempotencyWindowMs: 3_600_000 })

describe("Ledger", () => {
  it("creates a 0600 SQLite file with a rollback journal (what both engines can share)", async () => {
    const dataDir = dir()
    const path = ledgerPath(dataDir)
    const ledger = openLedger(dataDir)
    await ledger.spentSince(0)
    await ledger.close()
    expect(statSync(path).mode & 0o777).toBe(0o600)
    const header = readFileSync(path)
    expect(header.toString("latin1", 0, 15)).toBe("SQLite format 3")
    expect([header[18], header[19]]).toEqual([1, 1]) // legacy (rollback) read/write versions, not WAL's 2
    expect(existsSync(`${path}-wal`)).toBe(false)
    expect(existsSync(`${path}.mutex`)).toBe(false) // the lock is held only during a statement
  })

  it("enforces the rolling 24 h cap, counting every signed payment but not unsigned ones", async () => {
    const ledger = openLedger(dir())
    const now = 1_800_000_000_000
    const ids: Array<number> = []
    for (let i = 0; i < 5; i++) {
      const r = await ledger.reserve(payment(), limits(now))
      expect(r._tag).toBe("Reserved")
      if (r._tag === "Reserved") ids.push(r.id)
    }
    expect(await ledger.reserve(payment({ amount: 1n, microUsd: 1n }), limits(now))).toMatchObject({ _tag: "DailyCapReached", spentMicroUsd: 50_000n })
    await ledger.finish(ids[0]!, "rejected")
    expect((await ledger.reserve(payment(), limits(now)))._tag).toBe("DailyCapReached") // rejected still counts
    await ledger.finish(ids[1]!, "not_signed")
    expect((await ledger.reserve(payment(), limits(now)))._tag).toBe("Reserved") // signing failed: freed
    // 24 h later the window has moved on
    expect((await ledger.reserve(payment(), limits(now + 24 * 3_600_000 + 1)))._tag).toBe("Reserved")
    await ledger.close()
  })

  it("recomputes today's spend after a restart, and marks payments left pending as unknown", async () => {
    const path = dir()
    const now = Date.now()
    const first = openLedger(path)
    const settled = await first.reserve(payment(), limits(now))
    const pending = await first.reserve(payment(), limits(now))
    if (settled._tag !== "Reserved" || pending._tag !== "Reserved") throw new Error("not reserved")
    await first.finish(settled.id, "settled", { txHash: `0x${"1".repeat(64)}` })
    await first.close() // "crash" with one payment in flight

    const second = openLedger(path)
    expect(await second.spentSince(now - 86_400_000)).toBe(20_000n)
    expect(await second.get(pending.id)).toMatchObject({ status: "unknown" })
    expect(await second.get(settled.id)).toMatchObject({ status: "settled", txHash: `0x${"1".repeat(64)}` })
    expect(await second.byUpstream(now)).toEqual([
      { upstream: "rungate", payments: 2, last24hMicroUsd: 20_000n, totalMicroUsd: 20_000n, settledMicroUsd: 10_000n, unknown: 1 }
    ])
    await second.close()
  })

  it("a second router opening the ledger leaves a live router's payment pending; it is recovered once that router is gone", async () => {
    const dataDir = dir()
    const a = openLedger(dataDir)
    const reserved = await a.reserve(payment(), limits(Date.now()))
    if (reserved._tag !== "Reserved") throw new Error("not reserved")
    const b = openLedger(dataDir)
    expect(await b.get(reserved.id)).toMatchObject({ status: "pending" })
    await a.close()
    const c = openLedger(dataDir)
    expect(await c.get(reserved.id)).toMatchObject({ status: "unknown" })
    await Promise.all([b.close(), c.close()])
  })

  it("refuses a second payment for an idempotency key within the window", async () => {
    const ledger = openLedger(dir())
    const now = Date.now()
    expect((await ledger.reserve(payment({ idempotencyKey: "k1" }), limits(now)))._tag).toBe("Reserved")
    expect(await ledger.reserve(payment({ idempotencyKey: "k1" }), limits(now + 1000))).toMatchObject({ _tag: "AlreadyPaid", previous: { status: "pending" } })
    expect((await ledger.reserve(payment({ idempotencyKey: "k2" }), limits(now)))._tag).toBe("Reserved")
    expect((await ledger.reserve(payment({ idempotencyKey: "k1" }), limits(now + 3_600_001)))._tag).toBe("Reserved") // window over
    await ledger.close()
  })

  it("two ledgers on one file (two routers) share the cap, even reserving concurrently", async () => {
    const path = dir()
    const a = openLedger(path)
    const b = openLedger(path)
    const now = Date.now()
    let reserved = 0
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? a : b).reserve(payment(), limits(now))))
    for (const r of results) if (r._tag === "Reserved") reserved++
    expect(reserved).toBe(5)
    await a.close()
    await b.close()
  })
})
