/**
 * Collect a Node stream into one buffer, never more than `limit` bytes: neither a client nor an
 * upstream can make the router buffer without bound. What happens to the rest of an oversized
 * stream is the caller's choice: `drain` (keep the connection usable, e.g. to still answer 413) or
 * `destroy` (free it at once). Interruption always destroys the stream.
 */
import { Effect } from "effect"
import type { Readable } from "node:stream"

export type CollectFailure =
  | { readonly _tag: "TooLarge" }
  | { readonly _tag: "Broken"; readonly cause: unknown }

export const collect = (
  stream: Readable,
  limit: number,
  onOversize: "drain" | "destroy"
): Effect.Effect<Buffer, CollectFailure> =>
  Effect.async((resume) => {
    const chunks: Array<Buffer> = []
    let size = 0
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        cleanup()
        if (onOversize === "drain") stream.resume()
        else stream.destroy()
        resume(Effect.fail({ _tag: "TooLarge" }))
        return
      }
      chunks.push(chunk)
    }
    const onEnd = () => {
      cleanup()
      resume(Effect.succeed(chunks.length === 1 ? chunks[0] as Buffer : Buffer.concat(chunks, size)))
    }
    const onError = (cause: unknown) => {
      cleanup()
      resume(Effect.fail({ _tag: "Broken", cause }))
    }
    const cleanup = () => {
      stream.off("data", onData)
      stream.off("end", onEnd)
      stream.off("error", onError)
    }
    stream.on("data", onData)
    stream.once("end", onEnd)
    stream.once("error", onError)
    return Effect.sync(() => {
      cleanup()
      stream.destroy()
    })
  })
