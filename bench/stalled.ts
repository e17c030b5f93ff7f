/**
 * What clients that stop reading a stream cost the router (`npm run bench:stalled`, ~20 s).
 *
 * An upstream in this process streams a long answer as fast as its socket takes it (it waits for
 * `drain`, as a real server does) and counts the bytes each stream got out. The router runs as a
 * child (`bench/router.ts`). `BENCH_STALLED` clients (60) each send a streaming request on a raw
 * socket and never read. Printed: the router's RSS idle and with every client stalled, and the bytes
 * each upstream stream managed to send before backpressure stopped it. Those bytes sit in kernel
 * socket buffers (upstream send, router receive, router send, client receive) and in the router's
 * own buffers; only the latter is what the router's bounding controls.
 * The router keeps its default write-stall deadline (30 s), longer than the measurement, so the
 * stalled streams are still held when RSS is read. `BENCH_STALLED` and `BENCH_WAIT_MS`
 * (25 s, the bound on waiting for every stream to be held) tune it.
 */
import { createServer } from "node:http"
import { type AddressInfo, connect, type Socket } from "node:net"
import { startChild } from "./child.js"

const CLIENTS = Number(process.env["BENCH_STALLED"] ?? 60)
const WAIT_MS = Number(process.env["BENCH_WAIT_MS"] ?? 25_000)

const event = Buffer.from(`data: ${JSON.stringify({
  id: "chatcmpl-stalled",
  object: "chat.completion.chunk",
  created: 1_700_000_000,
  model: "gpt-4o-mini",
  choices: [{ index: 0, delta: { content: "lorem ipsum dolor sit amet ".repeat(8) }, finish_reason: null }]
})}\n\n`)
/** Far more than any buffer between here and a client: only backpressure ends a stream early. */
const EVENTS = 2_000_000

const sent: Array<number> = []
const upstream = createServer((request, response) => {
  request.resume()
  request.on("end", () => {
    // The router's health checks (`GET …/models`) are not streams.
    if (request.method !== "POST") return void response.writeHead(404).end()
    const slot = sent.push(0) - 1
    response.writeHead(200, { "content-type": "text/event-stream" })
    let i = 0
    const pump = () => {
      while (i < EVENTS && !response.destroyed) {
        i += 1
        sent[slot] = (sent[slot] ?? 0) + event.length
        if (!response.write(event)) return void response.once("drain", pump)
      }
      if (!response.destroyed) response.end("data: [DONE]\n\n")
    }
    pump()
  })
})
await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve))
const { port } = upstream.address() as AddressInfo

const router = await startChild("router", "router", { env: { BENCH_UPSTREAM: `http://127.0.0.1:${port}/v1` } })
const routerUrl = new URL(router.url)
const body = JSON.stringify({ model: "bench", stream: true, messages: [{ role: "user", content: "write forever" }] })
const requestText = `POST /v1/chat/completions HTTP/1.1\r\nhost: ${routerUrl.host}\r\ncontent-type: application/json\r\n` +
  `content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

await pause(1_000)
const idle = await router.rss()
const clients: Array<Socket> = []
for (let i = 0; i < CLIENTS; i++) {
  const socket = connect(Number(routerUrl.port), "127.0.0.1")
  socket.on("error", () => {})
  socket.write(requestText)
  socket.pause()
  socket.once("connect", () => socket.pause())
  clients.push(socket)
}
// Held when every stream has started and the upstream's count has not moved for a second (bounded).
const sum = () => sent.reduce((a, b) => a + b, 0)
const until = Date.now() + WAIT_MS
let last = -1
let quietSince = Date.now()
while (Date.now() < until) {
  const now = sum()
  if (now !== last || sent.length < CLIENTS) [last, quietSince] = [now, Date.now()]
  else if (Date.now() - quietSince >= 1_000) break
  await pause(100)
}
const held = sent.length === CLIENTS && Date.now() < until
const total = sum()
const stalled = await router.rss()
const perStream = sent.length === 0 ? 0 : total / sent.length

console.log(`${CLIENTS} stalled clients (${sent.length} upstream streams started)`)
console.log(`router RSS idle ${mb(idle)}, with the stalled clients ${mb(stalled)} (+${mb(stalled - idle)}, ${mb((stalled - idle) / CLIENTS)} per client)`)
console.log(`upstream bytes sent per stream: mean ${mb(perStream)}, max ${mb(Math.max(0, ...sent))}, total ${mb(total)}`)
console.log(held ? "every stream held (no upstream byte for 1 s)" : `NOT held within ${WAIT_MS} ms: upstreams still sending`)

if (process.env["BENCH_DEBUG"] !== undefined) console.log(sent.map((b, i) => `${i}:${mb(b)}`).join(" "))
for (const socket of clients) socket.destroy()
await router.stop()
upstream.closeAllConnections()
upstream.close()
