/**
 * Backpressure on streamed answers, against a real upstream that streams a very long answer as fast
 * as its socket takes it (waiting for `drain`, as a real server does) and counts what it got out:
 * - a client that stops reading pauses its upstream: the upstream's bytes stop growing, a small
 *   fraction of the answer (what kernel socket buffers and the router's bounded buffers hold);
 * - past `limits.streamStallTimeoutMs` that client is dropped (Chat Completions and Messages),
 *   the upstream call is aborted, the stall is reported as `ClientStalled`, the endpoint is not
 *   blamed, and the router serves the next request from the same endpoint; a scoped key is charged
 *   once, for what was streamed;
 * - a client that pauses for longer than the upstream idle deadline, then reads on, gets the whole
 *   answer: a paused upstream is not a silent one.
 */
import { connect, type Socket } from "node:net"
import { afterEach, describe, expect, it } from "vitest"
import type { RouterConfigInput } from "../../src/config/schema.js"
import { rawRequest } from "../support/http.js"
import { chunk, type Received, type Script, sse } from "../support/openaiUpstream.js"
import type { RunningRouter } from "../support/router.js"
import { mintKey, tempDataDir, withAccounts } from "../accounts/support.js"
import { answerWith, chain, endpointState, eventually, health, newResources, routerFor, startStub, streamRaw, type Stub } from "../resilience/support.js"

const resources = newResources()
afterEach(() => resources.closeAll())

const MB = 1024 * 1024
/** ~1 GB if nothing held the upstream back: only backpressure keeps what it sends small. */
const EVENTS = 2_000_000

interface Pump {
  /** Bytes each streamed call got out, by call. */
  readonly sent: Array<number>
  readonly calls: Array<Received>
}

/** Streams `events` events of ~500 bytes (then `[DONE]`), writing only as fast as the socket drains. */
const longAnswer = (pump: Pump, events = EVENTS): Script => (request, response) => {
  pump.calls.push(request)
  const slot = pump.sent.push(0) - 1
  response.writeHead(200, { "content-type": "text/event-stream" })
  const event = sse(chunk(String(request.body["model"]), { content: "lorem ipsum dolor sit amet ".repeat(16) }))
  let i = 0
  const write = (data: string) => {
    pump.sent[slot] = (pump.sent[slot] ?? 0) + data.length
    return response.write(data)
  }
  const next = (): void => {
    while (i < events && !response.destroyed) {
      i += 1
      if (!write(event)) return void response.once("drain", next)
    }
    if (!response.destroyed) response.end(sse(chunk(String(request.body["model"]), {}, "stop")) + "data: [DONE]\n\n")
  }
  if (i === 0) write(sse(chunk(String(request.body["model"]), { role: "assistant", content: "" })))
  next()
}

const newPump = (): Pump => ({ sent: [], calls: [] })

/** A client on a raw socket that sends a streaming request and never reads a byte of the answer. */
const stalledClient = (
  router: RunningRouter,
  path: string,
  body: Record<string, unknown>,
  headers: Readonly<Record<string, string>> = {}
): { readonly socket: Socket; readonly gone: Promise<void> } => {
  const url = new URL(router.info.url)
  const json = JSON.stringify(body)
  const socket = connect(Number(url.port), "127.0.0.1")
  socket.pause()
  socket.once("connect", () => socket.pause())
  socket.on("error", () => {})
  const extra = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join("")
  socket.write(`POST ${path} HTTP/1.1\r\nhost: ${url.host}\r\ncontent-type: application/json\r\n${extra}` +
    `content-length: ${Buffer.byteLength(json)}\r\n\r\n${json}`)
  const gone = new Promise<void>((resolve) => socket.once("close", () => resolve()))
  resources.add({ close: async () => void socket.destroy() })
  return { socket, gone }
}

/** Starts reading a stalled client's socket to its end. */
const readAll = (socket: Socket): Array<Buffer> => {
  const received: Array<Buffer> = []
  socket.on("data", (data: Buffer) => received.push(data))
  socket.resume()
  return received
}

const CHAT = { model: "m", stream: true, messages: [{ role: "user", content: "write forever" }] }

const setup = async (pump: Pump, extra: Partial<RouterConfigInput> = {}): Promise<{ stub: Stub; router: RunningRouter }> => {
  const stub = resources.add(await startStub(longAnswer(pump)))
  const router = await routerFor(resources, chain({ a: stub.url }, extra))
  return { stub, router }
}

/** Waits until the upstream's count stops moving for `quietMs`; returns it. */
const settledCount = async (count: () => number, quietMs = 1_000, withinMs = 30_000) => {
  let last = -1
  let since = Date.now()
  const until = Date.now() + withinMs
  while (Date.now() < until) {
    const now = count()
    if (now !== last) [last, since] = [now, Date.now()]
    else if (Date.now() - since >= quietMs) return now
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`the upstream never stopped sending (${(count() / MB).toFixed(1)} MB so far)`)
}

