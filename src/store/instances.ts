/**
 * Which routers are alive on a shared store, so that crash recovery only touches what a gone
 * router left behind. Each router registers an instance row (id, host, pid) and refreshes it every
 * `HEARTBEAT_MS`; an instance is gone when its row is older than `EXPIRY_MS`, or at once when it
 * ran on this host and its pid is dead (the single-machine restart case).
 *
 * A payment row is written `pending` before its authorization is signed. Recovery turns into
 * `unknown` (still counted against the daily cap) the `pending` rows of gone instances, rows from
 * before instances were recorded, and rows whose authorization expired long ago (an owner that
 * lost track of one, say after a failed commit).
 */
import type { SqlClient } from "@effect/sql/SqlClient"
import { Effect } from "effect"
import { randomBytes } from "node:crypto"
import { hostname } from "node:os"

export const HEARTBEAT_MS = 5_000
export const EXPIRY_MS = 30_000
/** A pending row this long past its authorization's `validBefore` is abandoned whoever owns it. */
const ABANDONED_AFTER_MS = 120_000

export interface Instance {
  readonly id: string
  readonly host: string
  readonly pid: number
  readonly startedAt: number
}

/** `<host>-<pid>-<random>`: readable in reports, unique across restarts and hosts. */
export const newInstance = (now: number): Instance => {
  const host = hostname()
  return { id: `${host.slice(0, 32)}-${process.pid}-${randomBytes(3).toString("hex")}`, host, pid: process.pid, startedAt: now }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"
  }
}

/** Registers (or refreshes) `self`, forgets dead instances of this host, recovers what gone ones left. */
export const heartbeat = (sql: SqlClient, self: Instance, now: number) =>
  Effect.gen(function*() {
    const refreshed = yield* sql`UPDATE instances SET seen_at = ${now} WHERE id = ${self.id} RETURNING id`
    if (refreshed.length === 0) {
      yield* sql`INSERT INTO instances (id, host, pid, started_at, seen_at)
        VALUES (${self.id}, ${self.host}, ${self.pid}, ${self.startedAt}, ${now}) ON CONFLICT (id) DO NOTHING`
    }
    const neighbours = yield* sql<{ readonly id: string; readonly pid: number | string }>`
      SELECT id, pid FROM instances WHERE host = ${self.host} AND id <> ${self.id}`
    const dead = neighbours.filter((n) => !alive(Number(n.pid))).map((n) => n.id)
    if (dead.length > 0) yield* sql`DELETE FROM instances WHERE ${sql.in("id", dead)}`
    yield* sql`DELETE FROM instances WHERE seen_at < ${now - 10 * EXPIRY_MS}`
    return yield* recoverOrphans(sql, now)
  })

/** The number of `pending` rows turned `unknown`. */
export const recoverOrphans = (sql: SqlClient, now: number) =>
  Effect.map(
    sql`UPDATE payments SET status = 'unknown', updated_at = ${now},
          detail = 'the router that made it stopped before the outcome was known'
        WHERE status = 'pending' AND (
          instance_id IS NULL
          OR instance_id NOT IN (SELECT id FROM instances WHERE seen_at > ${now - EXPIRY_MS})
          OR valid_before * 1000 < ${now - ABANDONED_AFTER_MS})
        RETURNING id`,
    (rows) => rows.length
  )
