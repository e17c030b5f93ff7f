/**
 * Opens a SQLite file on the engine this Node has (`node:sqlite` where it exists, else the WASM
 * build; `LLMROUTER_SQLITE=node|wasm` forces one), with the settings both engines share so that a
 * file written under one Node major is read under another, even at the same time:
 * - rollback journal (`journal_mode=DELETE`): WAL needs shared memory the WASM engine does not
 *   have. A file still in WAL mode (written by an older llmrouter) is converted in place, its
 *   un-checkpointed frames first, by whichever engine opens it.
 * - `synchronous=EXTRA`: the journal, the database and, on commit, the directory are synced, so
 *   a commit survives power loss (FULL alone may lose the last one in DELETE mode).
 * - every statement and transaction holds the cross-process lock (`fileLock.ts`).
 * The file is created 0600 in a 0700 directory.
 */
import { closeSync, mkdirSync, openSync, readSync } from "node:fs"
import * as Path from "node:path"
import { StoreError } from "./errors.js"
import { acquireFileLock, withFileLock } from "./fileLock.js"
import { nodeSqlite, openNodeSqlite } from "./nodeSqlite.js"
import type { RawConnection, SqliteDatabase, SqliteEngine, SqlStatement } from "./types.js"
import { clearStaleWasmLock, openWasmSqlite } from "./wasmSqlite.js"

export type { SqliteDatabase, SqliteEngine, SqlRow, SqlStatement, SqlValue } from "./types.js"
export { StoreError } from "./errors.js"

export const ENGINE_ENV = "LLMROUTER_SQLITE"

/** The engine `openSqlite` uses in this process. */
export const sqliteEngine = (): SqliteEngine => {
  const wanted = process.env[ENGINE_ENV]?.trim().toLowerCase()
  if (wanted === "wasm") return "wasm"
  if (wanted === "node" || wanted === "node:sqlite") {
    if (nodeSqlite() !== undefined) return "node:sqlite"
    throw new StoreError({ message: `${ENGINE_ENV}=${wanted}, but this Node (${process.version}) has no node:sqlite (Node ≥ 22.13 has it).`, busy: false })
  }
  if (wanted !== undefined && wanted !== "" && wanted !== "auto") {
    throw new StoreError({ message: `${ENGINE_ENV} must be node, wasm or auto (got '${wanted}').`, busy: false })
  }
  return nodeSqlite() !== undefined ? "node:sqlite" : "wasm"
}

/** True when the file's header says WAL (bytes 18–19 are 2): the WASM engine cannot open it as is. */
const inWalMode = (path: string): boolean => {
  const header = Buffer.alloc(20)
  const fd = openSync(path, "r")
  try {
    return readSync(fd, header, 0, 20, 0) === 20 && header.toString("latin1", 0, 15) === "SQLite format 3" && header[18] === 2
  } finally {
    closeSync(fd)
  }
}

const describe = (error: unknown) => error instanceof Error ? error.message : String(error)

class LockedDatabase implements SqliteDatabase {
  private inTransaction = false
  private ready = false

  constructor(
    readonly engine: SqliteEngine,
    readonly path: string,
    private readonly raw: RawConnection,
    private readonly beforeAccess: () => void,
    /** Runs once, inside the first lock held (the WAL conversion and per-connection pragmas). */
    private readonly setup: () => void
  ) {}

  private fail(error: unknown): never {
    if (error instanceof StoreError) throw error
    throw new StoreError({ message: `${Path.basename(this.path)}: ${describe(error)}`, busy: false })
  }

  private locked<A>(f: () => A): A {
    try {
      if (this.inTransaction) return f()
      return withFileLock(this.path, () => {
        this.beforeAccess()
        if (!this.ready) {
          this.setup()
          this.ready = true
        }
        return f()
      })
    } catch (error) {
      return this.fail(error)
    }
  }

  exec(sql: string): void {
    this.locked(() => this.raw.exec(sql))
  }

