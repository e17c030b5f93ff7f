/**
 * SQLite files written by the llmrouter before the `@effect/sql` store (`fixtures/v0`, made by
 * commit 8d64ab2's `Ledger` and `KeyStore`: a settled payment, one left `pending` by a router that
 * stopped, a key with usage and one revoked) are adopted and migrated in place.
 */
import { Effect, Layer, ManagedRuntime } from "effect"
import { copyFileSync, mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import { makeKeyStore } from "../../src/accounts/keyStore.js"
import * as Config from "../../src/Config.js"
import * as Store from "../../src/Store.js"
import { openLedger } from "./openLedger.js"
import { payment } from "./payments.js"

const fixtureDir = Path.join(import.meta.dirname, "fixtures", "v0")

const copyOfV0 = () => {
  const dataDir = mkdtempSync(Path.join(tmpdir(), "llmrouter-migrate-"))
  for (const file of ["payments.sqlite", "keys.sqlite"]) copyFileSync(Path.join(fixtureDir, file), Path.join(dataDir, file))
  return dataDir
}

const withStore = <A, E>(dataDir: string, f: (store: Store.StoreService) => Effect.Effect<A, E>) => {
  const runtime = ManagedRuntime.make(Store.layer.pipe(Layer.provide(Config.layerFromValue({ dataDir }))))
  return runtime.runPromise(Effect.flatMap(Store.Store, f)).finally(() => runtime.dispose())
}

describe("a data dir from before migrations", () => {
  it("keeps its payments, recovers the stopped router's pending one, and still enforces its idempotency key", async () => {
    const dataDir = copyOfV0()
    const ledger = openLedger(dataDir)
    const rows = await ledger.recent(10)
    expect(rows.map((r) => [r.amount, r.status])).toEqual([["20000", "unknown"], ["10000", "settled"]])
    expect(rows[1]?.txHash).toBe(`0x${"ab".repeat(32)}`)
    const then = 1_800_000_000_000
    expect(await ledger.spentSince(then - 1)).toBe(30_000n)
    const limits = { now: then + 60_000, dailyCapMicroUsd: 1_000_000n, idempotencyWindowMs: 3_600_000 }
    expect(await ledger.reserve(payment("after-migration", { idempotencyKey: "old-key" }), limits)).toMatchObject({ _tag: "AlreadyPaid", previous: { status: "settled" } })
    const fresh = await ledger.reserve(payment("after-migration"), limits)
    expect(fresh).toMatchObject({ _tag: "Reserved", id: 3 })
    await ledger.close()
  })

  it("keeps its keys with their usage and revocations, and records migrations once", async () => {
    const dataDir = copyOfV0()
    const read = () =>
      withStore(dataDir, (store) =>
        store.use("keys", (sql) =>
          Effect.all({
            live: makeKeyStore(sql).get("key_old1"),
            revoked: makeKeyStore(sql).get("key_old2"),
            migrations: sql<{ readonly migration_id: number }>`SELECT migration_id FROM llmrouter_keys_migrations ORDER BY migration_id`
          })))
    const first = await read()
    expect(first.live).toMatchObject({ name: "old-client", tokens: 120, requests: 1, rpm: 5, budgetTokens: 1000, admin: false, revokedAt: null })
    expect(first.revoked).toMatchObject({ name: "old-revoked", admin: true, revokedAt: 1_800_000_000_005 })
    expect(first.migrations.map((m) => Number(m.migration_id))).toEqual([1, 2, 3])
    const again = await read()
    expect(again.migrations).toHaveLength(3)
    expect(again.live).toEqual(first.live)
  })

  it("the ledger file gains its migrations table and instance columns, nothing else changes", async () => {
    const dataDir = copyOfV0()
    const columns = await withStore(dataDir, (store) =>
      store.use("ledger", (sql) => sql<{ readonly name: string }>`PRAGMA table_info(payments)`))
    expect(columns.map((c) => c.name)).toContain("instance_id")
  })
})
