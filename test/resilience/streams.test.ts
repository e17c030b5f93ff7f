/**
 * Honest streams from imperfect upstreams: a malformed event is skipped and the answer goes on
 * (the process keeps serving); an answer that finished but never sent `[DONE]` is finalised
 * promptly, with its usage; `stream_options.include_usage` reaches the upstream; and after a
 * failover the usage and the model are the fallback's.
 */
import { afterEach, describe, expect, it } from "vitest"
import type { RouterConfigInput } from "../../src/config/schema.js"
import { FINISH_GRACE_MS } from "../../src/routing/stream/upstreamAnswer.js"
import { chunk, type Script, sse } from "../support/openaiUpstream.js"
import {
  answerEvents,
  answerWith,
  fail,
  MESSAGES,
  newResources,
  reset,
  sseHead,
  streamRaw,
  USAGE,
  pair
} from "./support.js"

const resources = newResources()
afterEach(() => resources.closeAll())

const setup = async (a: Script, b: Script = answerWith(["from ", "b"], { usage: { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 } }), extra: Partial<RouterConfigInput> = {}) => pair(resources, a, b, extra)

describe("a malformed upstream event", () => {
  it("is skipped, the stream goes on to [DONE], and the process serves the next request", async () => {
    const withGarbage: Script = (request, response, i) => {
      if (request.body.stream !== true) return answerWith(["one ", "two ", "three"])(request, response, i)
      const [role, one, two, ...rest] = answerEvents(request, ["one ", "two ", "three"])
      response.writeHead(200, sseHead)
      for (const event of [role!, one!, "data: {\"choices\":[{\"delta\":{\"content\":\"bro\n\n", "data: not json at all\n\n", two!, ...rest]) response.write(event)
      response.end()
    }
    const { a, b, router, client } = await setup(withGarbage)
    const { response, text, done, error, raw, usage } = await streamRaw(router, { stream_options: { include_usage: true } })
    expect(response.headers.get("x-llmrouter-model")).toBe("a:model-a")
    expect({ text, done, error }).toEqual({ text: "one two three", done: true, error: undefined })
    expect(raw).not.toContain("not json")
    expect(raw).not.toContain("bro")
    expect(usage).toEqual(USAGE)
    expect([a.calls.length, b.calls.length]).toEqual([1, 0]) // not a failure: no retry, no failover

    // the official SDK would have thrown on the raw garbage; through the router it reads cleanly
    const stream = await client.chat.completions.create({ model: "m", messages: MESSAGES, stream: true })
    let sdkText = ""
    for await (const part of stream) sdkText += part.choices[0]?.delta.content ?? ""
    expect(sdkText).toBe("one two three")
    // and the router keeps serving
    const next = await client.chat.completions.create({ model: "m", messages: MESSAGES })
    expect(next.choices[0]?.message.content).toBe("one two three")
    expect(a.calls).toHaveLength(3)
  })
})

