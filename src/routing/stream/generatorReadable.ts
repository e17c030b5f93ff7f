/**
 * A byte `Readable` over an async generator, pull-based end to end: one `next()` per `read()`, and
 * `read()` is only called while the buffer is under `STREAM_HIGH_WATER_MARK`, so a client that stops
 * reading stops the generator, which stops reading its upstream (whose socket then pushes back on
 * the upstream server). Destruction runs `abort` first, with the reason: `Readable.from` alone
 * would wait for the generator's pending `await` (a silent upstream, a failover in progress).
 *
 * With `stallMs`, a consumer that takes nothing for that long while the buffer is full (the client
 * stopped reading: its socket, then the response, then this buffer filled up) destroys the stream
 * with `ClientStalled`, which frees the client's connection and aborts the upstream.
 */
import { Readable } from "node:stream"
import { STREAM_HIGH_WATER_MARK } from "../../streams/highWaterMark.js"

/** The client stopped reading a stream for longer than the write-stall deadline: it is dropped. */
export class ClientStalled extends Error {
  readonly _tag = "ClientStalled"
  constructor(readonly ms: number) {
    super(`the client read nothing for ${ms} ms; the stream was dropped`)
  }
}

export const isClientStalled = (error: unknown): error is ClientStalled => error instanceof ClientStalled

export interface GeneratorReadableOptions {
  /** Write-stall deadline (ms); 0 or absent: none. */
  readonly stallMs?: number
}

export const generatorReadable = (
  chunks: AsyncGenerator<string | Buffer, void>,
  abort: (reason: Error | null) => void,
  options: GeneratorReadableOptions = {}
): Readable => {
  const stallMs = options.stallMs ?? 0
  let stall: NodeJS.Timeout | undefined
  return new Readable({
    highWaterMark: STREAM_HIGH_WATER_MARK,
    read() {
      // The consumer took enough to want more: whatever wait was running is over.
      if (stall !== undefined) {
        clearTimeout(stall)
        stall = undefined
      }
      chunks.next().then(
        (result) => {
          if (result.done === true) return void this.push(null)
          // A full buffer: from now on only the consumer can make progress. A timer only under backpressure.
          if (!this.push(result.value) && stallMs > 0 && !this.destroyed) {
            stall = setTimeout(() => this.destroy(new ClientStalled(stallMs)), stallMs)
            stall.unref()
          }
        },
        (error: unknown) => this.destroy(error instanceof Error ? error : new Error(String(error)))
      )
    },
    destroy(error, callback) {
      if (stall !== undefined) clearTimeout(stall)
      abort(error)
      chunks.return(undefined).then(() => callback(error), callback)
    }
  })
}

/**
 * The reason to pass on when destroying an inner stream: a stall (so the inner end records it as
 * the client's), nothing else (an error on a stream nobody listens to any more would be thrown).
 */
export const stallOnly = (reason: Error | null): ClientStalled | undefined => (isClientStalled(reason) ? reason : undefined)

/**
 * `out` re-encodes `source` and is what the client reads: when `source` is dropped for a stalled
 * client, `out` goes too (it may be parked in a `yield` nobody will resume), taking the connection.
 */
export const followStall = (source: Readable, out: Readable): void => {
  source.once("error", (error) => {
    if (isClientStalled(error) && !out.destroyed) out.destroy(error)
  })
}
