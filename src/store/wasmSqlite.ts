/**
 * The WebAssembly engine (`node-sqlite3-wasm`): SQLite compiled to WASM with a Node file-system
 * VFS, for Nodes without `node:sqlite` (Node 20). No install script, no native module. Its VFS
 * locks with a `<db>.lock` directory (mkdir is exclusive) and has no shared memory, so it cannot
 * use WAL (see `open.ts`). Loaded lazily: compiling the 1.3 MB module costs ~0.3 s.
 */
import { existsSync, rmSync } from "node:fs"
import { createRequire } from "node:module"
import type { RawConnection, SqlRow, SqlStatement, SqlValue } from "./types.js"

type WasmModule = typeof import("node-sqlite3-wasm")

let loaded: WasmModule | undefined
const wasm = (): WasmModule => (loaded ??= createRequire(import.meta.url)("node-sqlite3-wasm") as WasmModule)

/** Without `expand`, the driver's rows are flat column → value records. */
const rows = (result: ReadonlyArray<unknown>) => result as ReadonlyArray<SqlRow>

export const openWasmSqlite = (path: string): RawConnection & { readonly beforeAccess: () => void } => {
  const db = new (wasm().Database)(path)
  const statements: Array<ReturnType<typeof db.prepare>> = []
  const statement = (sql: string): SqlStatement => {
    const raw = db.prepare(sql)
    statements.push(raw)
    const bind = (params: ReadonlyArray<SqlValue>) => params as Array<SqlValue>
    return {
      run: (...params) => {
        const result = raw.run(bind(params))
        return { changes: result.changes, lastInsertRowid: Number(result.lastInsertRowid) }
      },
      // `all`, never the driver's `get`: its `get` leaves the statement stepped, and with it the
      // read lock (the `.lock` directory) held until the statement's next use.
      get: (...params) => rows(raw.all(bind(params)))[0],
      all: (...params) => rows(raw.all(bind(params)))
    }
  }
  return {
    exec: (sql) => db.exec(sql),
    prepare: statement,
    close: () => {
      for (const s of statements) if (!s.isFinalized) s.finalize()
      db.close()
    },
    beforeAccess: () => clearStaleWasmLock(path)
  }
}

/**
 * Called with the cross-process lock (`fileLock.ts`) held, which every llmrouter process takes
 * before touching the file, whatever its engine: a `<db>.lock` directory seen now was left by a
 * WASM process killed mid-transaction. The WASM engine would answer SQLITE_BUSY on it forever;
 * `node:sqlite` ignores it, but clears it too so no stale lock outlives the next access.
 */
export const clearStaleWasmLock = (path: string): void => {
  const lockDir = `${path}.lock`
  if (existsSync(lockDir)) rmSync(lockDir, { recursive: true, force: true })
}
