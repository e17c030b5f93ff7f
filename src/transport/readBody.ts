/** Reading whole upstream bodies, always bounded: an upstream cannot make the router buffer without limit. */
import { Effect } from "effect"
import type { Readable } from "node:stream"
import { StreamBroken, type Timeout } from "../errors/upstream.js"
import type { ResolvedEndpoint } from "../providers/Adapter.js"
import { collect } from "../streams/collect.js"
import { transportError } from "./UpstreamClient.js"

/** The whole body, or a `StreamBroken`/`Timeout` when it breaks or exceeds `limit` bytes. */
export const readBody = (
  endpoint: ResolvedEndpoint,
  body: Readable,
  limit: number
): Effect.Effect<Buffer, StreamBroken | Timeout> =>
  collect(body, limit, "destroy").pipe(
    Effect.mapError((failure) => {
      if (failure._tag === "TooLarge") {
        return new StreamBroken({ endpoint: endpoint.id, message: `${endpoint.id} sent a response over ${limit} bytes` })
      }
      const error = transportError(endpoint, failure.cause, endpoint.timeouts.responseMs)
      return error._tag === "Timeout"
        ? error
        : new StreamBroken({ endpoint: endpoint.id, message: `${endpoint.id} broke off its response: ${error.message}` })
    })
  )

/** An error body: read up to `limit` bytes for the message, then drop the rest (the socket is freed either way). */
export const readErrorBody = (endpoint: ResolvedEndpoint, body: Readable, limit = 64 * 1024) =>
  readBody(endpoint, body, limit).pipe(
    Effect.map((bytes) => bytes.toString("utf8")),
    Effect.orElseSucceed(() => "")
  )
