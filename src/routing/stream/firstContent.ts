/**
 * Before the commit point: read a streaming answer until its first real content, so that anything
 * going wrong before then (an error event, a cut, a silent upstream, only keep-alives) can still
 * fail over. Returns the events read so far, to be sent first.
 */
import { Effect } from "effect"
import { StreamBroken, Timeout } from "../../errors/upstream.js"
import { transportError } from "../../transport/UpstreamClient.js"
import type { TrackedEvent } from "./tracker.js"
import type { UpstreamAnswer } from "./upstreamAnswer.js"

export const awaitFirstContent = (
  answer: UpstreamAnswer,
  budgetMs: number
): Effect.Effect<ReadonlyArray<TrackedEvent>, StreamBroken | Timeout> => {
  const id = answer.endpoint.id
  const loop: Effect.Effect<ReadonlyArray<TrackedEvent>, StreamBroken | Timeout> = Effect.tryPromise({
    try: async () => {
      const head: Array<TrackedEvent> = []
      while (!answer.tracker.started) {
        head.push(...await answer.pull())
        if (answer.failure !== undefined) throw new StreamBroken({ endpoint: id, message: `${id} reported an error in its stream: ${answer.failure}` })
        if (answer.ended && !answer.tracker.started) throw new StreamBroken({ endpoint: id, message: `${id} ended its stream without any content` })
      }
      return head
    },
    catch: (error) =>
      error instanceof StreamBroken
        ? error
        : new StreamBroken({ endpoint: id, message: `${id} broke off its stream before any content: ${transportError(answer.endpoint, error).message}` })
  })
  return loop.pipe(
    Effect.timeoutFail({
      duration: budgetMs,
      onTimeout: () => new Timeout({ endpoint: id, phase: "first-token", message: `${id} sent no content within ${budgetMs} ms` })
    }),
    Effect.onExit((exit) => (exit._tag === "Failure" ? Effect.sync(() => answer.destroy()) : Effect.void))
  )
}
