/**
 * A byte `Readable` over an async generator, with backpressure (one `next()` per `read()`), whose
 * destruction runs `abort` first. `Readable.from` alone would wait for the generator's pending
 * `await` (a silent upstream, a failover in progress) before the generator can return.
 */
import { Readable } from "node:stream"

export const generatorReadable = (chunks: AsyncGenerator<string | Buffer, void>, abort: () => void): Readable =>
  new Readable({
    read() {
      chunks.next().then(
        (result) => {
          this.push(result.done === true ? null : result.value)
        },
        (error: unknown) => this.destroy(error instanceof Error ? error : new Error(String(error)))
      )
    },
    destroy(error, callback) {
      abort()
      chunks.return(undefined).then(() => callback(error), callback)
    }
  })
