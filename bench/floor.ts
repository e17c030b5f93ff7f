/**
 * Target B, the floor (a child process): the least any Node proxy does. Read the whole request
 * body, forward it over a keep-alive `http.Agent` to the stub, pipe the reply back. No parsing,
 * no validation, no routing. `BENCH_UPSTREAM` is the stub's base URL (`http://host:port/v1`).
 */
import { Agent, createServer, type IncomingHttpHeaders, request as httpRequest } from "node:http"
import type { AddressInfo } from "node:net"
import { serveChild } from "./child.js"

const upstream = new URL(process.env["BENCH_UPSTREAM"] ?? "")
const agent = new Agent({ keepAlive: true, maxSockets: 256, keepAliveMsecs: 30_000 })
const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "host", "accept-encoding", "content-length"])

const forwardHeaders = (headers: IncomingHttpHeaders, length: number) => {
  const out: Record<string, string | Array<string>> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value
  }
  out["content-length"] = String(length)
  return out
}

const server = createServer({ keepAliveTimeout: 30_000 }, (request, response) => {
  const chunks: Array<Buffer> = []
  request.on("data", (chunk: Buffer) => chunks.push(chunk))
  request.on("end", () => {
    const body = Buffer.concat(chunks)
    const outgoing = httpRequest({
      agent,
      host: upstream.hostname,
      port: upstream.port,
      method: request.method ?? "POST",
      // `/v1/chat/completions` on the proxy → `<base>/chat/completions` on the stub.
      path: `${upstream.pathname}${(request.url ?? "").replace(/^\/v1/, "")}`,
      headers: forwardHeaders(request.headers, body.length)
    }, (reply) => {
      const headers: Record<string, string | Array<string>> = {}
      for (const [name, value] of Object.entries(reply.headers)) {
        if (value !== undefined && name !== "connection" && name !== "keep-alive" && name !== "transfer-encoding") headers[name] = value
      }
      response.writeHead(reply.statusCode ?? 502, headers)
      reply.pipe(response)
    })
    outgoing.on("error", () => {
      if (!response.headersSent) response.writeHead(502)
      response.end()
    })
    // Client gone before the end: drop the upstream call too.
    response.on("close", () => response.writableFinished || outgoing.destroy())
    outgoing.end(body)
  })
})
server.keepAliveTimeout = 30_000

server.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo
  serveChild("floor", `http://127.0.0.1:${port}/v1`, () =>
    new Promise((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
      agent.destroy()
    }))
})
