/**
 * Re-encoding the Router's answer stream for a client-facing API: the Router's SSE is read into
 * answer events (`answer.ts`) and each codec's encoder turns them into its own events. Destroying
 * the returned stream (the client left) destroys the Router's stream, which aborts the upstream.
 */
import type { Readable } from "node:stream"
import { followStall, generatorReadable, stallOnly } from "../routing/stream/generatorReadable.js"
import { type AnswerEvent, answerEvents, type AnswerUsage, type FinishReason } from "./answer.js"

export interface StreamEncoder {
  /** The SSE text one answer event becomes ("" for none). */
  push(event: AnswerEvent): string
  /** The Router's stream ended (normally after `Done` or `Error`): the last SSE text. */
  end(): string
}

export const encodeStream = (source: Readable, encoder: StreamEncoder): Readable => {
  const chunks = async function*() {
    try {
      for await (const event of answerEvents(source)) {
        const out = encoder.push(event)
        if (out !== "") yield out
      }
    } catch (error) {
      // The Router's stream itself failed (not an error event inside it): report it in the API's shape.
      const out = encoder.push({ _tag: "Error", message: `the answer stream failed: ${String(error)}`, code: "stream_broken" })
      if (out !== "") yield out
    }
    const last = encoder.end()
    if (last !== "") yield last
  }
  const out = generatorReadable(chunks(), (reason) => source.destroy(stallOnly(reason)))
  followStall(source, out)
  return out
}

/** `event: <name>` + `data: <json>`, the framing Anthropic and the Responses API both use. */
export const namedEvent = (name: string, data: unknown): string => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`

/** What a stream reports before its end (finish reason, usage) and encoders send only at `Done`. */
export class AnswerTally {
  reason: FinishReason = "stop"
  usage: AnswerUsage | undefined = undefined

  /** Notes a finish reason or usage event; true when it was one (nothing to send for it now). */
  note(event: AnswerEvent): event is Extract<AnswerEvent, { readonly _tag: "Finish" | "Usage" }> {
    if (event._tag === "Finish") this.reason = event.reason
    else if (event._tag === "Usage") this.usage = event.usage
    else return false
    return true
  }
}
