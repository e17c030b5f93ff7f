/**
 * Cross-process mutual exclusion for one SQLite file, the same for both engines: `<db>.mutex`,
 * created with O_EXCL and holding `pid host time token`. It is what makes the two engines safe on
 * one file at the same time (a Node 24 Gateway on `node:sqlite` and a Node 20 CLI on the WASM
 * build): `node:sqlite` locks with POSIX `fcntl` locks and the WASM build with a `<db>.lock`
 * directory, and neither sees the other's, so without a common lock one could roll back the
 * other's live journal. Every statement and transaction holds this lock for its few milliseconds.
 *
 * A process killed while holding it leaves the file behind: a lock whose pid is dead on this host
 * is broken at once, any other after `STALE_MS` (far above a transaction's milliseconds; covers
 * another host or pid namespace sharing the directory). Contention waits with a bounded backoff.
 */
import { randomBytes } from "node:crypto"
import { closeSync, linkSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from "node:fs"
import { hostname } from "node:os"
import * as Path from "node:path"
import { StoreError } from "./errors.js"

/** A lock older than this is broken whoever holds it. */
export const STALE_MS = 60_000
/** How long an operation waits for another process before failing as busy. */
export const WAIT_MS = 5_000
/** A lock file still empty after this long was left by a process killed between create and write. */
const EMPTY_STALE_MS = 5_000

const host = hostname()
const held = new Set<string>()
const sleeper = new Int32Array(new SharedArrayBuffer(4))

/** Blocks the thread: a wait here is a few milliseconds, as SQLite's own busy_timeout would. */
export const sleepSync = (ms: number): void => {
  Atomics.wait(sleeper, 0, 0, ms)
}

const code = (error: unknown) => (error as NodeJS.ErrnoException).code

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return code(error) === "EPERM"
  }
}

interface Holder {
  readonly pid: number
  readonly host: string
  readonly since: number
}

const parse = (content: string): Holder | undefined => {
  const [pid, holderHost, since] = content.split(" ")
  const parsed = { pid: Number(pid), host: holderHost ?? "", since: Number(since) }
  return Number.isSafeInteger(parsed.pid) && parsed.pid > 0 && Number.isFinite(parsed.since) ? parsed : undefined
}

/** Why the lock at `path` (with `content`) may be broken, or undefined while it must be respected. */
export const staleReason = (content: string, modifiedAt: number, now: number): string | undefined => {
  const holder = parse(content)
  if (holder === undefined) return now - modifiedAt > EMPTY_STALE_MS ? "left unwritten" : undefined
  if (holder.host === host && !alive(holder.pid)) return `its process ${holder.pid} is gone`
  if (now - holder.since > STALE_MS) return `held for ${Math.round((now - holder.since) / 1000)} s`
  return undefined
}

/**
 * Removes a stale lock; true when the caller should try to acquire again at once. The lock is
 * first renamed aside and compared with what was judged stale: if another process broke it and
 * took the lock in between, that fresh lock is put back.
 */
const breakIfStale = (path: string): boolean => {
  let content: string
  let modifiedAt: number
  try {
    modifiedAt = statSync(path).mtimeMs
    content = readFileSync(path, "utf8")
  } catch (error) {
    if (code(error) === "ENOENT") return true
    throw error
  }
  if (staleReason(content, modifiedAt, Date.now()) === undefined) return false
  const aside = `${path}.stale-${process.pid}-${randomBytes(4).toString("hex")}`
  try {
    renameSync(path, aside)
  } catch (error) {
    if (code(error) === "ENOENT") return true
    throw error
  }
  if (readFileSync(aside, "utf8") !== content) {
    try {
      linkSync(aside, path)
    } catch {
      // a third process already holds a new lock: the one we moved is superseded
    }
  }
  unlinkSync(aside)
  return true
}

const describeHolder = (path: string): string => {
  try {
    const holder = parse(readFileSync(path, "utf8"))
    return holder === undefined ? "another process" : `process ${holder.pid}${holder.host === host ? "" : ` on ${holder.host}`}`
  } catch {
    return "another process"
  }
}

const acquire = (path: string, database: string): string => {
  const token = `${process.pid} ${host} ${Date.now()} ${randomBytes(6).toString("hex")}`
  const deadline = Date.now() + WAIT_MS
  let delay = 1
  for (;;) {
    try {
      const fd = openSync(path, "wx", 0o600)
      try {
        writeSync(fd, token)
      } finally {
        closeSync(fd)
      }
      return token
    } catch (error) {
      if (code(error) !== "EEXIST") {
        throw new StoreError({ message: `${database}: cannot create the lock ${path}: ${code(error) ?? (error as Error).message}`, busy: false })
      }
    }
    if (breakIfStale(path)) continue
    if (Date.now() >= deadline) {
      throw new StoreError({
        message: `${database} is busy: ${describeHolder(path)} has held it for more than ${WAIT_MS / 1000} s (lock ${path}; ` +
          `it is removed automatically when that process is gone or after ${STALE_MS / 1000} s).`,
        busy: true
      })
    }
    sleepSync(delay + Math.random() * delay)
    delay = Math.min(delay * 2, 50)
  }
}

const release = (path: string, token: string): void => {
  try {
    // Only our own lock: if it was broken as stale meanwhile, the file is someone else's now.
    if (readFileSync(path, "utf8") === token) unlinkSync(path)
  } catch {
    // already gone
  }
}

export const lockPathOf = (database: string) => `${database}.mutex`

/**
 * Takes the cross-process lock of `database` and returns its release (idempotent). For a holder
 * that spans asynchronous steps (an `@effect/sql` transaction); not reentrant: nesting throws.
 */
export const acquireFileLock = (database: string): () => void => {
  const path = lockPathOf(database)
  if (held.has(path)) {
    throw new StoreError({ message: `${Path.basename(database)}: nested access while this process holds its lock (a bug)`, busy: false })
  }
  const token = acquire(path, database)
  held.add(path)
  let released = false
  return () => {
    if (released) return
    released = true
    held.delete(path)
    release(path, token)
  }
}

/** Runs `body` holding the cross-process lock of `database`. Not reentrant: nesting is a bug and throws. */
export const withFileLock = <A>(database: string, body: () => A): A => {
  const unlock = acquireFileLock(database)
  try {
    return body()
  } finally {
    unlock()
  }
}