  /** Prepared on first use, inside that use's lock (preparing reads the schema from the file). */
  prepare(sql: string): SqlStatement {
    let statement: SqlStatement | undefined
    const prepared = () => (statement ??= this.raw.prepare(sql))
    return {
      run: (...params) => this.locked(() => prepared().run(...params)),
      get: (...params) => this.locked(() => prepared().get(...params)),
      all: (...params) => this.locked(() => prepared().all(...params))
    }
  }

  transaction<A>(body: () => A): A {
    this.begin()
    try {
      const result = body()
      this.commit()
      return result
    } catch (error) {
      this.rollback()
      throw error
    }
  }

  private unlock: (() => void) | undefined

  begin(): void {
    if (this.inTransaction) this.fail(new Error("transactions do not nest"))
    try {
      this.unlock = acquireFileLock(this.path)
      this.beforeAccess()
      if (!this.ready) {
        this.setup()
        this.ready = true
      }
      this.raw.exec("BEGIN IMMEDIATE")
      this.inTransaction = true
    } catch (error) {
      this.release()
      this.fail(error)
    }
  }

  commit(): void {
    try {
      this.raw.exec("COMMIT")
    } catch (error) {
      this.rollback()
      this.fail(error)
    }
    this.release()
  }

  rollback(): void {
    try {
      this.raw.exec("ROLLBACK")
    } catch {
      // SQLite already rolled back (an I/O error does); the original error says why
    }
    this.release()
  }

  private release(): void {
    this.inTransaction = false
    const unlock = this.unlock
    this.unlock = undefined
    unlock?.()
  }

  close(): void {
    try {
      this.raw.close()
    } catch (error) {
      this.fail(error)
    }
  }
}

export interface OpenOptions {
  /** Create the file (0600, directory 0700) when missing; otherwise a missing file is an error. */
  readonly create: boolean
  /** Run once at open (`CREATE TABLE IF NOT EXISTS …`), in one transaction with `init`. */
  readonly schema?: string | undefined
  /** Runs in the opening transaction, after `schema` (a recovery step, say). */
  readonly init?: ((db: SqliteDatabase) => void) | undefined
}

export const openSqlite = (path: string, options: OpenOptions): SqliteDatabase => {
  const name = Path.basename(path)
  try {
    if (options.create) {
      mkdirSync(Path.dirname(path), { recursive: true, mode: 0o700 })
      closeSync(openSync(path, "a", 0o600))
    } else {
      closeSync(openSync(path, "r"))
    }
  } catch (error) {
    throw new StoreError({ message: `${path}: ${(error as NodeJS.ErrnoException).code ?? describe(error)}`, busy: false })
  }
  const engine = sqliteEngine()
  let raw: RawConnection
  let beforeAccess = () => clearStaleWasmLock(path)
  try {
    const node = nodeSqlite()
    if (engine === "node:sqlite" && node !== undefined) {
      raw = openNodeSqlite(node, path)
    } else {
      const wasm = openWasmSqlite(path)
      raw = wasm
      beforeAccess = wasm.beforeAccess
    }
  } catch (error) {
    throw new StoreError({ message: `${name}: cannot open with ${engine}: ${describe(error)}`, busy: false })
  }
  // Opening costs one lock and at most one commit: the setup, the schema and `init` together.
  const setup = () => {
    if (inWalMode(path)) {
      // Exclusive locking lets even the WASM engine read the WAL (its index kept in heap memory).
      raw.exec("PRAGMA locking_mode = EXCLUSIVE; PRAGMA journal_mode = DELETE; PRAGMA locking_mode = NORMAL")
      raw.exec("SELECT count(*) FROM sqlite_master") // releases the exclusive lock
    }
    raw.exec("PRAGMA synchronous = EXTRA") // reads the schema, hence here, inside the lock
  }
  const db = new LockedDatabase(engine, path, raw, beforeAccess, setup)
  try {
    const { init, schema } = options
    if (schema !== undefined || init !== undefined) {
      db.transaction(() => {
        if (schema !== undefined) raw.exec(schema)
        init?.(db)
      })
    }
  } catch (error) {
    try {
      raw.close()
    } catch {
      // the open failed already
    }
    if (error instanceof StoreError) throw error
    throw new StoreError({ message: `${name}: ${describe(error)}`, busy: false })
  }
  return db
}
