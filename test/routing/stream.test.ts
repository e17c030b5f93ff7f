/**
 * The streaming byte path: a true pass-through, an upstream that breaks off (or stalls, or ends
 * without `[DONE]`) ends the client's stream with an error instead of a clean end, and a client
 * that hangs up frees the upstream call.
 */
import OpenAI from "openai"
import { afterEach, describe, expect, it } from "vitest"
import type { RouterConfigInput } from "../../src/config/schema.js"
import { chatBody, latch, Resources } from "../support/http.js"
import { chunk, completion, type Script, sse, startUpstream, streamEvents, type Upstream } from "../support/openaiUpstream.js"
import { type RunningRouter, startRouter } from "../support/router.js"

const resources = new Resources()
afterEach(() => resources.closeAll())

const MESSAGES = [{ role: "user" as const, content: "hi" }]

const start = async (script: Script, extra: Partial<RouterConfigInput> = {}) => {
  const upstream: Upstream = resources.add(await startUpstream(script))
  const router: RunningRouter = resources.add(await startRouter({
    providers: { local: { derives: "openai", apiBase: upstream.url, requiresKey: false } },
    retry: { backoffMs: 1 },
    ...extra
  }))
  const client = new OpenAI({ baseURL: router.baseUrl, apiKey: "unused", maxRetries: 0 })
  return { upstream, router, client }
}

const sseHead = { "content-type": "text/event-stream" }

/** Flushes what was written to the socket, and a little more, before the script breaks things. */
const flushed = (response: Parameters<Script>[1]) =>
  new Promise<void>((resolve) => response.write("", () => setTimeout(resolve, 30)))

/**
 * Writes the first `count` events of a streamed answer, then runs `then` once they are on the wire
 * (or once `until` resolves: e.g. when the client has read them).
 */
const partial = (count: number, then: (response: Parameters<Script>[1]) => void, until?: Promise<void>): Script => async (request, response) => {
  response.writeHead(200, sseHead)
  for (const event of streamEvents("one two three four five", String(request.body.model)).slice(0, count)) response.write(event)
  await (until ?? flushed(response))
  then(response)
}

/** Reads a raw SSE response to its end (or its break) and returns the text. */
const readAll = async (response: Response) => {
  let text = ""
  const decoder = new TextDecoder()
  const reader = response.body!.getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      text += decoder.decode(value, { stream: true })
    }
  } catch (error) {
    text += `\n<<read failed: ${String(error)}>>`
  }
  return text
}

const postStream = (router: RunningRouter, signal?: AbortSignal) =>
  fetch(`${router.baseUrl}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(chatBody("local:m", { stream: true })),
    ...(signal === undefined ? {} : { signal })
  })

/** Consumes an SDK stream; returns what arrived and how it ended (`onContent`: each delta as it arrives). */
const consume = async (client: OpenAI, onContent?: (content: string) => void) => {
  const stream = await client.chat.completions.create({ model: "local:m", messages: MESSAGES, stream: true })
  let text = ""
  try {
    for await (const part of stream) {
      const content = part.choices[0]?.delta.content ?? ""
      text += content
      onContent?.(content)
    }
    return { text, error: undefined }
  } catch (error) {
    return { text, error }
  }
}

describe("a stream that cannot complete ends with an error, never a clean end", () => {
  const cases: ReadonlyArray<readonly [string, Script, string, Partial<RouterConfigInput>?]> = [
    ["the upstream destroys the response mid-way", partial(3, (response) => response.destroy()), "stream_broken"],
    ["the upstream resets the socket mid-way", partial(3, (response) => response.socket?.destroy()), "stream_broken"],
    ["the upstream ends cleanly but without [DONE]", partial(3, (response) => response.end()), "stream_broken"],
    ["the upstream stalls past idleMs", partial(3, () => undefined), "stream_stalled", { timeouts: { idleMs: 200 } }]
  ]

  for (const [name, script, code, extra] of cases) {
    it(`${name}: the SDK throws, raw SSE has an error event and no [DONE]`, async () => {
      const { client, router, upstream } = await start(script, extra)

      const { text, error } = await consume(client)
      expect(text).toBe("one two ") // what did arrive was passed on
      expect(error).toBeInstanceOf(OpenAI.APIError)
      expect((error as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({ code, type: "upstream_error" })

      const response = await postStream(router)
      expect(response.status).toBe(200) // the status line was gone before the break
      expect(response.headers.get("x-llmrouter-model")).toBe("local:m")
      const raw = await readAll(response)
      expect(raw).toContain(sse(chunk("m", { content: "one " })))
      expect(raw).toMatch(new RegExp(`event: error\\ndata: \\{"error":\\{"message":"[^"]*","type":"upstream_error","code":"${code}"`))
      expect(raw).not.toContain("[DONE]")
      expect(raw).not.toContain("<<read failed") // the router ends its own stream properly
      // no retry or failover once bytes reached the client
      expect(upstream.received).toHaveLength(2)
    })
  }

  it("an in-band error event from the upstream reaches the SDK as an error", async () => {
    // Mid-stream for certain: the upstream sends its error only once the SDK has the first content.
    // (After a fixed pause instead, a loaded router could read content and error in one go, before
    // committing: then it is a failure before the first byte, a 502, and `create` itself throws.)
    const content = latch()
    const { client, upstream } = await start(partial(2, (response) => {
      response.end(`data: ${JSON.stringify({ error: { message: "overloaded mid-answer", type: "server_error", code: null } })}\n\n`)
    }, content.opened))
    const { text, error } = await consume(client, (part) => part !== "" && content.open())
    expect(text).toBe("one ")
    expect(error).toBeInstanceOf(OpenAI.APIError)
    expect(String((error as Error).message)).toContain("overloaded mid-answer")
    expect(upstream.received).toHaveLength(1) // nothing retried once content reached the client
  })

  it("a non-streaming answer cut mid-body fails over like any failure before the first byte", async () => {
    const { client, upstream } = await start(async (request, response) => {
      const body = JSON.stringify(completion("never whole", String(request.body.model)))
      response.writeHead(200, { "content-type": "application/json", "content-length": String(body.length) })
      response.write(body.slice(0, 20))
      await flushed(response)
      response.destroy()
    })
    const thrown = await client.chat.completions.create({ model: "local:m", messages: MESSAGES }).catch((e: unknown) => e)
    expect(thrown).toBeInstanceOf(OpenAI.APIError)
    expect(thrown).toMatchObject({ status: 502 })
    expect(upstream.received).toHaveLength(1)
  })
})

