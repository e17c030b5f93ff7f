/**
 * After the commit point: relay a streaming answer to the client, and when its upstream cuts,
 * stalls or reports an error, ask for a continuation (another candidate continuing from the text
 * already delivered) instead of truncating. Whatever cannot be rescued ends with an SSE `error`
 * event and no `[DONE]`. Destroying the returned stream (client gone) aborts everything upstream;
 * so does a client that stops reading for `stallMs` (`ClientStalled`): never the upstream's fault.
 */
import type { Readable } from "node:stream"
import type { ResolvedEndpoint } from "../../providers/Adapter.js"
import { DONE_EVENT, sseErrorEvent } from "../../providers/sse.js"
import { transportError } from "../../transport/UpstreamClient.js"
import { DIVERGED, type EventFilter, passAll, skipDelivered, skipLeadingWhitespace } from "./dedupe.js"
import { generatorReadable, isClientStalled } from "./generatorReadable.js"
import { eventText, type TrackedEvent } from "./tracker.js"
import { Stalled, type UpstreamAnswer } from "./upstreamAnswer.js"

export interface Continuation {
  readonly answer: UpstreamAnswer
  readonly head: ReadonlyArray<TrackedEvent>
  /** `prefill`: the answer continues the delivered text; `restart`: it repeats it first. */
  readonly mode: "prefill" | "restart"
  /** Prefill only: trailing whitespace of the delivered text the provider did not take (it comes back). */
  readonly trimmed?: number
}

export interface SessionOptions {
  readonly idleMs: (endpoint: ResolvedEndpoint) => number
  /** Epoch ms after which the whole request is given up. */
  readonly deadline: number
  /** Another candidate's answer continuing `delivered`, or why there is none. */
  readonly continueAnswer: (delivered: string, failed: ResolvedEndpoint, signal: AbortSignal) => Promise<Continuation | string>
  /** A committed answer failed (for health accounting). */
  readonly onBroken: (endpoint: ResolvedEndpoint, message: string) => void
  /** The client's answer completed, possibly by a continuation's endpoint. */
  readonly onComplete?: (endpoint: ResolvedEndpoint) => void
  /** The session is over (once): which endpoint it ended on, its last usage, complete or not, client gone or not. */
  readonly onEnd?: (end: SessionEnd) => void
  /** Hides secrets in an error event's text (an upstream's error may echo its request). */
  readonly redact: (text: string) => string
  /** Write-stall deadline: a client that reads nothing for this long is dropped (0: never). */
  readonly stallMs?: number
}

export interface SessionEnd {
  readonly endpoint: ResolvedEndpoint
  /** The last `usage` chunk of the final answer, as sent (or undefined). */
  readonly usage: unknown
  readonly complete: boolean
  /** The client went away (the stream was destroyed) before the end. */
  readonly aborted: boolean
  /** …because it stopped reading past the write-stall deadline. */
  readonly stalled: boolean
}

export const streamSession = (first: UpstreamAnswer, head: ReadonlyArray<TrackedEvent>, options: SessionOptions): Readable => {
  const controller = new AbortController()
  const state = { finished: false }
  // A Readable is destroyed after it ends too: only a destroy before the end is the client leaving
  // (aborting costs an exception object and listeners, so it is not done on every stream).
  const abort = (reason: Error | null) => {
    if (!state.finished) controller.abort(reason ?? undefined)
  }
  const readable = { stallMs: options.stallMs ?? 0 }
  const onEnd = options.onEnd
  if (onEnd === undefined) return generatorReadable(relay(first, head, options, controller.signal, state), abort, readable)
  let ended = false
  const end = (info: SessionEnd) => {
    if (ended) return
    ended = true
    onEnd(info)
  }
  const stream = generatorReadable(relay(first, head, { ...options, onEnd: end }, controller.signal, state), abort, readable)
  // A stream destroyed before it was ever read never runs the relay's `finally`.
  stream.once("close", () =>
    end({ endpoint: first.endpoint, usage: undefined, complete: false, aborted: true, stalled: isClientStalled(controller.signal.reason) }))
  return stream
}

