/**
 * An `@effect/sql` client over our own SQLite engines (`open.ts`: `node:sqlite` or the WASM
 * build), so the stores are written once against `SqlClient` and run on SQLite or Postgres. We
 * keep our engines rather than `@effect/sql-sqlite-node` (better-sqlite3, a native module built
 * for the Node that ran `npm install`, which the OpenClaw Gateway's Node 24 cannot load) or
 * `@effect/sql-sqlite-wasm` (no Node file-system VFS, no cross-process lock).
 *
 * A connection is used by one fiber at a time (a semaphore per file, shared by every connection to
 * that file in this process): a transaction holds it from `BEGIN IMMEDIATE` (which also takes the
 * cross-process lock, `fileLock.ts`) to `COMMIT`, so a statement of another fiber never lands
 * inside someone else's transaction, nor waits on a lock this process already holds.
 */
import * as Reactivity from "@effect/experimental/Reactivity"
import * as Client from "@effect/sql/SqlClient"
import type { Connection } from "@effect/sql/SqlConnection"
import { SqlError } from "@effect/sql/SqlError"
import * as Statement from "@effect/sql/Statement"
import { Effect, Stream } from "effect"
import type { SqliteDatabase, SqlStatement, SqlValue } from "./types.js"

const BEGIN = "BEGIN IMMEDIATE"
const COMMIT = "COMMIT"
const ROLLBACK = "ROLLBACK"

const describe = (cause: unknown) => (cause instanceof Error ? cause.message : String(cause))

/** Our queries bind numbers, bigints, strings, null and bytes; booleans and dates are stored as integers. */
const bindable = (value: unknown): SqlValue => {
  if (value === undefined || value === null) return null
  if (typeof value === "boolean") return value ? 1 : 0
  if (value instanceof Date) return value.getTime()
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "string" || value instanceof Uint8Array) return value
  return JSON.stringify(value)
}

const semaphores = new Map<string, Effect.Semaphore>()
const semaphoreOf = (path: string) => {
  let semaphore = semaphores.get(path)
  if (semaphore === undefined) {
    semaphore = Effect.unsafeMakeSemaphore(1)
    semaphores.set(path, semaphore)
  }
  return semaphore
}

export const makeSqliteClient = (db: SqliteDatabase) =>
  Effect.gen(function*() {
    const semaphore = semaphoreOf(db.path)
    // Our statements are a fixed set of strings: each is prepared once per connection.
    const statements = new Map<string, SqlStatement>()
    const prepared = (sql: string) => {
      let statement = statements.get(sql)
      if (statement === undefined) {
        statement = db.prepare(sql)
        statements.set(sql, statement)
      }
      return statement
    }
    const attempt = <A>(f: () => A) =>
      Effect.try({ try: f, catch: (cause) => new SqlError({ cause, message: describe(cause) }) })
    const rows = (sql: string, params: ReadonlyArray<unknown>) =>
      attempt(() => prepared(sql).all(...params.map(bindable)) as ReadonlyArray<any>)

    const connection: Connection = {
      execute: (sql, params, transformRows) => transformRows === undefined ? rows(sql, params) : Effect.map(rows(sql, params), transformRows),
      executeRaw: rows,
      executeValues: (sql, params) => Effect.map(rows(sql, params), (all) => all.map((row) => Object.values(row as object))),
      executeStream: (sql, params, transformRows) =>
        Stream.flatMap(Stream.fromEffect(connection.execute(sql, params, transformRows)), Stream.fromIterable),
      executeUnprepared: (sql, params, transformRows) => {
        if (sql === BEGIN) return attempt(() => (db.begin(), []))
        if (sql === COMMIT) return attempt(() => (db.commit(), []))
        if (sql === ROLLBACK) return attempt(() => (db.rollback(), []))
        if (params.length === 0) return attempt(() => (db.exec(sql), []))
        return connection.execute(sql, params, transformRows)
      }
    }

    const acquirer = Effect.as(Effect.acquireRelease(semaphore.take(1), () => semaphore.release(1)), connection)
    return yield* Client.make({
      acquirer,
      transactionAcquirer: acquirer,
      compiler: Statement.makeCompilerSqlite(),
      spanAttributes: [["db.system", "sqlite"], ["db.engine", db.engine]],
      beginTransaction: BEGIN,
      commit: COMMIT,
      rollback: ROLLBACK
    })
  }).pipe(Effect.provide(Reactivity.layer))
