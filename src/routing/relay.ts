/**
 * The streaming byte path: upstream body → adapter translation → client, as one Node `Readable`
 * with backpressure and no per-chunk Effect work. A stream never ends looking successful unless the
 * answer completed: a cut, a stall or an in-band upstream error ends with an SSE `error` event and
 * no `[DONE]`. Destroying the result (client gone) destroys the upstream body, freeing the call.
 */
import { Readable } from "node:stream"
import type { ResolvedEndpoint, StreamTranslator } from "../providers/Adapter.js"
import { sseErrorEvent } from "../providers/sse.js"
import { transportError } from "../transport/UpstreamClient.js"

export const relayStream = (
  endpoint: ResolvedEndpoint,
  upstream: Readable,
  translator: StreamTranslator
): Readable => Readable.from(relay(endpoint, upstream, translator), { objectMode: false })

async function* relay(endpoint: ResolvedEndpoint, upstream: Readable, translator: StreamTranslator) {
  try {
    for await (const chunk of upstream) {
      const out = translator.push(chunk as Buffer)
      if (out.length > 0) yield out
      const failure = translator.failure
      if (failure !== undefined) {
        yield sseErrorEvent(failure.message)
        return
      }
    }
    const { complete, output } = translator.end()
    if (output.length > 0) yield output
    if (!complete) yield sseErrorEvent(`${endpoint.id} ended the stream before the answer was complete`)
  } catch (error) {
    const failure = transportError(endpoint, error)
    const message = failure._tag === "Timeout"
      ? failure.message
      : `${endpoint.id} broke off the stream (${failure.code ?? "connection lost"})`
    yield sseErrorEvent(message, failure._tag === "Timeout" ? "stream_stalled" : "stream_broken")
  } finally {
    upstream.destroy()
  }
}
