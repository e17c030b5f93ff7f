/**
 * The `Store` service: the one way to the durable state (payment ledger, scoped keys, their usage
 * and rate windows), as `@effect/sql` clients on one of two engines (`store` in the config):
 * - `sqlite` (default): one file per part in the data dir (`payments.sqlite`, `keys.sqlite`) on
 *   our own SQLite engines (`store/sqlClient.ts`); several routers on one machine share them.
 * - `postgres`: one database shared by routers on any number of machines.
 * A part is opened and migrated on first use (a router that never pays never creates a ledger);
 * an open that fails is tried again on the next use, so a router recovers by itself when its
 * database comes back. Every failure, timeout included, is a `StoreUnavailable` whose message
 * never holds a credential. The ledger part also registers this router as an instance
 * (`store/instances.ts`), which `/stats` reports.
 */
import { SqlClient } from "@effect/sql/SqlClient"
import type * as Migrator from "@effect/sql/Migrator"
import { SqlError } from "@effect/sql/SqlError"
import { Context, Duration, Effect, Layer, Redacted, Schema, Schedule, Scope } from "effect"
import { existsSync } from "node:fs"
import { Config } from "./Config.js"
import { ConfigError } from "./config/errors.js"
import type { StoreConfig } from "./config/store.js"
import { lookupKey } from "./providers/resolve.js"
import { heartbeat, HEARTBEAT_MS, type Instance, newInstance } from "./store/instances.js"
import { migrate } from "./store/migrations.js"
import { sqlitePath, type StorePart } from "./store/parts.js"
import { openSqlite, StoreError } from "./store/open.js"
import { describeUrl, makePostgresClient } from "./store/postgres.js"
import { makeSqliteClient } from "./store/sqlClient.js"

export { sqlitePath, type StorePart } from "./store/parts.js"
export type { Instance } from "./store/instances.js"

/** The store could not be reached, read or written in time. `message` names no credential. */
export class StoreUnavailable extends Schema.TaggedError<StoreUnavailable>()("StoreUnavailable", {
  message: Schema.String
}) {}

export interface StoreService {
  readonly kind: StoreConfig["kind"]
  /** This router among those sharing the store. */
  readonly instance: Instance
  /** `sqlite <dataDir>` or `postgres host:port/db`: for messages and reports. */
  readonly location: string
  /**
   * Runs `f` with `part`'s client (opened and migrated on first use). Database errors, defects
   * (a failed commit) and timeouts become `StoreUnavailable`.
   */
  readonly use: <A, E>(part: StorePart, f: (sql: SqlClient) => Effect.Effect<A, E>) => Effect.Effect<A, Exclude<E, SqlError> | StoreUnavailable>
  /** Whether `part` may hold state (SQLite: its file exists), for readers that must not create it. */
  readonly exists: (part: StorePart) => boolean
}

export class Store extends Context.Tag("llmrouter/Store")<Store, StoreService>() {}


interface Engine {
  readonly location: string
  readonly timeoutMs: number | undefined
  readonly open: (part: StorePart) => Effect.Effect<SqlClient, SqlError | StoreError, Scope.Scope>
  readonly exists: (part: StorePart) => boolean
}

const sqliteEngine = (dataDir: string): Engine => ({
  location: `sqlite ${dataDir}`,
  timeoutMs: undefined,
  exists: (part) => existsSync(sqlitePath(dataDir, part)),
  open: (part) =>
    Effect.flatMap(
      Effect.acquireRelease(Effect.try({
        try: () => openSqlite(sqlitePath(dataDir, part), { create: true }),
        catch: (error) => error instanceof StoreError ? error : new StoreError({ message: String(error), busy: false })
      }), (db) => Effect.sync(() => db.close())),
      makeSqliteClient
    )
})

