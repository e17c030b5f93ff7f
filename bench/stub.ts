/**
 * The stub OpenAI upstream (a child process): `POST …/chat/completions` answered as JSON, or, when
 * the body asks for `"stream":true`, as an SSE stream of ~20 events written on separate ticks (so
 * they leave as separate writes, like tokens do). The body is read whole but not parsed: every
 * target pays the same stub cost. `GET …/models` answers too (the router's health checks).
 */
import { createServer, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { serveChild } from "./child.js"

const MODEL = "gpt-4o-mini"
const CREATED = 1_700_000_000
const STREAM_FLAG = Buffer.from(`"stream":true`)

const TEXT = "Sure. The failing test is in the retry path: the schedule is rebuilt per attempt, so the " +
  "budget never shrinks. Hoist it out of the loop, keep the jitter, and cap the total number of " +
  "attempts at the configured maximum. I have made that change and the suite passes again."

const completion = Buffer.from(JSON.stringify({
  id: "chatcmpl-bench0000000000000000000001",
  object: "chat.completion",
  created: CREATED,
  model: MODEL,
  system_fingerprint: "fp_bench",
  choices: [{ index: 0, message: { role: "assistant", content: TEXT, refusal: null }, logprobs: null, finish_reason: "stop" }],
  usage: { prompt_tokens: 9120, completion_tokens: 52, total_tokens: 9172 }
}))

const event = (delta: Record<string, unknown>, finish: string | null = null) =>
  `data: ${JSON.stringify({
    id: "chatcmpl-bench0000000000000000000001",
    object: "chat.completion.chunk",
    created: CREATED,
    model: MODEL,
    system_fingerprint: "fp_bench",
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }]
  })}\n\n`

/** 20 events: the role, 17 pieces of text, the finish reason, `[DONE]`. */
const words = TEXT.split(/(?<= )/)
const pieces = Array.from({ length: 17 }, (_, i) =>
  words.slice(Math.floor((i * words.length) / 17), Math.floor(((i + 1) * words.length) / 17)).join(""))
const streamEvents: ReadonlyArray<Buffer> = [
  event({ role: "assistant", content: "", refusal: null }),
  ...pieces.map((content) => event({ content })),
  event({}, "stop"),
  "data: [DONE]\n\n"
].map((s) => Buffer.from(s))

const writeStream = (response: ServerResponse) => {
  response.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    "x-request-id": "req_bench"
  })
  let i = 0
  const next = () => {
    if (response.destroyed) return
    const chunk = streamEvents[i++]
    if (chunk === undefined) return void response.end()
    response.write(chunk)
    setImmediate(next)
  }
  next()
}

const models = Buffer.from(JSON.stringify({ object: "list", data: [{ id: MODEL, object: "model", created: CREATED, owned_by: "bench" }] }))

const server = createServer({ keepAliveTimeout: 30_000 }, (request, response) => {
  const chunks: Array<Buffer> = []
  request.on("data", (chunk: Buffer) => chunks.push(chunk))
  request.on("end", () => {
    const body = chunks.length === 1 ? chunks[0] as Buffer : Buffer.concat(chunks)
    if (request.method === "GET" && request.url?.endsWith("/models")) {
      response.writeHead(200, { "content-type": "application/json", "content-length": String(models.length) }).end(models)
    } else if (!request.url?.endsWith("/chat/completions")) {
      response.writeHead(404).end()
    } else if (body.includes(STREAM_FLAG)) {
      writeStream(response)
    } else {
      response.writeHead(200, {
        "content-type": "application/json",
        "content-length": String(completion.length),
        "x-request-id": "req_bench"
      })
      response.end(completion)
    }
  })
})
server.keepAliveTimeout = 30_000

server.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo
  serveChild("stub", `http://127.0.0.1:${port}/v1`, () =>
    new Promise((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    }))
})
