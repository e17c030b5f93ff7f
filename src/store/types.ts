/**
 * The one small interface the durable stores (payment ledger, key store) are written against, so
 * the SQLite engine underneath is chosen at run time (`open.ts`) and a later `@effect/sql` client
 * can implement the same five verbs. Synchronous on purpose: every statement is a short local
 * file operation, and a transaction's body must not yield between its check and its write.
 */
export type SqlValue = number | bigint | string | null | Uint8Array

/** Integers come back as numbers when they are safe integers, as bigints otherwise (both engines). */
export type SqlRow = Readonly<Record<string, SqlValue>>

export interface RunResult {
  readonly changes: number
  readonly lastInsertRowid: number
}

export interface SqlStatement {
  run(...params: ReadonlyArray<SqlValue>): RunResult
  get(...params: ReadonlyArray<SqlValue>): SqlRow | undefined
  all(...params: ReadonlyArray<SqlValue>): ReadonlyArray<SqlRow>
}

/** `node:sqlite` (Node ≥ 22.13) or the WebAssembly build (`node-sqlite3-wasm`, any Node). */
export type SqliteEngine = "node:sqlite" | "wasm"

export interface SqliteDatabase {
  readonly engine: SqliteEngine
  readonly path: string
  exec(sql: string): void
  prepare(sql: string): SqlStatement
  /** Runs `body` in one `BEGIN IMMEDIATE` transaction: committed when it returns, rolled back when it throws. */
  transaction<A>(body: () => A): A
  /**
   * The same transaction in three steps, for a body that spans asynchronous steps (the
   * `@effect/sql` client, `sqlClient.ts`): the caller keeps every other use of this connection
   * out until `commit` or `rollback` (a semaphore), the lock is held in between.
   */
  begin(): void
  commit(): void
  rollback(): void
  close(): void
}

/** What an engine adapter provides: a plain connection, no cross-process locking (`open.ts` adds it). */
export interface RawConnection {
  exec(sql: string): void
  prepare(sql: string): SqlStatement
  close(): void
}
