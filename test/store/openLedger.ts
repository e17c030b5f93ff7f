/**
 * A ledger for tests, on the real `Store` (SQLite in `dataDir` by default, or the given store
 * config), with promise-returning methods. Each `openLedger` is one router instance: `close` ends
 * it as a stopping router would (its instance row goes, so its `pending` rows become recoverable).
 */
import { Effect, Layer, ManagedRuntime } from "effect"
import * as Config from "../../src/Config.js"
import type { StoreConfig } from "../../src/config/store.js"
import { type Ledger, makeLedger } from "../../src/payments/ledger.js"
import * as Store from "../../src/Store.js"

type Methods = { readonly [K in keyof Ledger]: Ledger[K] extends (...args: infer P) => Effect.Effect<infer A, infer _E> ? (...args: P) => Promise<A> : never }

export const openLedger = (dataDir: string, store?: StoreConfig, env: Readonly<Record<string, string>> = {}) => {
  const runtime = ManagedRuntime.make(Store.layer.pipe(Layer.provide(Config.layerFromValue({ dataDir, ...(store === undefined ? {} : { store }) }, { env }))))
  const run = <A, E>(f: (ledger: Ledger) => Effect.Effect<A, E>) =>
    runtime.runPromise(Effect.flatMap(Store.Store, (store) => store.use("ledger", (sql) => f(makeLedger(sql, store.instance.id)))))
  const methods: Methods = {
    reserve: (payment, limits) => run((l) => l.reserve(payment, limits)),
    finish: (id, status, outcome) => run((l) => l.finish(id, status, outcome)),
    spentSince: (since) => run((l) => l.spentSince(since)),
    byUpstream: (now) => run((l) => l.byUpstream(now)),
    recent: (limit) => run((l) => l.recent(limit)),
    get: (id) => run((l) => l.get(id)),
    unresolved: (network, limit) => run((l) => l.unresolved(network, limit)),
    resolve: (id, status, detail) => run((l) => l.resolve(id, status, detail))
  }
  return { ...methods, instance: () => runtime.runPromise(Effect.map(Store.Store, (s) => s.instance)), close: () => runtime.dispose() }
}
