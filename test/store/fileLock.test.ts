/**
 * The cross-process lock both engines share (`src/store/fileLock.ts`): a live holder is waited for,
 * a dead or ancient one is broken at once, and a holder that never lets go fails the caller with a
 * message naming it after the bounded wait, instead of hanging.
 */
import { execFileSync, spawn } from "node:child_process"
import { existsSync, mkdtempSync, writeFileSync } from "node:fs"
import { hostname, tmpdir } from "node:os"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import { StoreError } from "../../src/store/errors.js"
import { lockPathOf, STALE_MS, WAIT_MS, withFileLock } from "../../src/store/fileLock.js"

const database = () => Path.join(mkdtempSync(Path.join(tmpdir(), "llmrouter-lock-")), "x.sqlite")
const holder = (pid: number, since = Date.now()) => `${pid} ${hostname()} ${since} abcdef`
const deadPid = () => Number(execFileSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" }))
const timed = <A>(f: () => A) => {
  const started = Date.now()
  const result = f()
  return { result, ms: Date.now() - started }
}

describe("the store's file lock", () => {
  it("breaks at once a lock whose process is gone", () => {
    const db = database()
    writeFileSync(lockPathOf(db), holder(deadPid()))
    // Not broken, it would be waited on and end busy after WAIT_MS: running proves it was broken.
    expect(withFileLock(db, () => "ran")).toBe("ran")
    expect(existsSync(lockPathOf(db))).toBe(false)
  })

  it("breaks a lock held far longer than any transaction, even by a live process", () => {
    const db = database()
    writeFileSync(lockPathOf(db), holder(process.ppid, Date.now() - STALE_MS - 1_000))
    expect(withFileLock(db, () => "ran")).toBe("ran") // a live holder's lock would end busy, not run
  })

  it("waits for a live holder and runs once it lets go", () => {
    const db = database()
    writeFileSync(lockPathOf(db), holder(process.ppid))
    spawn("sh", ["-c", `sleep 0.4; rm -f '${lockPathOf(db)}'`], { stdio: "ignore" })
    const { result, ms } = timed(() => withFileLock(db, () => "ran"))
    expect(result).toBe("ran")
    expect(ms).toBeGreaterThanOrEqual(300)
  })

  it("fails as busy, naming the holder, when a live holder keeps it past the wait bound", () => {
    const db = database()
    writeFileSync(lockPathOf(db), holder(process.ppid))
    let error: unknown
    const { ms } = timed(() => {
      try {
        withFileLock(db, () => "ran")
      } catch (e) {
        error = e
      }
    })
    expect(error).toBeInstanceOf(StoreError)
    expect(error).toMatchObject({ busy: true, message: expect.stringContaining(`process ${process.ppid}`) })
    expect(ms).toBeGreaterThanOrEqual(WAIT_MS)
    expect(existsSync(lockPathOf(db))).toBe(true) // a live holder's lock is never taken away early
  }, WAIT_MS + 10_000)

  it("refuses nested use in one process instead of deadlocking", () => {
    const db = database()
    expect(() => withFileLock(db, () => withFileLock(db, () => "inner"))).toThrow(/nested access/)
    expect(existsSync(lockPathOf(db))).toBe(false)
  })
})
