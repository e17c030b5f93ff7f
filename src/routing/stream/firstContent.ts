/**
 * Before the commit point: read a streaming answer until its first real content, so that anything
 * going wrong before then (an error event, a cut, a silent upstream, only keep-alives) can still
 * fail over. Returns the events read so far, to be sent first. The budget is a plain timer that
 * destroys the answer (no timer fiber on the hot path).
 */
import { Effect } from "effect"
import { StreamBroken, Timeout } from "../../errors/upstream.js"
import { transportError } from "../../transport/UpstreamClient.js"
import type { TrackedEvent } from "./tracker.js"
import type { UpstreamAnswer } from "./upstreamAnswer.js"

export const awaitFirstContent = (
  answer: UpstreamAnswer,
  budgetMs: number
): Effect.Effect<ReadonlyArray<TrackedEvent>, StreamBroken | Timeout> =>
  Effect.async((resume) => {
    const id = answer.endpoint.id
    let settled = false
    const settle = (outcome: Effect.Effect<ReadonlyArray<TrackedEvent>, StreamBroken | Timeout>) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resume(outcome)
    }
    const timer = setTimeout(() => {
      answer.destroy()
      settle(Effect.fail(new Timeout({ endpoint: id, phase: "first-token", message: `${id} sent no content within ${budgetMs} ms` })))
    }, budgetMs)
    readUntilContent(answer).then(
      (head) => settle(Effect.succeed(head)),
      (error: unknown) => {
        answer.destroy()
        settle(Effect.fail(
          error instanceof StreamBroken
            ? error
            : new StreamBroken({ endpoint: id, message: `${id} broke off its stream before any content: ${transportError(answer.endpoint, error).message}` })
        ))
      }
    )
    return Effect.sync(() => {
      settled = true
      clearTimeout(timer)
      answer.destroy()
    })
  })

const readUntilContent = async (answer: UpstreamAnswer): Promise<ReadonlyArray<TrackedEvent>> => {
  const id = answer.endpoint.id
  const head: Array<TrackedEvent> = []
  while (!answer.tracker.started) {
    head.push(...await answer.pull())
    if (answer.failure !== undefined) throw new StreamBroken({ endpoint: id, message: `${id} reported an error in its stream: ${answer.failure}` })
    if (answer.ended && !answer.tracker.started) throw new StreamBroken({ endpoint: id, message: `${id} ended its stream without any content` })
  }
  return head
}