describe("an upstream that never sends [DONE]", () => {
  it("finish_reason and usage, then the connection closes: finalised at once with [DONE]", async () => {
    let closedAt = 0
    const closing: Script = (request, response) => {
      response.writeHead(200, sseHead)
      for (const event of answerEvents(request, ["all ", "there"], { done: false })) response.write(event)
      response.end(() => (closedAt = Date.now()))
    }
    const { a, router } = await setup(closing)
    const { text, done, error, usage, finish, pieces, sent } = await streamRaw(router, { stream_options: { include_usage: true } })
    expect({ text, done, error }).toEqual({ text: "all there", done: true, error: undefined })
    expect(finish).toEqual(["stop"])
    expect(usage).toEqual(USAGE)
    // Finalised by the close itself: [DONE] came before the finish grace could have run out (the
    // only other way to a clean end). Measured from the close, not over the whole request.
    const doneAt = sent + pieces.find((p) => p.text.includes("[DONE]"))!.after
    expect(doneAt - closedAt).toBeLessThan(FINISH_GRACE_MS)
    expect(a.calls).toHaveLength(1)
  })

  it("finish_reason and usage, then the connection stays open: finalised within about a second, with usage", async () => {
    let finishedAt = 0
    const lingering: Script = (request, response) => {
      response.writeHead(200, sseHead)
      for (const event of answerEvents(request, ["all ", "there"], { done: false })) response.write(event)
      finishedAt = Date.now()
      // …and nothing more, connection left open
    }
    const IDLE_MS = 10_000
    const { a, router } = await setup(lingering, undefined, { timeouts: { idleMs: IDLE_MS } })
    const { text, done, error, usage, finish, pieces, response, sent } = await streamRaw(router, { stream_options: { include_usage: true } })
    expect(response.headers.get("x-llmrouter-model")).toBe("a:model-a")
    expect({ text, done, error }).toEqual({ text: "all there", done: true, error: undefined })
    expect(finish).toEqual(["stop"])
    expect(usage).toEqual(USAGE)
    const last = pieces.at(-1)!
    expect(last.text).toContain("[DONE]")
    // The finish grace ended it (it waited that long for [DONE]), not the idle deadline: a bound that
    // only a router waiting for idleMs can miss, however loaded the machine.
    const doneAt = sent + last.after
    expect(doneAt - finishedAt).toBeGreaterThanOrEqual(FINISH_GRACE_MS - 50)
    expect(doneAt - finishedAt).toBeLessThan(IDLE_MS / 2)
    await expect(a.calls[0]!.aborted).resolves.toBe(true) // the lingering call is closed
  })

  it("no finish_reason and no [DONE]: that is a cut, not a complete answer (error event, no [DONE])", async () => {
    const { router } = await setup(answerWith(["half ", "an"], { done: false, finish: false }), fail(503))
    const { text, done, error } = await streamRaw(router)
    expect(text).toBe("half an")
    expect(done).toBe(false)
    expect(error).toMatchObject({ code: "stream_broken" })
  })
})

describe("usage", () => {
  it("stream_options.include_usage is forwarded upstream, and the usage chunk reaches the client", async () => {
    const { a, router } = await setup(answerWith(["counted"]))
    const { usage, text } = await streamRaw(router, { stream_options: { include_usage: true } })
    expect(text).toBe("counted")
    expect(a.calls[0]!.body["stream_options"]).toEqual({ include_usage: true })
    expect(usage).toEqual(USAGE)

    const without = await streamRaw(router)
    expect(a.calls[1]!.body["stream_options"]).toBeUndefined()
    expect(without.usage).toBeUndefined()
  })

  it("after failover (streaming): the fallback's model and usage, and the failed attempt is not counted", async () => {
    const { a, b, router } = await setup(reset)
    const { response, text, usage, models } = await streamRaw(router, { stream_options: { include_usage: true } })
    expect(response.headers.get("x-llmrouter-model")).toBe("b:model-b")
    expect(text).toBe("from b")
    expect(models).toEqual(["model-b"])
    expect(usage).toEqual({ prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 })
    expect(b.calls[0]!.body["stream_options"]).toEqual({ include_usage: true })
    expect(a.calls).toHaveLength(2)
  })

  it("after failover (non-streaming): the fallback's model and usage", async () => {
    const { b, client } = await setup(fail(502))
    const { data, response } = await client.chat.completions.create({ model: "m", messages: MESSAGES }).withResponse()
    expect(response.headers.get("x-llmrouter-model")).toBe("b:model-b")
    expect(data.model).toBe("model-b")
    expect(data.usage).toEqual({ prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 })
    expect(b.calls).toHaveLength(1)
  })

  it("a chunk's own model field is passed through unchanged (the upstream's name for itself)", async () => {
    const named: Script = (_request, response) => {
      response.writeHead(200, sseHead)
      response.write(sse(chunk("model-a-2025-01-01", { role: "assistant", content: "x" }, "stop")))
      response.end("data: [DONE]\n\n")
    }
    const { router } = await setup(named)
    expect((await streamRaw(router)).models).toEqual(["model-a-2025-01-01"])
  })
})
