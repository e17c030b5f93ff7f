/**
 * `llmrouter spend [--config PATH] [--json]`: x402 spend from the ledger (the configured store:
 * the local SQLite file, or the Postgres every router shares), per upstream: the last 24 hours
 * (what the daily cap counts) and the total. Reads; never creates a ledger.
 */
import { Effect, Layer } from "effect"
import { homedir } from "node:os"
import { Config } from "../Config.js"
import { loadConfig } from "../config/load.js"
import { ledgerPath, makeLedger } from "../payments/ledger.js"
import * as Store from "../Store.js"
import { formatMicroUsd, usdToAtomic } from "../payments/networks.js"
import { parse } from "./args.js"
import { runCli } from "./run.js"

export const spend = (argv: ReadonlyArray<string>) => {
  const { values } = parse(argv, { config: { type: "string" }, json: { type: "boolean" } })
  return runCli(Effect.gen(function*() {
    const loaded = yield* loadConfig({ configPath: values.config, env: process.env, homeDir: homedir() })
    const now = Date.now()
    const { path, report } = yield* Effect.gen(function*() {
      const store = yield* Store.Store
      const path = store.kind === "sqlite" ? ledgerPath(loaded.dataDir) : store.location
      const empty = { last24h: 0n, upstreams: [], recent: [] }
      if (!store.exists("ledger")) return { path, report: empty }
      const report = yield* store.use("ledger", (sql) => {
        const ledger = makeLedger(sql, store.instance.id)
        return Effect.all({ last24h: ledger.spentSince(now - 86_400_000), upstreams: ledger.byUpstream(now), recent: ledger.recent(5) })
      })
      return { path, report }
    }).pipe(
      Effect.provide(Store.layer.pipe(Layer.provide(Layer.succeed(Config, loaded)))),
      Effect.scoped,
      Effect.mapError((error) => error._tag === "StoreUnavailable" ? { _tag: "LedgerError", message: `cannot read the ledger: ${error.message}` } : error)
    )
    const cap = usdToAtomic(loaded.config.payments.maxDailyUsd, 6)
    if (values.json === true) {
      console.log(JSON.stringify({
        ledger: path,
        last24hUsd: formatMicroUsd(report.last24h),
        dailyCapUsd: formatMicroUsd(cap),
        upstreams: report.upstreams.map((u) => ({
          upstream: u.upstream,
          payments: u.payments,
          last24hUsd: formatMicroUsd(u.last24hMicroUsd),
          totalUsd: formatMicroUsd(u.totalMicroUsd),
          settledUsd: formatMicroUsd(u.settledMicroUsd),
          unknownOutcomes: u.unknown
        })),
        recent: report.recent
      }, null, 2))
      return
    }
    const lines = [
      `ledger: ${path}`,
      `last 24 h: ${formatMicroUsd(report.last24h)} USD of the ${formatMicroUsd(cap)} USD daily cap`,
      ""
    ]
    if (report.upstreams.length === 0) lines.push("no payments yet")
    else {
      lines.push(`${"upstream".padEnd(16)} ${"payments".padStart(8)} ${"last 24 h".padStart(12)} ${"total".padStart(12)} ${"settled".padStart(12)}  unknown`)
      for (const u of report.upstreams) {
        lines.push(
          `${u.upstream.padEnd(16)} ${String(u.payments).padStart(8)} ${formatMicroUsd(u.last24hMicroUsd).padStart(12)} ` +
            `${formatMicroUsd(u.totalMicroUsd).padStart(12)} ${formatMicroUsd(u.settledMicroUsd).padStart(12)}  ${u.unknown}`
        )
      }
      lines.push("", "amounts in USD; totals count every signed payment (settled, unconfirmed, unknown or refused)")
    }
    console.log(lines.join("\n"))
  }))
}
