/**
 * Fault injection for the resilience suite: OpenAI-compatible stub upstreams whose scripts
 * misbehave on purpose (statuses, resets, silence, cut / stalled / malformed streams), each call
 * recorded with the upstream's own timestamp, plus a config builder for a priority chain and
 * readers for what the client saw (raw SSE bytes, parsed chunks, `/health`).
 */
import type { ServerResponse } from "node:http"
import OpenAI from "openai"
import type { RouterConfigInput } from "../../src/config/schema.js"
import { latch, Resources } from "../support/http.js"
import { parseSse } from "../support/openaiChunks.js"
import { chunk, openAiError, type Received, reply, type Script, sse, startUpstream, type Upstream } from "../support/openaiUpstream.js"
import { type RunningRouter, startRouter } from "../support/router.js"

export const MESSAGES = [{ role: "user" as const, content: "hi" }]

/** An upstream that also records, for every call, when it arrived (upstream's clock). */
export interface Stub {
  readonly url: string
  /** Chat completion calls only (health-check GETs are in `checks`). */
  readonly calls: Array<Received & { readonly at: number }>
  readonly checks: Array<{ readonly url: string; readonly at: number }>
  /** Replaces the chat script (call indexes keep counting). */
  chat: Script
  /** Replaces the models-listing script (active health checks). */
  models: Script
  close(): Promise<void>
}

/** Chat calls go to `chat`; `GET …/models` (active health checks) to `models` (default: 200). */
export const startStub = async (chatScript: Script, models: Script = modelsOk): Promise<Stub> => {
  const calls: Stub["calls"] = []
  const checks: Stub["checks"] = []
  const stub = { calls, checks, chat: chatScript, models } as Omit<Stub, "url" | "close">
  const upstream: Upstream = await startUpstream((request, response) => {
    const at = Date.now()
    if (request.method === "GET") {
      checks.push({ url: request.url, at })
      return stub.models(request, response, checks.length - 1)
    }
    calls.push({ ...request, at })
    return stub.chat(request, response, calls.length - 1)
  })
  return Object.assign(stub, { url: upstream.url, close: () => upstream.close() })
}

export const modelsOk: Script = (_request, response) => reply(response, 200, { object: "list", data: [{ id: "m", object: "model" }] })

export const fail = (status: number, headers: Record<string, string> = {}, body: unknown = openAiError(`upstream says ${status}`, status >= 500 ? "server_error" : "invalid_request_error")): Script =>
  (_request, response) => reply(response, status, body, headers)

/** The connection is dropped before any response header is written. */
export const reset: Script = (_request, response) => {
  response.socket?.destroy()
}

/** Never answers (closing the stub ends the connection). */
export const silent: Script = () => undefined

export const sseHead = { "content-type": "text/event-stream" }

const includeUsage = (request: Received) => {
  const options = request.body["stream_options"]
  return typeof options === "object" && options !== null && (options as Record<string, unknown>)["include_usage"] === true
}

export const USAGE = { prompt_tokens: 7, completion_tokens: 4, total_tokens: 11 }

export interface AnswerOptions {
  /** Usage on the last chunk / in the completion (default USAGE). */
  readonly usage?: Record<string, number>
  /** Streamed: write `[DONE]` (default true). */
  readonly done?: boolean
  /** Streamed: end the response after the last event (default true; false keeps it open). */
  readonly end?: boolean
  /** Streamed: write the finish chunk (default true). */
  readonly finish?: boolean
}

/** The events of an answer streamed as `parts`: role, parts, finish, usage (when asked), `[DONE]`. */
export const answerEvents = (request: Received, parts: ReadonlyArray<string>, options: AnswerOptions = {}): Array<string> => {
  const model = String(request.body.model)
  return [
    sse(chunk(model, { role: "assistant", content: "" })),
    ...parts.map((part) => sse(chunk(model, { content: part }))),
    ...(options.finish === false ? [] : [sse(chunk(model, {}, "stop"))]),
    ...(includeUsage(request) ? [sse({ ...chunk(model, {}), choices: [], usage: options.usage ?? USAGE })] : []),
    ...(options.done === false ? [] : ["data: [DONE]\n\n"])
  ]
}

/** A complete answer: JSON, or SSE of `parts` when the request streams. */
export const answerWith = (parts: ReadonlyArray<string>, options: AnswerOptions = {}): Script => (request, response) => {
  const model = String(request.body.model)
  if (request.body.stream !== true) {
    return reply(response, 200, {
      id: "chatcmpl-stub",
      object: "chat.completion",
      created: 1_700_000_000,
      model,
      choices: [{ index: 0, message: { role: "assistant", content: parts.join("") }, finish_reason: "stop" }],
      usage: options.usage ?? USAGE
    })
  }
  response.writeHead(200, sseHead)
  for (const event of answerEvents(request, parts, options)) response.write(event)
  if (options.end !== false) response.end()
}

