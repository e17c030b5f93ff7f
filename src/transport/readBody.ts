/** Reading whole upstream bodies, always bounded: an upstream cannot make the router buffer without limit. */
import { Effect } from "effect"
import type { Readable } from "node:stream"
import { StreamBroken, type Timeout } from "../errors/upstream.js"
import type { ResolvedEndpoint } from "../providers/Adapter.js"
import { transportError } from "./UpstreamClient.js"

/** The whole body, or a `StreamBroken`/`Timeout` when it breaks or exceeds `limit` bytes. */
export const readBody = (
  endpoint: ResolvedEndpoint,
  body: Readable,
  limit: number
): Effect.Effect<Buffer, StreamBroken | Timeout> =>
  Effect.async((resume) => {
    const chunks: Array<Buffer> = []
    let size = 0
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        cleanup()
        body.destroy()
        resume(Effect.fail(new StreamBroken({ endpoint: endpoint.id, message: `${endpoint.id} sent a response over ${limit} bytes` })))
        return
      }
      chunks.push(chunk)
    }
    const onEnd = () => {
      cleanup()
      resume(Effect.succeed(chunks.length === 1 ? chunks[0] as Buffer : Buffer.concat(chunks)))
    }
    const onError = (error: unknown) => {
      cleanup()
      const failure = transportError(endpoint, error)
      resume(Effect.fail(
        failure._tag === "Timeout"
          ? failure
          : new StreamBroken({ endpoint: endpoint.id, message: `${endpoint.id} broke off its response: ${failure.message}` })
      ))
    }
    const cleanup = () => {
      body.off("data", onData)
      body.off("end", onEnd)
      body.off("error", onError)
    }
    body.on("data", onData)
    body.once("end", onEnd)
    body.once("error", onError)
    return Effect.sync(() => {
      cleanup()
      body.destroy()
    })
  })

/** An error body: read up to `limit` bytes for the message, then drop the rest (the socket is freed either way). */
export const readErrorBody = (endpoint: ResolvedEndpoint, body: Readable, limit = 64 * 1024) =>
  readBody(endpoint, body, limit).pipe(
    Effect.map((bytes) => bytes.toString("utf8")),
    Effect.orElseSucceed(() => "")
  )
