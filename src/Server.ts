/**
 * The `Server` service: the HTTP app served on Node at the configured host and port. Chat
 * completions take the lean Node path (`http/nodeChat.ts`); every other route is the
 * `@effect/platform` app (`http/routes.ts`). Closing its scope stops accepting connections;
 * in-flight answers finish (bounded by the caller, see `cli`).
 */
import { HttpMiddleware, HttpServerError } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Context, Effect, Layer } from "effect"
import type { Server as NodeServer } from "node:http"
import type { AddressInfo } from "node:net"
import { Config } from "./Config.js"
import { limitedServer, withConnectionCap } from "./http/connections.js"
import { makeNodeChat } from "./http/nodeChat.js"
import { makeHttpApp } from "./http/routes.js"

export interface ServerInfo {
  readonly host: string
  readonly port: number
  /** `http://host:port`, ready for an OpenAI client's `baseURL` (append `/v1`). */
  readonly url: string
}

export class Server extends Context.Tag("llmrouter/Server")<Server, ServerInfo>() {}

const make = Effect.gen(function*() {
  const { config } = yield* Config
  // Deadlines for receiving requests and the connection cap (answers are bounded by the Router's own).
  const limited = limitedServer(config.limits)
  const chat = yield* makeNodeChat(limited)
  const app = yield* NodeHttpServer.makeHandler(withConnectionCap(yield* makeHttpApp, limited, config.limits.maxConnections))
  const { server } = limited
  server.on("request", (request, response) => {
    if (!chat(request, response)) app(request, response)
  })
  yield* Effect.acquireRelease(listen(server, config.host, config.port), () => close(server))
  const address = server.address() as AddressInfo
  const host = address.address === "::" ? "0.0.0.0" : address.address
  const urlHost = host.includes(":") ? `[${host}]` : host
  return { host, port: address.port, url: `http://${urlHost}:${address.port}` }
})

const listen = (server: NodeServer, host: string, port: number) =>
  Effect.async<void, HttpServerError.ServeError>((resume) => {
    const onError = (cause: Error) => resume(Effect.fail(new HttpServerError.ServeError({ cause })))
    server.once("error", onError)
    server.listen(port, host, () => {
      server.off("error", onError)
      resume(Effect.void)
    })
  })

const close = (server: NodeServer) =>
  Effect.async<void>((resume) => {
    if (!server.listening) return resume(Effect.void)
    server.close(() => resume(Effect.void))
  })

/** Serves on Node, listening where `Config` says. Per-request tracing is off: it costs throughput. */
export const layer = HttpMiddleware.withTracerDisabledWhen(Layer.scoped(Server, make), () => true)