/** Resolves once what was written is on the wire (and a little more), before the script breaks things. */
export const flushed = (response: ServerResponse) =>
  new Promise<void>((resolve) => response.write("", () => setTimeout(resolve, 30)))

/**
 * Streams the role chunk and the first `count` parts, waits until they are on the wire (or, given
 * `until`, until that has happened: e.g. the client has read them), then `then`.
 */
export const partial = (parts: ReadonlyArray<string>, count: number, then: (response: ServerResponse) => void, until?: Promise<void>): Script =>
  async (request, response) => {
    response.writeHead(200, sseHead)
    for (const event of answerEvents(request, parts, { finish: false, done: false }).slice(0, count + 1)) response.write(event)
    await (until ?? flushed(response))
    then(response)
  }

/**
 * Resolves once the client has read answer content: the router has committed to that stream. An
 * upstream that breaks only then breaks *after* the commit point however loaded the machine is
 * (a fixed pause could let the router read the break together with the content, before committing).
 */
export const contentArrival = () => {
  const { opened, open } = latch()
  return { arrived: opened, onPiece: (text: string) => /"content":"[^"]/.test(text) && open() }
}

export const cut = (parts: ReadonlyArray<string>, count: number) => partial(parts, count, (response) => response.destroy())
export const stall = (parts: ReadonlyArray<string>, count: number) => partial(parts, count, () => undefined)

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Runs `scripts[i]` for the i-th chat call, the last one for every later call. */
export const sequence = (...scripts: ReadonlyArray<Script>): Script => (request, response, i) =>
  (scripts[Math.min(i, scripts.length - 1)] as Script)(request, response, i)

type EndpointInput = NonNullable<RouterConfigInput["models"]>[string]["endpoints"][number]
type EndpointTimeoutsInput = NonNullable<Extract<EndpointInput, { readonly provider: string }>["timeouts"]>

export interface ChainOptions {
  readonly continuation?: Readonly<Record<string, "prefill" | "restart">>
  readonly kinds?: Readonly<Record<string, "openai" | "anthropic">>
  /**
   * Per-endpoint deadlines: short ones for the upstream a test means to time out, so the healthy
   * ones keep the generous defaults (a loaded machine must not time them out too).
   */
  readonly timeouts?: Readonly<Record<string, EndpointTimeoutsInput>>
}

/**
 * Providers `a`, `b`, `c`… (one per URL, keyless OpenAI-compatible unless `kinds` says otherwise)
 * behind one priority virtual model `m` (endpoints `a:model-a`, `b:model-b`, …).
 */
export const chain = (urls: Readonly<Record<string, string>>, extra: Partial<RouterConfigInput> = {}, options: ChainOptions = {}): RouterConfigInput => ({
  providers: Object.fromEntries(Object.entries(urls).map(([name, url]) => [name, {
    derives: options.kinds?.[name] ?? "openai",
    apiBase: url,
    ...(options.kinds?.[name] === "anthropic" ? { apiKey: "sk-ant-test" } : { requiresKey: false }),
    ...(options.continuation?.[name] === undefined ? {} : { continuation: options.continuation[name] })
  }])),
  models: { m: { strategy: "priority", endpoints: endpointsOf(urls, options.timeouts ?? {}) } },
  retry: { backoffMs: 1 },
  ...extra
})

const endpointsOf = (urls: Readonly<Record<string, string>>, timeouts: Readonly<Record<string, EndpointTimeoutsInput>>) => {
  const [first, ...rest] = Object.keys(urls).map((name): EndpointInput => {
    const own = timeouts[name]
    return own === undefined ? `${name}:model-${name}` : { provider: name, modelId: `model-${name}`, timeouts: own }
  })
  if (first === undefined) throw new Error("a chain needs an upstream")
  return [first, ...rest] as const
}

export const newResources = () => new Resources()

export const routerFor = (resources: Resources, config: RouterConfigInput): Promise<RunningRouter> =>
  startRouter(config).then((router) => resources.add(router))

export const stubs = async (resources: Resources, scripts: Readonly<Record<string, Script>>): Promise<Record<string, Stub>> => {
  const out: Record<string, Stub> = {}
  for (const [name, script] of Object.entries(scripts)) out[name] = resources.add(await startStub(script))
  return out
}

/** Stubs `a` and `b` behind the priority model `m`, a router, and an OpenAI SDK client for it (no SDK retries). */
export const pair = async (resources: Resources, a: Script, b: Script, extra: Partial<RouterConfigInput> = {}) => {
  const s = await stubs(resources, { a, b })
  const router = await routerFor(resources, chain(urlsOf(s), extra))
  const client = new OpenAI({ baseURL: router.baseUrl, apiKey: "unused", maxRetries: 0 })
  return { a: s["a"]!, b: s["b"]!, router, client }
}