describe("a client that stops reading a stream", () => {
  it("pauses its upstream: the upstream gets out a bounded part of the answer, and no more while the client waits", async () => {
    const pump = newPump()
    const { router } = await setup(pump, { limits: { streamStallTimeoutMs: 60_000 } })
    const clients = [stalledClient(router, "/v1/chat/completions", CHAT), stalledClient(router, "/v1/chat/completions", CHAT)]
    expect(await eventually(() => pump.sent.length === 2, 10_000)).toBe(true)
    const total = await settledCount(() => pump.sent.reduce((a, b) => a + b, 0))
    // Of ~1 GB per answer, each upstream got out only what the sockets' kernel buffers (a few MB each
    // on Linux loopback) and the router's small per-stage buffers hold.
    for (const sent of pump.sent) expect(sent).toBeLessThan(64 * MB)
    expect(total).toBeLessThan(2 * 64 * MB)
    // Held, not dropped: the answers are still open on both ends.
    expect(await Promise.race([...clients.map((c) => c.gone.then(() => "closed")), new Promise((r) => setTimeout(() => r("open"), 200))])).toBe("open")
  })

  for (const [api, path, body] of [
    ["Chat Completions", "/v1/chat/completions", CHAT],
    ["Messages", "/v1/messages", { ...CHAT, max_tokens: 1024 }]
  ] as const) {
    it(`is dropped after the write-stall deadline (${api}): upstream aborted, ClientStalled reported, endpoint not blamed, next request served`, async () => {
      const pump = newPump()
      const { stub, router } = await setup(pump, { limits: { streamStallTimeoutMs: 300 } })
      const client = stalledClient(router, path, body)
      expect(await eventually(() => pump.calls.length === 1, 10_000)).toBe(true)
      // The upstream sees its connection aborted…
      expect(await pump.calls[0]!.aborted).toBe(true)
      // …and the client, reading at last, gets what was already on its way, then a cut connection:
      // no `[DONE]`, no end of the chunked body, nothing that looks like a complete answer.
      const received = readAll(client.socket)
      await client.gone
      const raw = Buffer.concat(received).toString("utf8")
      expect(raw).toMatch(/^HTTP\/1\.1 200/)
      expect(raw).not.toContain("[DONE]")
      expect(raw).not.toContain("message_stop")
      expect(raw.endsWith("\r\n0\r\n\r\n")).toBe(false)
      expect(await eventually(async () => {
        const stats = (await rawRequest(`${router.info.url}/stats`)).json as { decisions: ReadonlyArray<{ endpoint: string; error: string | null }> }
        return stats.decisions.some((d) => d.endpoint === "a:model-a" && d.error === "ClientStalled")
      }, 10_000)).toBe(true)
      const metrics = (await rawRequest(`${router.info.url}/metrics`)).text
      expect(metrics).toMatch(/llmrouter_request_errors_total\{[^}]*error="ClientStalled"[^}]*\} 1/)
      // The stall is the client's: the endpoint's breaker is untouched…
      const state = endpointState(await health(router), "a:model-a")
      expect(state).toMatchObject({ state: "closed", consecutiveFailures: 0 })
      expect(state?.lastError).toBeUndefined()
      // …and it serves the next client, who reads (a short answer this time).
      stub.chat = answerWith(["all ", "fine"])
      const next = await streamRaw(router)
      expect(next.response.headers.get("x-llmrouter-model")).toBe("a:model-a")
      expect({ text: next.text, done: next.done, error: next.error }).toEqual({ text: "all fine", done: true, error: undefined })
    })
  }

  it("with a scoped key: dropped after the deadline, and the key is charged for what was streamed (once)", async () => {
    const pump = newPump()
    const dataDir = tempDataDir()
    const { token, key } = await mintKey(dataDir, { all: true, name: "stalls" })
    const { router } = await setup(pump, { dataDir, limits: { streamStallTimeoutMs: 300 } })
    const client = stalledClient(router, "/v1/chat/completions", CHAT, { authorization: `Bearer ${token}` })
    expect(await eventually(() => pump.calls.length === 1, 10_000)).toBe(true)
    expect(await pump.calls[0]!.aborted).toBe(true)
    readAll(client.socket)
    await client.gone
    // No usage chunk came: the estimate from the content streamed so far (megabytes of it) is recorded.
    let usage = { requests: 0, tokens: 0 }
    expect(await eventually(async () => {
      usage = (await withAccounts(dataDir, (a) => a.showKey(key.jti))).usage
      return usage.requests === 1 && usage.tokens > 100_000
    }, 10_000)).toBe(true)
    expect(usage.requests).toBe(1)
  })

  it("then reads on after a pause longer than the upstream idle deadline: the whole answer, no error", async () => {
    const pump = newPump()
    const stub = resources.add(await startStub(longAnswer(pump, 40_000)))
    // ~20 MB: more than the sockets' buffers, so the router really waits on this client.
    const router = await routerFor(resources, chain({ a: stub.url }, { timeouts: { idleMs: 300 }, limits: { streamStallTimeoutMs: 60_000 } }))
    const client = stalledClient(router, "/v1/chat/completions", CHAT)
    expect(await eventually(() => pump.calls.length === 1, 10_000)).toBe(true)
    await settledCount(() => pump.sent[0] ?? 0)
    // Paused well past idleMs (the settling above took ≥ 1 s): now read everything.
    const received = readAll(client.socket)
    // The end of a chunked body: the answer is complete when it arrives (the connection stays open).
    const ended = () => received.at(-1)?.toString("latin1").endsWith("\r\n0\r\n\r\n") === true
    expect(await eventually(ended, 50_000, 50)).toBe(true)
    const raw = Buffer.concat(received).toString("utf8")
    expect(raw).toContain("data: [DONE]")
    expect(raw).not.toContain("event: error")
    expect(pump.sent[0]).toBeGreaterThan(20 * MB)
    expect(stub.calls).toHaveLength(1)
  }, 60_000)
})

