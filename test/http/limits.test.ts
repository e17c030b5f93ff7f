/**
 * What one client may hold (issue 13, item 4): a request's headers and body must arrive within
 * their deadlines (408, connection closed), an answer may still stream for longer, and beyond the
 * connection cap a request gets a clear 503 and its connection is closed.
 */
import { connect, type Socket } from "node:net"
import { afterEach, describe, expect, it, vi } from "vitest"
import { chatBody, errorOf, postJson, Resources } from "../support/http.js"
import { chunk, sse, startUpstream } from "../support/openaiUpstream.js"
import { type RunningRouter, startRouter } from "../support/router.js"

const resources = new Resources()
afterEach(() => resources.closeAll())

const start = async (limits: Record<string, number>) => {
  const upstream = resources.add(await startUpstream())
  return resources.add(await startRouter({
    limits,
    providers: { local: { derives: "openai", apiBase: upstream.url, requiresKey: false } }
  }))
}

/** A raw connection: what it received, and when the router closed it. */
const open = (router: RunningRouter) =>
  new Promise<{ socket: Socket; received: () => string; closed: Promise<void> }>((resolve, reject) => {
    let text = ""
    const socket = connect(router.info.port, "127.0.0.1")
    const closed = new Promise<void>((done) => socket.on("close", () => done()))
    socket.on("data", (data: Buffer) => (text += data.toString("utf8")))
    socket.on("error", () => undefined)
    socket.once("connect", () => resolve({ socket, received: () => text, closed }))
    socket.once("error", reject)
  })

describe("receiving deadlines", () => {
  it("a client that dribbles its body gets 408 and loses the connection", async () => {
    const router = await start({ requestTimeoutMs: 400, headersTimeoutMs: 300 })
    const client = await open(router)
    client.socket.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"mod`)
    const timer = setInterval(() => client.socket.writable && client.socket.write(" "), 100)
    await client.closed
    clearInterval(timer)
    expect(client.received()).toMatch(/^HTTP\/1\.1 408/)
  })

  it("a client that never finishes its headers loses the connection", async () => {
    const router = await start({ headersTimeoutMs: 300 })
    const client = await open(router)
    client.socket.write("GET /health HTTP/1.1\r\nHost: localhost\r\n")
    await client.closed
    expect(client.received()).toMatch(/^HTTP\/1\.1 408/)
  })

  it("an answer may stream for longer than the request deadline", async () => {
    const upstream = resources.add(await startUpstream(async (request, response) => {
      response.writeHead(200, { "content-type": "text/event-stream" })
      for (const word of ["one ", "two ", "three"]) {
        response.write(sse(chunk(String(request.body.model), { content: word })))
        await new Promise((resolve) => setTimeout(resolve, 400))
      }
      response.write(sse(chunk(String(request.body.model), {}, "stop")))
      response.end("data: [DONE]\n\n")
    }))
    const router = resources.add(await startRouter({
      limits: { requestTimeoutMs: 300, headersTimeoutMs: 200 },
      providers: { local: { derives: "openai", apiBase: upstream.url, requiresKey: false } }
    }))
    const response = await postJson(`${router.baseUrl}/chat/completions`, chatBody("local:m", { stream: true }))
    expect(response.status).toBe(200)
    expect(response.text).toContain("three")
    expect(response.text).toContain("[DONE]")
  })
})

describe("connection cap", () => {
  it("beyond maxConnections a request gets 503 too_many_connections and its connection is closed; below it, service resumes", async () => {
    const router = await start({ maxConnections: 2 })
    const held = [await open(router), await open(router)]
    await new Promise((resolve) => setTimeout(resolve, 50))
    const extra = await open(router)
    extra.socket.write("GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
    await extra.closed
    expect(extra.received()).toMatch(/^HTTP\/1\.1 503/)
    expect(extra.received()).toMatch(/connection: close/i)
    const body = extra.received().slice(extra.received().indexOf("\r\n\r\n") + 4)
    expect(errorOf(JSON.parse(body))).toMatchObject({ code: "too_many_connections" })
    // Chat completions (served on the lean Node path) are capped the same way.
    const chat = await open(router)
    const request = JSON.stringify(chatBody("local:m"))
    chat.socket.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${request.length}\r\n\r\n${request}`)
    await chat.closed
    expect(chat.received()).toMatch(/^HTTP\/1\.1 503/)
    expect(chat.received()).toMatch(/connection: close/i)

    for (const client of held) client.socket.destroy()
    await Promise.all(held.map((client) => client.closed))
    // once the router has seen them close (just after this side did)
    await vi.waitFor(async () => expect((await postJson(`${router.baseUrl}/chat/completions`, chatBody("local:m"))).status).toBe(200), { timeout: 10_000 })
  })
})
