/**
 * Target P, the platform ceiling (a child process): a bare `@effect/platform-node` server that does
 * what the floor does, the way an Effect app would: one `HttpRouter` route, the body read with the
 * platform (`request.arrayBuffer`), forwarded with undici over a keep-alive pool inside
 * `Effect.async` (interruption aborts it), the reply streamed back (`HttpServerResponse.raw`) or,
 * for JSON, read whole and sent with its length. Tracing off, no logging, no routing, no
 * validation: what any router built on this platform pays before its own work. `BENCH_UPSTREAM` is
 * the stub's base URL.
 */
import { HttpMiddleware, HttpRouter, HttpServer, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Context, Effect, Exit, Layer, Scope } from "effect"
import { createServer } from "node:http"
import type { Readable } from "node:stream"
import { Agent } from "undici"
import { serveChild } from "./child.js"

const upstream = new URL(process.env["BENCH_UPSTREAM"] ?? "")
const agent = new Agent({ connections: 256, keepAliveTimeout: 30_000 })
const path = `${upstream.pathname}/chat/completions`

interface Reply {
  readonly status: number
  readonly contentType: string
  readonly body: Readable
}

const send = (body: Uint8Array) =>
  Effect.async<Reply, Error>((resume) => {
    const controller = new AbortController()
    agent.request({
      origin: upstream.origin,
      path,
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
      signal: controller.signal
    }).then(
      (response) => {
        const type = response.headers["content-type"]
        resume(Effect.succeed({ status: response.statusCode, contentType: typeof type === "string" ? type : "application/json", body: response.body }))
      },
      (error: unknown) => resume(Effect.fail(error instanceof Error ? error : new Error(String(error))))
    )
    return Effect.sync(() => controller.abort())
  })

const readAll = (body: Readable) =>
  Effect.async<Buffer, Error>((resume) => {
    const chunks: Array<Buffer> = []
    body.on("data", (chunk: Buffer) => chunks.push(chunk))
    body.once("end", () => resume(Effect.succeed(Buffer.concat(chunks))))
    body.once("error", (error) => resume(Effect.fail(error)))
    return Effect.sync(() => body.destroy())
  })

const chat = Effect.gen(function*() {
  const request = yield* HttpServerRequest.HttpServerRequest
  const body = yield* request.arrayBuffer
  const reply = yield* send(new Uint8Array(body))
  if (reply.contentType.startsWith("text/event-stream")) {
    return HttpServerResponse.raw(reply.body, { status: reply.status, contentType: reply.contentType })
  }
  const bytes = yield* readAll(reply.body)
  return HttpServerResponse.uint8Array(bytes, { status: reply.status, contentType: reply.contentType })
}).pipe(Effect.orElseSucceed(() => HttpServerResponse.empty({ status: 502 })))

const app = HttpRouter.empty.pipe(HttpRouter.post("/v1/chat/completions", chat))

const layer = HttpMiddleware.withTracerDisabledWhen(
  Layer.scopedDiscard(Effect.flatMap(HttpServer.HttpServer, (server) => server.serve(app))).pipe(
    Layer.provideMerge(NodeHttpServer.layer(() => createServer({ keepAliveTimeout: 30_000 }), { host: "127.0.0.1", port: 0 }))
  ),
  () => true
)

const scope = Effect.runSync(Scope.make())
const context = await Effect.runPromise(Layer.buildWithScope(layer, scope))
const address = Context.get(context, HttpServer.HttpServer).address
const port = address._tag === "TcpAddress" ? address.port : 0
serveChild("platform", `http://127.0.0.1:${port}/v1`, async () => {
  await Effect.runPromise(Scope.close(scope, Exit.void))
  await agent.destroy()
})