/** A non-streaming request for `m`: the answer and the headers that say who answered. */
export const askModel = async (client: OpenAI) => {
  const { data, response } = await client.chat.completions.create({ model: "m", messages: MESSAGES }).withResponse()
  return {
    data,
    text: data.choices[0]?.message.content,
    model: response.headers.get("x-llmrouter-model"),
    attempts: response.headers.get("x-llmrouter-attempts")
  }
}

export const urlsOf = (stubs: Readonly<Record<string, Stub>>) => Object.fromEntries(Object.entries(stubs).map(([name, s]) => [name, s.url]))

/** POSTs a chat request with fetch (raw bytes available). */
export const post = (router: RunningRouter, body: Record<string, unknown>) =>
  fetch(`${router.baseUrl}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "m", messages: MESSAGES, ...body })
  })

export interface Piece {
  readonly text: string
  /** ms since the request was sent */
  readonly after: number
}

/** Reads an SSE response to its end, keeping every network read with its arrival time. */
export const readPieces = async (response: Response, sent: number, onPiece?: (text: string) => void): Promise<{ raw: string; pieces: Array<Piece> }> => {
  const pieces: Array<Piece> = []
  const decoder = new TextDecoder()
  const reader = (response.body as ReadableStream<Uint8Array>).getReader()
  let raw = ""
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      const text = decoder.decode(value, { stream: true })
      raw += text
      pieces.push({ text, after: Date.now() - sent })
      onPiece?.(text)
    }
  } catch (error) {
    raw += `\n<<read failed: ${String(error)}>>`
  }
  return { raw, pieces }
}

/** Streams a request through the router and reads the whole SSE answer (`onPiece`: each read as it arrives). */
export const streamRaw = async (router: RunningRouter, body: Record<string, unknown> = {}, onPiece?: (text: string) => void) => {
  const sent = Date.now()
  const response = await post(router, { stream: true, ...body })
  const { raw, pieces } = await readPieces(response, sent, onPiece)
  return { response, raw, pieces, ...sseSummary(raw), sent, elapsed: Date.now() - sent }
}

export interface SseError {
  readonly message: string
  readonly type: string
  readonly code: string
}

/** What an SSE body amounts to for a client: text, finish, usage, models, `[DONE]`, error event. */
export const sseSummary = (raw: string) => {
  const dataOnly = raw.split("\n\n").filter((event) => event.startsWith("data: ")).join("\n\n")
  const { chunks, done } = parseSse(dataOnly === "" ? "" : `${dataOnly}\n\n`)
  const errorEvent = /event: error\ndata: (.*)\n\n/.exec(raw)
  const error = errorEvent?.[1] === undefined ? undefined : (JSON.parse(errorEvent[1]) as { error: SseError }).error
  const text = chunks.map((c) => c.choices[0]?.delta["content"] ?? "").join("")
  const usage = chunks.find((c) => c.usage !== undefined)?.usage
  return {
    text,
    chunks,
    done,
    error,
    usage,
    models: [...new Set(chunks.map((c) => c.model))],
    finish: chunks.flatMap((c) => c.choices.map((x) => x.finish_reason)).filter((f) => f !== null),
    keepAlives: raw.split(": keep-alive\n\n").length - 1
  }
}

export interface HealthView {
  readonly status: string
  readonly providers: ReadonlyArray<{
    readonly name: string
    readonly check: { readonly ok: boolean; readonly detail?: string; readonly latencyMs: number } | null
    readonly endpoints: ReadonlyArray<{
      readonly endpoint: string
      readonly state: string
      readonly until?: string
      readonly consecutiveFailures: number
      readonly lastError?: { readonly tag: string; readonly message: string }
    }>
  }>
}

export const health = async (router: RunningRouter): Promise<HealthView> => {
  const response = await fetch(`${router.info.url}/health`)
  return (await response.json()) as HealthView
}

export const endpointState = (view: HealthView, id: string) =>
  view.providers.flatMap((p) => p.endpoints).find((e) => e.endpoint === id)

/** The last message of an upstream call's `messages`. */
export const lastMessage = (request: Received) => {
  const messages = request.body["messages"]
  return Array.isArray(messages) ? (messages[messages.length - 1] as Record<string, unknown>) : undefined
}

/**
 * Polls until `predicate` holds, or the time is up: a generous bound by default, which only a
 * router that never gets there misses (returning as soon as it holds costs a passing test nothing).
 */
export const eventually = async (predicate: () => boolean | Promise<boolean>, withinMs = 10_000, stepMs = 20) => {
  const until = Date.now() + withinMs
  for (;;) {
    if (await predicate()) return true
    if (Date.now() > until) return false
    await sleep(stepMs)
  }
}
