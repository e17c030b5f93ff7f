/**
 * The `node:sqlite` engine (`DatabaseSync`, unflagged from Node 22.13 / 23.4): real SQLite with
 * POSIX locks, compiled into Node itself, so nothing has to match the Node that ran `npm install`.
 * Loaded with `process.getBuiltinModule` (synchronous, and absent modules are `undefined`).
 */
import type { RawConnection, RunResult, SqlRow, SqlStatement, SqlValue } from "./types.js"

interface NodeStatement {
  run(...params: ReadonlyArray<SqlValue>): { changes: number | bigint; lastInsertRowid: number | bigint }
  get(...params: ReadonlyArray<SqlValue>): unknown
  all(...params: ReadonlyArray<SqlValue>): Array<unknown>
  setReadBigInts(enabled: boolean): void
}

interface NodeDatabase {
  exec(sql: string): void
  prepare(sql: string): NodeStatement
  close(): void
}

interface NodeSqliteModule {
  readonly DatabaseSync: new(path: string) => NodeDatabase
}

let loaded: NodeSqliteModule | null | undefined

/** `node:sqlite`, or undefined on a Node without it (or with it behind a flag). */
export const nodeSqlite = (): NodeSqliteModule | undefined => {
  if (loaded !== undefined) return loaded ?? undefined
  // Node 22 prints an ExperimentalWarning on first load; the feature is stable enough for us, the
  // line is noise in every CLI command.
  const emitWarning = process.emitWarning
  process.emitWarning = ((warning: string | Error, ...rest: Array<never>) => {
    if (!String(typeof warning === "string" ? warning : warning.message).includes("SQLite")) emitWarning.call(process, warning, ...rest)
  }) as typeof process.emitWarning
  try {
    const module = process.getBuiltinModule?.("node:sqlite") as Partial<NodeSqliteModule> | undefined
    loaded = typeof module?.DatabaseSync === "function" ? module as NodeSqliteModule : null
  } catch {
    loaded = null
  } finally {
    process.emitWarning = emitWarning
  }
  return loaded ?? undefined
}

/** Integers are read as bigints and narrowed when safe, as the WASM engine returns them. */
const narrow = (row: unknown): SqlRow => {
  const out = row as Record<string, SqlValue>
  for (const key in out) {
    const value = out[key]
    if (typeof value === "bigint" && value >= Number.MIN_SAFE_INTEGER && value <= Number.MAX_SAFE_INTEGER) out[key] = Number(value)
  }
  return out
}

const statement = (raw: NodeStatement): SqlStatement => {
  raw.setReadBigInts(true)
  return {
    run: (...params): RunResult => {
      const result = raw.run(...params)
      return { changes: Number(result.changes), lastInsertRowid: Number(result.lastInsertRowid) }
    },
    get: (...params) => {
      const row = raw.get(...params)
      return row === undefined ? undefined : narrow(row)
    },
    all: (...params) => raw.all(...params).map(narrow)
  }
}

export const openNodeSqlite = (module: NodeSqliteModule, path: string): RawConnection => {
  const db = new module.DatabaseSync(path)
  // fcntl contention with a tool outside llmrouter (the sqlite3 shell): wait up to 5 s.
  db.exec("PRAGMA busy_timeout = 5000")
  return {
    exec: (sql) => db.exec(sql),
    prepare: (sql) => statement(db.prepare(sql)),
    close: () => db.close()
  }
}
