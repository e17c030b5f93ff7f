/**
 * SSE keep-alive while a streaming client waits: when no candidate has produced its first token
 * within `keepAliveMs`, the response starts (200, `text/event-stream`) with `: keep-alive`
 * comments every `keepAliveMs`, so clients and proxies with idle timeouts do not give up, and the
 * routing goes on behind them. Its outcome is then the rest of the stream: the answer, or an SSE
 * error event (the status can no longer change).
 */
import { Effect, Fiber, Runtime } from "effect"
import type { Readable } from "node:stream"
import { sseErrorEvent } from "../providers/sse.js"
import { generatorReadable } from "./stream/generatorReadable.js"

const KEEP_ALIVE = ": keep-alive\n\n"

export type Waited<A> = { readonly _tag: "Ready"; readonly value: A } | { readonly _tag: "Started"; readonly stream: Readable }

export const withKeepAlive = <A, E extends { readonly message: string; readonly _tag: string }>(
  work: Effect.Effect<A, E>,
  intervalMs: number,
  streamOf: (value: A) => Readable
): Effect.Effect<Waited<A>, E> =>
  intervalMs <= 0
    ? Effect.map(work, (value) => ({ _tag: "Ready", value }))
    : Effect.gen(function*() {
      const runtime = yield* Effect.runtime<never>()
      const fiber = yield* Effect.forkDaemon(work)
      const early = yield* Fiber.join(fiber).pipe(
        Effect.timeout(intervalMs),
        Effect.onInterrupt(() => Fiber.interrupt(fiber)),
        Effect.catchTag("TimeoutException", () => Effect.succeed(undefined))
      )
      if (early !== undefined) return { _tag: "Ready", value: early } as const
      let inner: Readable | undefined
      const chunks = async function*() {
        const outcome = Runtime.runPromiseExit(runtime)(Fiber.join(fiber))
        let timer: NodeJS.Timeout | undefined
        try {
          for (;;) {
            yield KEEP_ALIVE
            const tick = new Promise<"tick">((resolve) => {
              timer = setTimeout(() => resolve("tick"), intervalMs)
            })
            const exit = await Promise.race([outcome, tick])
            if (exit === "tick") continue
            if (exit._tag === "Failure") {
              const failure = exit.cause._tag === "Fail" ? exit.cause.error : undefined
              yield sseErrorEvent(failure?.message ?? "the request failed", failure?._tag ?? "internal_error")
              return
            }
            inner = streamOf(exit.value)
            for await (const chunk of inner) yield chunk as Buffer
            return
          }
        } finally {
          clearTimeout(timer)
        }
      }
      const stream = generatorReadable(chunks(), () => {
        inner?.destroy()
        Runtime.runFork(runtime)(Fiber.interrupt(fiber))
      })
      return { _tag: "Started", stream } as const
    })
