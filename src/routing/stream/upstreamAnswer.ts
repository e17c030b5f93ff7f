/**
 * One upstream's streaming answer, pulled chunk by chunk through its adapter's translator and the
 * tracker. Owns the upstream body and its content-idle timer: silence past the deadline destroys
 * the body with a `Stalled` error, which the reader sees as a failed pull. Only a pull waiting on
 * the upstream counts: while nobody pulls (the client is not reading) the upstream is paused, and
 * its silence is not its fault.
 */
import type { Readable } from "node:stream"
import type { ResolvedEndpoint, StreamTranslator } from "../../providers/Adapter.js"
import { AnswerTracker, type TrackedEvent } from "./tracker.js"

export class Stalled extends Error {
  constructor(readonly ms: number, readonly finalise: boolean) {
    super(`no content for ${ms} ms`)
  }
}

/** After the finish event, wait at most this long for usage and `[DONE]` before finalising ourselves. */
export const FINISH_GRACE_MS = 1_000

export class UpstreamAnswer {
  readonly tracker = new AnswerTracker()
  ended = false
  private translatorComplete = false
  private readonly iterator: AsyncIterator<Buffer>
  private timer: NodeJS.Timeout | undefined
  /** A pull is waiting on the upstream. */
  private pulling = false
  /** The idle deadline passed while nobody was pulling: the next pull gets a fresh one. */
  private overdue = false

  constructor(
    readonly endpoint: ResolvedEndpoint,
    private readonly body: Readable,
    private readonly translator: StreamTranslator
  ) {
    this.iterator = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>
  }

  /** The next well-formed events (possibly none); rejects when the body breaks or stalls. */
  async pull(): Promise<Array<TrackedEvent>> {
    if (this.overdue) {
      this.overdue = false
      this.timer?.refresh()
    }
    this.pulling = true
    let next: IteratorResult<Buffer>
    try {
      next = await this.iterator.next()
    } finally {
      this.pulling = false
    }
    if (next.done === true) {
      this.ended = true
      this.stopTimer()
      const { complete, output } = this.translator.end()
      this.translatorComplete = complete
      return [...this.tracker.push(output), ...this.tracker.end()]
    }
    const events = this.tracker.push(this.translator.push(next.value))
    if (this.timer !== undefined && events.some((e) => e.substantive)) this.timer.refresh()
    if (this.tracker.finished && this.timer !== undefined) this.armIdle(FINISH_GRACE_MS, true)
    return events
  }

  /** The failure the upstream reported inside its stream, if any. */
  get failure(): string | undefined {
    return this.translator.failure?.message ?? this.tracker.error
  }

  /** Ended (or finished and gone quiet) with a complete answer. */
  get complete(): boolean {
    return this.tracker.done || this.translatorComplete || (this.ended && this.tracker.finished)
  }

  /** Silence (no substantive event) for `ms` destroys the body with `Stalled`. */
  armIdle(ms: number, finalise = false): void {
    this.stopTimer()
    // The finish already came (with the first content, before any timer was armed): only the grace is left.
    if (this.tracker.finished) [ms, finalise] = [FINISH_GRACE_MS, true]
    this.overdue = false
    this.timer = setTimeout(() => {
      if (this.pulling) this.body.destroy(new Stalled(ms, finalise))
      else this.overdue = true
    }, ms)
    this.timer.unref()
  }

  destroy(): void {
    this.stopTimer()
    this.body.destroy()
  }

  private stopTimer() {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
  }
}
