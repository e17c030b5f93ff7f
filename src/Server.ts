/**
 * The `Server` service: the HTTP app served on Node at the configured host and port. Closing its
 * scope stops accepting connections; in-flight answers finish (bounded by the caller, see `cli`).
 */
import { HttpMiddleware, HttpServer } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Context, Effect, Layer } from "effect"
import { Config } from "./Config.js"
import type { Limits } from "./config/schema.js"
import { type LimitedServer, limitedServer, withConnectionCap } from "./http/connections.js"
import { makeHttpApp } from "./http/routes.js"

export interface ServerInfo {
  readonly host: string
  readonly port: number
  /** `http://host:port`, ready for an OpenAI client's `baseURL` (append `/v1`). */
  readonly url: string
}

export class Server extends Context.Tag("llmrouter/Server")<Server, ServerInfo>() {}

const serve = (limited: LimitedServer, limits: Limits) => Layer.scoped(
  Server,
  Effect.gen(function*() {
    const app = yield* makeHttpApp
    const server = yield* HttpServer.HttpServer
    yield* server.serve(withConnectionCap(app, limited, limits.maxConnections))
    const address = server.address
    const host = address._tag === "TcpAddress" ? address.hostname : "unix"
    const port = address._tag === "TcpAddress" ? address.port : 0
    const urlHost = host.includes(":") ? `[${host}]` : host
    return { host, port, url: `http://${urlHost}:${port}` }
  })
)

/** Serves on Node, listening where `Config` says. Per-request tracing is off: it costs throughput. */
export const layer = Layer.unwrapEffect(
  Effect.map(Config, ({ config }) => {
    // Deadlines for receiving requests and the connection cap (answers are bounded by the Router's own).
    const limited = limitedServer(config.limits)
    return HttpMiddleware.withTracerDisabledWhen(
      serve(limited, config.limits).pipe(Layer.provide(NodeHttpServer.layer(() => limited.server, { host: config.host, port: config.port }))),
      () => true
    )
  })
)