const postgresEngine = (settings: Extract<StoreConfig, { kind: "postgres" }>, env: Readonly<Record<string, string>>, instance: Instance) =>
  Effect.gen(function*() {
    const found = lookupKey(settings.url, env, "store.url")
    if (found._tag === "Missing") return yield* new ConfigError({ message: `${found.reason} (the Postgres URL, e.g. postgres://user:password@host:5432/llmrouter).` })
    const url = found.key
    const where = describeUrl(Redacted.value(url))
    if (where === undefined) return yield* new ConfigError({ message: "store.url: expected a postgres:// or postgresql:// URL (the value is not shown: it may hold a password)." })
    let shared: SqlClient | undefined
    const engine: Engine = {
      location: `postgres ${where}`,
      timeoutMs: settings.timeoutMs,
      exists: () => true,
      open: () =>
        shared !== undefined
          ? Effect.succeed(shared)
          : Effect.tap(makePostgresClient({ url: Redacted.value(url), maxConnections: settings.maxConnections, timeoutMs: settings.timeoutMs }, instance), (client) => {
            shared = client
          })
    }
    return engine
  })

const causeText = (error: unknown): string => {
  if (error instanceof SqlError) {
    const cause = error.cause instanceof Error ? error.cause.message : error.cause === undefined ? "" : String(error.cause)
    return cause === "" || cause === error.message ? error.message : `${error.message}: ${cause}`
  }
  if (error instanceof Error) return error.message
  return String(error)
}

export const make = Effect.gen(function*() {
  const { config, dataDir, env } = yield* Config
  const scope = yield* Effect.scope
  const instance = newInstance(Date.now())
  const engine = config.store.kind === "postgres" ? yield* postgresEngine(config.store, env, instance) : sqliteEngine(dataDir)
  const clients = new Map<StorePart, SqlClient>()
  const opening = yield* Effect.makeSemaphore(1)

  const unavailable = (error: unknown) => new StoreUnavailable({ message: `the store (${engine.location}) is unavailable: ${causeText(error)}` })

  const registerInstance = (sql: SqlClient) =>
    Effect.gen(function*() {
      yield* heartbeat(sql, instance, Date.now())
      // Alive as long as this router: refreshed, and gone routers' payments recovered, every few seconds.
      yield* Effect.suspend(() => heartbeat(sql, instance, Date.now())).pipe(
        Effect.catchAllCause(() => Effect.void),
        Effect.repeat(Schedule.spaced(Duration.millis(HEARTBEAT_MS))),
        Effect.forkIn(scope)
      )
      yield* Scope.addFinalizer(scope, Effect.ignore(sql`DELETE FROM instances WHERE id = ${instance.id}`))
    })

  const open = (part: StorePart): Effect.Effect<SqlClient, SqlError | StoreError | Migrator.MigrationError> => {
    const ready = clients.get(part)
    return ready !== undefined ? Effect.succeed(ready) : opening.withPermits(1)(opened(part))
  }

  /** Opens and migrates `part`, once (a fiber that waited for another's open finds it done). */
  const opened = (part: StorePart) =>
    Effect.suspend(() => {
      const ready = clients.get(part)
      if (ready !== undefined) return Effect.succeed(ready)
      return Effect.gen(function*() {
        const sql = yield* Scope.extend(engine.open(part), scope)
        // Two routers starting together may race to create the migrations table: the loser retries.
        yield* migrate(part).pipe(Effect.provideService(SqlClient, sql), Effect.retry({ times: 2 }))
        if (part === "ledger") yield* registerInstance(sql)
        clients.set(part, sql)
        return sql
      })
    })

  const use: StoreService["use"] = (part, f) => {
    const run = Effect.flatMap(open(part), f)
    const bounded = engine.timeoutMs === undefined ? run : Effect.timeoutFail(run, {
      duration: Duration.millis(engine.timeoutMs),
      onTimeout: () => new SqlError({ message: `no answer within ${engine.timeoutMs} ms` })
    })
    return bounded.pipe(
      Effect.catchAllDefect((defect) => Effect.fail(unavailable(defect))),
      Effect.catchIf(
        (error): error is never => error instanceof SqlError || error instanceof StoreError || (error as { _tag?: unknown })?._tag === "MigrationError",
        (error) => Effect.fail(unavailable(error))
      )
    ) as never
  }

  return Store.of({ kind: config.store.kind, instance, location: engine.location, use, exists: engine.exists })
})

export const layer = Layer.scoped(Store, make)
