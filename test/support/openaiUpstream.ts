/**
 * A real OpenAI-compatible HTTP server on 127.0.0.1:0 for tests: it speaks the chat completions
 * wire format (JSON and SSE), records what it received, and runs a per-test script.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { openAiUnits, type PromptCache } from "./promptCache.js"

export interface Received {
  readonly method: string
  readonly url: string
  readonly headers: IncomingMessage["headers"]
  readonly raw: Buffer
  readonly body: Record<string, unknown>
  /** Resolves true when the caller hung up before the reply ended. */
  readonly aborted: Promise<boolean>
}

export type Script = (request: Received, response: ServerResponse, index: number) => void | Promise<void>

export interface Upstream {
  readonly url: string
  readonly received: Array<Received>
  script: Script
  close(): Promise<void>
}

export const startUpstream = async (script: Script = answer("Hello from upstream")): Promise<Upstream> => {
  const received: Array<Received> = []
  const upstream: Upstream = {
    url: "",
    received,
    script,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
  const server = createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => {
      const raw = Buffer.concat(chunks)
      let body: Record<string, unknown> = {}
      try {
        body = JSON.parse(raw.toString("utf8")) as Record<string, unknown>
      } catch {
        // recorded as-is; the script decides what to do
      }
      const aborted = new Promise<boolean>((resolve) => {
        res.on("close", () => resolve(!res.writableFinished))
      })
      const request: Received = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, raw, body, aborted }
      received.push(request)
      void Promise.resolve(upstream.script(request, res, received.length - 1)).catch(() => res.destroy())
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  Object.assign(upstream, { url: `http://127.0.0.1:${port}/v1` })
  return upstream
}

export const completion = (text: string, model: string) => ({
  id: "chatcmpl-test",
  object: "chat.completion",
  created: 1_700_000_000,
  model,
  choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }],
  usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 }
})

export const chunk = (model: string, delta: Record<string, unknown>, finish: string | null = null) => ({
  id: "chatcmpl-test",
  object: "chat.completion.chunk",
  created: 1_700_000_000,
  model,
  choices: [{ index: 0, delta, finish_reason: finish }]
})

export const sse = (payload: unknown) => `data: ${JSON.stringify(payload)}\n\n`

/** The SSE events of a streamed answer, word by word, ending with `[DONE]`. */
export const streamEvents = (text: string, model: string): Array<string> => [
  sse(chunk(model, { role: "assistant", content: "" })),
  ...text.split(/(?<= )/).map((word) => sse(chunk(model, { content: word }))),
  sse(chunk(model, {}, "stop")),
  "data: [DONE]\n\n"
]

/** Answers every request with `text`, as JSON or SSE depending on `stream`. */
export const answer = (text: string): Script => (request, response) => {
  const model = String(request.body.model)
  if (request.body.stream === true) {
    response.writeHead(200, { "content-type": "text/event-stream" })
    for (const event of streamEvents(text, model)) response.write(event)
    response.end()
  } else {
    reply(response, 200, completion(text, model))
  }
}

export const reply = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  const bytes = Buffer.from(JSON.stringify(body))
  response.writeHead(status, { "content-type": "application/json", "content-length": String(bytes.length), ...headers })
  response.end(bytes)
}

export const openAiError = (message: string, type = "invalid_request_error", code: string | null = null) => ({
  error: { message, type, code, param: null }
})

/** Runs `scripts[i]` for the i-th request, the last one for every later request. */
export const sequence = (...scripts: Array<Script>): Script => (request, response, index) =>
  (scripts[Math.min(index, scripts.length - 1)] as Script)(request, response, index)

/**
 * Answers like `answer`, reporting usage as OpenAI does with automatic prompt caching: the leading
 * messages repeated from an earlier request to the same model come back as `cached_tokens`.
 * `completion_tokens` is the answer's word count.
 */
export const cachingAnswer = (
  text: string,
  cache: PromptCache,
  messageFor?: (request: Received) => Record<string, unknown>
): Script =>
  (request, response) => {
    const model = String(request.body.model)
    const { cached, prompt } = cache.use(model, openAiUnits(request.body))
    const completionTokens = text.split(/\s+/).length
    const usage = {
      prompt_tokens: prompt,
      completion_tokens: completionTokens,
      total_tokens: prompt + completionTokens,
      prompt_tokens_details: { cached_tokens: cached }
    }
    const message = messageFor?.(request) ?? { role: "assistant", content: text }
    if (request.body.stream === true) {
      response.writeHead(200, { "content-type": "text/event-stream" })
      for (const event of streamEvents(text, model).slice(0, -1)) response.write(event)
      const options = request.body.stream_options as { include_usage?: boolean } | undefined
      if (options?.include_usage === true) response.write(sse({ ...chunk(model, {}), choices: [], usage }))
      response.end("data: [DONE]\n\n")
    } else {
      const body = completion(text, model)
      const finish = message["tool_calls"] === undefined ? "stop" : "tool_calls"
      reply(response, 200, { ...body, choices: [{ index: 0, message, finish_reason: finish }], usage })
    }
  }
