/**
 * What this router counted for scoped keys (requests, tokens, x402 spend) and has not written to
 * the store yet. Answers that end together are written in one transaction (a group commit); when
 * the store is unavailable the counts stay here, still counted against the keys' budgets by this
 * router, and are written when it is back. Money is written before the answer is released.
 */
import { Duration, Effect, Schedule, type Scope } from "effect"
import type { Usage } from "./keyStore.js"

export const makeUnwrittenUsage = <E>(
  write: (batch: ReadonlyArray<readonly [string, Usage]>) => Effect.Effect<void, E>,
  scope: Scope.Scope
) =>
  Effect.map(Effect.makeSemaphore(1), (writing) => {
    const pending = new Map<string, Usage>()

    const add = (jti: string, usage: Usage) => {
      const now = pending.get(jti)
      if (now === undefined) pending.set(jti, { ...usage })
      else {
        now.requests += usage.requests
        now.tokens += usage.tokens
        now.usdMicro += usage.usdMicro
        now.lastUsedAt = Math.max(now.lastUsedAt, usage.lastUsedAt)
      }
    }

    /** Writes everything counted so far; on failure it stays counted here. */
    const flush = writing.withPermits(1)(Effect.suspend(() => {
      if (pending.size === 0) return Effect.void
      const batch = [...pending]
      pending.clear()
      return Effect.tapError(write(batch), () => Effect.sync(() => batch.forEach(([jti, usage]) => add(jti, usage))))
    }))

    /** In the background, one writer at a time, until written (retried every second while the store is away). */
    let scheduled = false
    const flushSoon = Effect.suspend(() => {
      if (scheduled) return Effect.void
      scheduled = true
      return Effect.yieldNow().pipe(
        Effect.zipRight(Effect.retry(flush, Schedule.spaced(Duration.seconds(1)))),
        // what was counted while this write ran is written next
        Effect.repeat({ until: () => pending.size === 0 }),
        Effect.ensuring(Effect.sync(() => {
          scheduled = false
        })),
        Effect.forkIn(scope),
        Effect.asVoid
      )
    })

    return {
      unwritten: (jti: string): Usage | undefined => pending.get(jti),
      /** Counts one answer's use; money is written now (the caller waits), the rest soon. */
      record: (jti: string, usage: Usage) =>
        Effect.suspend(() => {
          add(jti, usage)
          return usage.usdMicro > 0 ? Effect.catchAll(flush, () => flushSoon) : flushSoon
        }),
      flush
    }
  })