describe("streaming is a true pass-through", () => {
  it("the client has chunk 1 before the upstream sends chunk 2", async () => {
    const { opened: firstSeen, open: clientHasFirst } = latch()
    let secondSent = false
    const { client } = await start(async (request, response) => {
      const model = String(request.body.model)
      response.writeHead(200, sseHead)
      response.write(sse(chunk(model, { role: "assistant", content: "first " })))
      // Wait for the client to see chunk 1 (a buffering proxy never lets it: then 2 s pass and the test fails).
      await Promise.race([firstSeen, new Promise((resolve) => setTimeout(resolve, 2_000))])
      secondSent = true
      response.write(sse(chunk(model, { content: "second" })))
      response.end(`${sse(chunk(model, {}, "stop"))}data: [DONE]\n\n`)
    })

    const stream = await client.chat.completions.create({ model: "local:m", messages: MESSAGES, stream: true })
    const seen: Array<{ content: string; secondSentYet: boolean }> = []
    for await (const part of stream) {
      const content = part.choices[0]?.delta.content
      if (content === undefined || content === null || content === "") continue
      seen.push({ content, secondSentYet: secondSent })
      if (content === "first ") clientHasFirst()
    }
    expect(seen).toEqual([{ content: "first ", secondSentYet: false }, { content: "second", secondSentYet: true }])
  })

  it("passes the upstream's events through unchanged (its own comments are not forwarded)", async () => {
    const events = [
      `: keep-alive comment\n\n`,
      `data: {"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"é😀"},"finish_reason":null}],"extra":{"kept":true}}\n\n`,
      `data: [DONE]\n\n`
    ]
    const { router } = await start((_request, response) => {
      response.writeHead(200, sseHead)
      for (const event of events) response.write(event)
      response.end()
    })
    const response = await postStream(router)
    expect(response.headers.get("content-type")).toContain("text/event-stream")
    expect(await readAll(response)).toBe(events.slice(1).join(""))
  })
})

describe("a client that hangs up frees the upstream call", () => {
  it("mid-stream (SDK abort): the upstream sees the connection close", async () => {
    const { client, upstream } = await start((request, response) => {
      const model = String(request.body.model)
      response.writeHead(200, sseHead)
      response.write(sse(chunk(model, { role: "assistant", content: "thinking " })))
      // then silence: the upstream is still "thinking" when the client leaves
    })
    const controller = new AbortController()
    const stream = await client.chat.completions.create(
      { model: "local:m", messages: MESSAGES, stream: true },
      { signal: controller.signal }
    )
    for await (const part of stream) {
      if (part.choices[0]?.delta.content === "thinking ") break // break aborts the SDK's request
    }
    expect(await withDeadline(upstream.received[0]!.aborted, 3_000)).toBe(true)
  })

  it("mid-stream (fetch abort) while the upstream keeps writing", async () => {
    const { router, upstream } = await start((request, response) => {
      const model = String(request.body.model)
      response.writeHead(200, sseHead)
      const timer = setInterval(() => response.write(sse(chunk(model, { content: "x " }))), 20)
      response.on("close", () => clearInterval(timer))
    })
    const controller = new AbortController()
    const response = await postStream(router, controller.signal)
    const reader = response.body!.getReader()
    await reader.read()
    controller.abort()
    expect(await withDeadline(upstream.received[0]!.aborted, 3_000)).toBe(true)
  })

  it("before the answer (non-streaming, upstream still thinking)", async () => {
    const { opened: reached, open: arrived } = latch()
    const { client, upstream } = await start(() => arrived())
    const controller = new AbortController()
    const pending = client.chat.completions
      .create({ model: "local:m", messages: MESSAGES }, { signal: controller.signal })
      .catch((e: unknown) => e)
    await reached
    controller.abort()
    expect(await pending).toBeInstanceOf(OpenAI.APIUserAbortError)
    expect(await withDeadline(upstream.received[0]!.aborted, 3_000)).toBe(true)
  })

  it("before the first byte of a stream", async () => {
    const { opened: reached, open: arrived } = latch()
    const { router, upstream } = await start(() => arrived())
    const controller = new AbortController()
    const pending = postStream(router, controller.signal).catch((e: unknown) => e)
    await reached
    controller.abort()
    await pending
    expect(await withDeadline(upstream.received[0]!.aborted, 3_000)).toBe(true)
  })
})

/** The promise's value, or "timed out" after `ms` (so a missing abort fails fast and readably). */
const withDeadline = <A>(promise: Promise<A>, ms: number) =>
  Promise.race([promise, new Promise<string>((resolve) => setTimeout(() => resolve("timed out"), ms))])
