/**
 * A streamed answer piped to the client's response, with backpressure, for the life of the
 * connection: a client gone destroys the answer (which aborts its upstream), an answer that fails
 * (a stalled client, `ClientStalled`) cuts the connection. This is what `stream.pipeline` does for
 * two streams, without what it adds per call for the general case (an `AbortController` whose abort
 * at every end builds a `DOMException` with its stack: measured, a visible share of a stream's CPU).
 */
import type { Readable } from "node:stream"
import type { ServerResponse } from "node:http"

export const pipeToResponse = (answer: Readable, response: ServerResponse): void => {
  answer.pipe(response)
  // After a normal end the answer is already destroyed (autoDestroy): this only acts on an early close.
  response.once("close", () => answer.destroy())
  answer.once("error", () => response.destroy())
  // A response error (its socket failed) is followed by its close, which ends the answer above.
  response.on("error", ignore)
}

const ignore = () => {}