async function* relay(
  first: UpstreamAnswer,
  head: ReadonlyArray<TrackedEvent>,
  options: SessionOptions,
  signal: AbortSignal,
  state: { finished: boolean }
) {
  let answer = first
  let filter: EventFilter = passAll
  let delivered = ""
  let toolCallsDelivered = false
  let expired = false
  let complete = false
  const total = setTimeout(() => {
    expired = true
    answer.destroy()
  }, Math.max(0, options.deadline - Date.now()))
  total.unref()
  signal.addEventListener("abort", () => answer.destroy(), { once: true })

  /** Filtered events → text to send; `undefined` when the new answer diverged. */
  const render = (events: ReadonlyArray<TrackedEvent>): string | undefined => {
    let out = ""
    for (const event of events) {
      const kept = filter(event)
      if (kept === DIVERGED) return undefined
      if (kept === undefined) continue
      delivered += kept.content
      if (kept.chunk !== undefined && answer.tracker.sawToolCalls) toolCallsDelivered = true
      out += eventText(kept)
    }
    return out
  }

  try {
    let out = render(head)
    if (out !== undefined && out !== "") yield out
    answer.armIdle(options.idleMs(answer.endpoint))
    for (;;) {
      let reason: string | undefined
      let code = "stream_broken"
      try {
        out = render(await answer.pull())
        if (out === undefined) {
          yield diverged(answer.endpoint)
          return
        }
        if (out !== "") yield out
        reason = answer.failure
        if (reason === undefined && answer.ended) {
          if (!answer.complete) reason = `${answer.endpoint.id} ended the stream before the answer was complete`
        }
      } catch (error) {
        if (error instanceof Stalled && error.finalise) {
          if (!answer.tracker.done) yield DONE_EVENT
          complete = true
          options.onComplete?.(answer.endpoint)
          return
        }
        reason = describe(answer.endpoint, error)
        if (error instanceof Stalled || transportError(answer.endpoint, error)._tag === "Timeout") code = "stream_stalled"
      }
      if (reason === undefined && !answer.ended) continue
      if (reason === undefined) {
        if (!answer.tracker.done) yield DONE_EVENT
        complete = true
        options.onComplete?.(answer.endpoint)
        return
      }
      if (expired) {
        yield sseErrorEvent(options.redact(`the request exceeded its total deadline (${reason})`), "deadline_exceeded")
        return
      }
      // The client went away and its abort broke the upstream read: not the upstream's failure,
      // and there is nobody to continue for.
      if (signal.aborted) return
      options.onBroken(answer.endpoint, reason)
      answer.destroy()
      if (toolCallsDelivered) {
        yield sseErrorEvent(options.redact(`${reason}; a tool call was already streamed, so the answer cannot be continued`), code)
        return
      }
      const next = await options.continueAnswer(delivered, answer.endpoint, signal)
      if (typeof next === "string") {
        yield sseErrorEvent(options.redact(`${reason}; ${next}`), code)
        return
      }
      answer = next.answer
      filter = next.mode === "restart" ? skipDelivered(delivered) : skipLeadingWhitespace(next.trimmed ?? 0)
      out = render(next.head)
      if (out === undefined) {
        yield diverged(answer.endpoint)
        return
      }
      if (out !== "") yield out
      answer.armIdle(options.idleMs(answer.endpoint))
    }
  } finally {
    state.finished = true
    clearTimeout(total)
    answer.destroy()
    options.onEnd?.({
      endpoint: answer.endpoint,
      usage: answer.tracker.usage,
      complete,
      aborted: signal.aborted,
      stalled: signal.aborted && isClientStalled(signal.reason)
    })
  }
}

const diverged = (endpoint: ResolvedEndpoint) =>
  sseErrorEvent(`the answer from ${endpoint.id} did not repeat the text already sent; it cannot be completed`, "continuation_diverged")

const describe = (endpoint: ResolvedEndpoint, error: unknown): string => {
  if (error instanceof Stalled) return `${endpoint.id} stalled: ${error.message}`
  const failure = transportError(endpoint, error)
  return `${endpoint.id} broke off the stream (${failure._tag === "ConnectionFailed" ? failure.code ?? "connection lost" : failure.message})`
}
