/**
 * The Node HTTP server's own limits, so that no client can hold the router's resources: request
 * headers must arrive within `headersTimeoutMs` and the whole request (body included) within
 * `requestTimeoutMs` (Node answers 408 and closes); both end when the request has arrived, so an
 * answer — a long stream — may take as long as the router's own deadlines allow. Beyond
 * `maxConnections` open connections, a request is answered 503 and its connection closed.
 */
import { HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { NodeHttpServerRequest } from "@effect/platform-node"
import { Effect } from "effect"
import { createServer, type Server } from "node:http"
import type { Socket } from "node:net"
import type { Limits } from "../config/schema.js"

export interface LimitedServer {
  readonly server: Server
  /** Whether a request came on a connection opened while the router was at its connection cap. */
  readonly overCap: (request: HttpServerRequest.HttpServerRequest) => boolean
  /** The same, for a Node request's socket (the lean chat path, `nodeChat.ts`). */
  readonly socketOverCap: (socket: Socket) => boolean
}

export const limitedServer = (limits: Limits): LimitedServer => {
  const server = createServer({
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    // Node refuses a header deadline beyond the request's.
    headersTimeout: Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs),
    // How often Node checks those deadlines (its default, 30 s, would blur them).
    connectionsCheckingInterval: Math.max(100, Math.min(1_000, Math.floor(limits.headersTimeoutMs / 4)))
  })
  let open = 0
  const over = new WeakSet<Socket>()
  server.on("connection", (socket: Socket) => {
    open += 1
    if (open > limits.maxConnections) over.add(socket)
    socket.once("close", () => {
      open -= 1
    })
  })
  const socketOverCap = (socket: Socket) => over.has(socket)
  const overCap = (request: HttpServerRequest.HttpServerRequest) => {
    try {
      return socketOverCap(NodeHttpServerRequest.toIncomingMessage(request).socket)
    } catch {
      return false // not a Node request (an embedder's server): no cap of ours applies
    }
  }
  return { server, overCap, socketOverCap }
}

/** `app`, unless the request came over the cap: then a clear 503 and the connection closed. */
export const withConnectionCap = <E, R>(
  app: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>,
  limited: Pick<LimitedServer, "overCap">,
  maxConnections: number
): Effect.Effect<HttpServerResponse.HttpServerResponse, E, R | HttpServerRequest.HttpServerRequest> =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) =>
    limited.overCap(request) ? Effect.succeed(atConnectionCap(maxConnections)) : app)

/** The answer to a request over the cap: a clear 503, and its connection closed. */
export const atConnectionCap = (maxConnections: number) =>
  HttpServerResponse.unsafeJson({
    error: {
      message: `llmrouter is at its connection limit (${maxConnections} open connections, limits.maxConnections): retry shortly.`,
      type: "server_error",
      code: "too_many_connections",
      param: null
    }
  }, { status: 503, headers: { "retry-after": "1", connection: "close" } })
