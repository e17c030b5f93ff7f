/**
 * The Postgres engine: `@effect/sql-pg` over a `pg` pool that connects on first use, not at start
 * (a router starts and routes while its database is down; what needs the store waits for it).
 * Loaded only when `store.kind` is `postgres`. The URL's password stays inside the pool: every
 * message about the database names only `host:port/database`.
 */
import * as Reactivity from "@effect/experimental/Reactivity"
import type * as Client from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import { Effect, type Scope } from "effect"
import { createRequire } from "node:module"
import type { Instance } from "./instances.js"

export interface PostgresSettings {
  readonly url: string
  readonly maxConnections: number
  readonly timeoutMs: number
}

/** `host:port/database` of a `postgres://` URL, or undefined when it is not one. */
export const describeUrl = (url: string): string | undefined => {
  try {
    const parsed = new URL(url)
    if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:") return undefined
    const host = parsed.hostname === "" ? (parsed.searchParams.get("host") ?? "localhost") : parsed.hostname
    return `${host}${parsed.port === "" ? "" : `:${parsed.port}`}${parsed.pathname === "" ? "/" : parsed.pathname}`
  } catch {
    return undefined
  }
}

interface PoolLike {
  on(event: "error", listener: (error: Error) => void): unknown
  end(): Promise<void>
}

type PoolConstructor = new(options: Record<string, unknown>) => PoolLike

export const makePostgresClient = (settings: PostgresSettings, instance: Instance): Effect.Effect<Client.SqlClient, SqlError, Scope.Scope> =>
  Effect.gen(function*() {
    const PgClient = yield* Effect.promise(() => import("@effect/sql-pg/PgClient"))
    const { Pool } = createRequire(import.meta.url)("pg") as { readonly Pool: PoolConstructor }
    const acquire = Effect.acquireRelease(
      Effect.sync(() => {
        const pool = new Pool({
          connectionString: settings.url,
          max: settings.maxConnections,
          connectionTimeoutMillis: settings.timeoutMs,
          idleTimeoutMillis: 30_000,
          // A statement stuck behind a lock fails rather than holding a request forever.
          statement_timeout: settings.timeoutMs,
          application_name: `llmrouter ${instance.id}`.slice(0, 63)
        })
        // An idle connection cut by a database restart emits this; without a listener Node
        // would end the process. The next query simply opens a new connection.
        pool.on("error", () => {})
        return pool
      }),
      (pool) => Effect.promise(() => pool.end()).pipe(Effect.timeoutOption(1_000))
    )
    return yield* PgClient.fromPool({ acquire: acquire as never, applicationName: "llmrouter" }).pipe(Effect.provide(Reactivity.layer))
  })
