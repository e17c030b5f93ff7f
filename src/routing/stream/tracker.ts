/**
 * Reads the OpenAI SSE the client is about to receive, event by event: drops malformed events
 * (an SDK would throw on them), notices the first real content (the commit point), each event's
 * text (the session keeps what was delivered, for continuation), tool calls, the finish, usage,
 * `[DONE]` and in-band errors.
 * Events are re-emitted verbatim (`data: <raw>\n\n`): nothing is re-serialised.
 */
import { SseParser } from "../../providers/common/sseParser.js"

export interface TrackedEvent {
  /** The event's raw `data` (JSON text, or `[DONE]`). */
  readonly data: string
  /** Parsed chunk, `undefined` for `[DONE]`. */
  readonly chunk: Chunk | undefined
  /** Text content of choice 0 in this event. */
  readonly content: string
  /** Whether this event carries answer content (text, tool calls, reasoning, refusal, a finish). */
  readonly substantive: boolean
}

export interface Chunk {
  readonly choices?: ReadonlyArray<{ readonly delta?: Record<string, unknown>; readonly finish_reason?: unknown }>
  readonly usage?: unknown
  readonly error?: unknown
  readonly [key: string]: unknown
}

export class AnswerTracker {
  private readonly parser = new SseParser()
  started = false
  sawToolCalls = false
  finished = false
  done = false
  /** The message of an in-band `{"error": …}` event, when the upstream sent one. */
  error: string | undefined = undefined
  /** The last `usage` object seen (OpenAI's `stream_options.include_usage` chunk), as sent. */
  usage: unknown = undefined
  malformed = 0

  /** Feed translated output; returns the well-formed events it completed. */
  push(output: Buffer | string): Array<TrackedEvent> {
    return this.accept(this.parser.push(output).map((e) => e.data))
  }

  /** The upstream ended: flush a final event that lacked its blank line. */
  end(): Array<TrackedEvent> {
    return this.accept(this.parser.end().map((e) => e.data))
  }

  private accept(datas: ReadonlyArray<string>): Array<TrackedEvent> {
    const events: Array<TrackedEvent> = []
    for (const data of datas) {
      if (this.done || this.error !== undefined) break
      if (data.trim() === "[DONE]") {
        this.done = true
        events.push({ data: "[DONE]", chunk: undefined, content: "", substantive: false })
        continue
      }
      let chunk: Chunk
      try {
        chunk = JSON.parse(data) as Chunk
      } catch {
        this.malformed += 1
        continue
      }
      if (typeof chunk !== "object" || chunk === null) {
        this.malformed += 1
        continue
      }
      if (chunk.error !== undefined && chunk.error !== null) {
        this.error = errorText(chunk.error)
        break
      }
      // Well-formed JSON of the wrong shape is a failure, not an event to pass on or skip: before the
      // first content it fails over, after it the stream ends with an error event.
      const wrong = wrongShape(chunk)
      if (wrong !== undefined) {
        this.error = `the upstream sent a stream event of the wrong shape (${wrong})`
        break
      }
      const event = this.inspect(data, chunk)
      events.push(event)
    }
    return events
  }

  private inspect(data: string, chunk: Chunk): TrackedEvent {
    const choice = chunk.choices?.[0]
    const delta = choice?.delta ?? {}
    const content = typeof delta.content === "string" ? delta.content : ""
    const toolCalls = Array.isArray(delta.tool_calls) && delta.tool_calls.length > 0
    const finish = choice?.finish_reason !== undefined && choice.finish_reason !== null
    const substantive = content !== "" || toolCalls || finish || nonEmpty(delta.reasoning_content) ||
      nonEmpty(delta.reasoning) || nonEmpty(delta.refusal)
    if (chunk.usage !== undefined && chunk.usage !== null) this.usage = chunk.usage
    if (toolCalls) this.sawToolCalls = true
    if (finish) this.finished = true
    if (substantive) this.started = true
    return { data, chunk, content, substantive }
  }
}

/** What is wrong with a chunk's shape where the tracker and clients read it, or `undefined`. */
const wrongShape = (chunk: Chunk): string | undefined => {
  const { choices } = chunk
  if (choices === undefined || choices === null) return undefined
  if (!Array.isArray(choices)) return "`choices` is not a list"
  for (const choice of choices as ReadonlyArray<unknown>) {
    if (typeof choice !== "object" || choice === null) return "a choice is not an object"
    const delta = (choice as { delta?: unknown }).delta
    if (delta === undefined || delta === null) continue
    if (typeof delta !== "object") return "`delta` is not an object"
    const content = (delta as { content?: unknown }).content
    if (content !== undefined && content !== null && typeof content !== "string") return "`delta.content` is not text"
  }
  return undefined
}

export const eventText = (event: TrackedEvent) => `data: ${event.data}\n\n`

const nonEmpty = (value: unknown) => typeof value === "string" && value !== ""

const errorText = (error: unknown): string => {
  if (typeof error === "string") return error
  if (typeof error === "object" && error !== null && typeof (error as { message?: unknown }).message === "string") {
    return (error as { message: string }).message
  }
  return JSON.stringify(error)
}
