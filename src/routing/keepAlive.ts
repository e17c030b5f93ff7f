/**
 * SSE keep-alive while a streaming client waits: when no candidate has produced its first token
 * within `keepAliveMs`, the response starts (200, `text/event-stream`) with `: keep-alive`
 * comments every `keepAliveMs`, so clients and proxies with idle timeouts do not give up, and the
 * routing goes on behind them. Its outcome is then the rest of the stream: the answer, or an SSE
 * error event (the status can no longer change). One fiber and one Node timer per request: the
 * common case (an answer within `keepAliveMs`) costs no more than that.
 */
import { Effect, Exit, Fiber, FiberId, Runtime } from "effect"
import type { Readable } from "node:stream"
import { sseErrorEvent } from "../providers/sse.js"
import { followStall, generatorReadable, stallOnly } from "./stream/generatorReadable.js"

const KEEP_ALIVE = ": keep-alive\n\n"

export type Waited<A> = { readonly _tag: "Ready"; readonly value: A } | { readonly _tag: "Started"; readonly stream: Readable }

export const withKeepAlive = <A, E>(
  work: Effect.Effect<A, E>,
  intervalMs: number,
  streamOf: (value: A) => Readable,
  /** The SSE event that reports a failure once the response has started. */
  errorEvent: (error: E) => string
): Effect.Effect<Waited<A>, E> =>
  intervalMs <= 0
    ? Effect.map(work, (value) => ({ _tag: "Ready", value }))
    : Effect.flatMap(Effect.runtime<never>(), (runtime) =>
      Effect.async<Waited<A>, E>((resume) => {
        const fiber = Runtime.runFork(runtime)(work)
        let started = false
        const timer = setTimeout(() => {
          started = true
          resume(Effect.succeed({ _tag: "Started", stream: keepAliveStream(runtime, fiber, intervalMs, streamOf, errorEvent) }))
        }, intervalMs)
        fiber.addObserver((exit) => {
          if (started) return
          clearTimeout(timer)
          resume(Exit.isSuccess(exit) ? Effect.succeed({ _tag: "Ready", value: exit.value }) : Effect.failCause(exit.cause))
        })
        return Effect.sync(() => {
          clearTimeout(timer)
          fiber.unsafeInterruptAsFork(FiberId.none)
        })
      }))

const keepAliveStream = <A, E>(
  runtime: Runtime.Runtime<never>,
  fiber: Fiber.RuntimeFiber<A, E>,
  intervalMs: number,
  streamOf: (value: A) => Readable,
  errorEvent: (error: E) => string
): Readable => {
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
          yield exit.cause._tag === "Fail" ? errorEvent(exit.cause.error) : sseErrorEvent("the request failed inside llmrouter", "internal_error")
          return
        }
        inner = streamOf(exit.value)
        followStall(inner, out)
        for await (const chunk of inner) yield chunk as Buffer
        return
      }
    } finally {
      clearTimeout(timer)
    }
  }
  const out = generatorReadable(chunks(), (reason) => {
    inner?.destroy(stallOnly(reason))
    fiber.unsafeInterruptAsFork(FiberId.none)
  })
  return out
}
