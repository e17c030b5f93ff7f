/**
 * `store`: where the durable state lives (payment ledger, accounts' keys, their usage and rate
 * windows). `sqlite` (the default): files in the data dir, nothing to install, one machine.
 * `postgres`: one database shared by several routers; `url` is a literal or `"${DATABASE_URL}"`
 * (read from the environment or `<dataDir>/.env`), and its password never reaches a log, an
 * error or a report (`redaction/secrets.ts`).
 */
import { Schema } from "effect"

const PositiveInt = Schema.Int.pipe(Schema.positive())

export const SqliteStore = Schema.Struct({
  kind: Schema.Literal("sqlite")
})

export const PostgresStore = Schema.Struct({
  kind: Schema.Literal("postgres"),
  /** `postgres://user:password@host:port/db` or `"${DATABASE_URL}"`. */
  url: Schema.NonEmptyString,
  /** Connections this router keeps open to the database (its pool). */
  maxConnections: Schema.optionalWith(PositiveInt, { default: () => 10 }),
  /** How long one store operation may take before it fails (503 for requests that need it). */
  timeoutMs: Schema.optionalWith(PositiveInt, { default: () => 5_000 })
})

export const StoreConfig = Schema.Union(SqliteStore, PostgresStore)
export type StoreConfig = typeof StoreConfig.Type
