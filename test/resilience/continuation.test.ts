/**
 * Streams that survive a dying upstream: once content reached the client, a cut, a stall or an
 * in-band error is continued on the next candidate — with the delivered text as an assistant
 * prefill where the provider can (Anthropic; an OpenAI-compatible server configured `prefill`),
 * or restarted from scratch and de-duplicated where it cannot (or rejects the prefill with a 400).
 * The client gets the full text exactly once, or an SSE error event when it cannot be completed.
 */
import OpenAI from "openai"
import { afterEach, describe, expect, it } from "vitest"
import type { RouterConfigInput } from "../../src/config/schema.js"
import { type AnthropicUpstream, startAnthropicUpstream } from "../support/anthropicUpstream.js"
import { type Received, type Script, sse } from "../support/openaiUpstream.js"
import {
  answerWith,
  chain,
  type ChainOptions,
  contentArrival,
  cut,
  endpointState,
  fail,
  health,
  lastMessage,
  MESSAGES,
  newResources,
  partial,
  routerFor,
  stall,
  streamRaw,
  stubs,
  urlsOf
} from "./support.js"

const resources = newResources()
afterEach(() => resources.closeAll())

/** The answer, as a's pieces: a delivers the first two, "Hello wor", and dies. */
const PARTS = ["Hello", " wor", "ld, how", " are you?"]
const FULL = PARTS.join("")
const DELIVERED = "Hello wor"
const REST = ["ld, how", " are you?"]

const textOf = (message: Record<string, unknown> | undefined): string | undefined => {
  const content = message?.["content"]
  if (typeof content === "string") return content
  if (Array.isArray(content)) return content.map((b) => (b as { text?: string }).text ?? "").join("")
  return undefined
}

const withPrefill = (request: Received) => lastMessage(request)?.["role"] === "assistant"

/** An OpenAI-compatible server that continues a prefill (streams only the rest) and answers in full otherwise. */
const prefillCapable = (rest: ReadonlyArray<string>, full: ReadonlyArray<string>): Script => (request, response, i) =>
  answerWith(withPrefill(request) ? rest : full)(request, response, i)

/** Rejects an assistant prefill with a 400, as e.g. OpenAI's own API does; answers in full otherwise. */
const rejectsPrefill = (full: ReadonlyArray<string>): Script => (request, response, i) =>
  withPrefill(request)
    ? fail(400, {}, { error: { message: "Last message must be a user or tool message", type: "invalid_request_error", code: null, param: "messages" } })(request, response, i)
    : answerWith(full)(request, response, i)

const openaiChain = async (
  scripts: Readonly<Record<string, Script>>,
  continuation: Readonly<Record<string, "prefill" | "restart">> = {},
  extra: Partial<RouterConfigInput> = {},
  timeouts: ChainOptions["timeouts"] = {}
) => {
  const s = await stubs(resources, scripts)
  const router = await routerFor(resources, chain(urlsOf(s), extra, { continuation, timeouts }))
  return { s, router }
}

const anthropicFallback = async (a: Script, extra: Partial<RouterConfigInput> = {}) => {
  const s = await stubs(resources, { a })
  const claude: AnthropicUpstream = resources.add(await startAnthropicUpstream())
  const router = await routerFor(resources, chain({ a: s["a"]!.url, b: claude.url }, extra, { kinds: { b: "anthropic" } }))
  return { a: s["a"]!, claude, router }
}

describe("a stream cut mid-answer, continued by a prefill-capable fallback", () => {
  it("Anthropic: gets the messages plus exactly the delivered text as prefill; the client gets the full text once", async () => {
    const { a, claude, router } = await anthropicFallback(cut(PARTS, 2))
    claude.reply({ type: "message", message: { content: [{ type: "text", text: REST.join("") }], usage: { input_tokens: 12, output_tokens: 6 } }, textChunk: 3 })

    const { response, text, done, error, usage, finish } = await streamRaw(router, { stream_options: { include_usage: true } })
    expect(response.headers.get("x-llmrouter-model")).toBe("a:model-a") // committed on a
    expect({ text, done, error }).toEqual({ text: FULL, done: true, error: undefined })
    expect(finish).toEqual(["stop"])
    expect(usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 6 }) // the continuation's usage, from Claude

    expect(a.calls).toHaveLength(1)
    expect(claude.requests).toHaveLength(1)
    const sent = claude.requests[0]!.body
    expect(sent["model"]).toBe("model-b")
    const messages = sent["messages"] as Array<Record<string, unknown>>
    expect(messages).toHaveLength(2)
    expect(messages[0]).toMatchObject({ role: "user" })
    expect(textOf(messages[0])).toBe("hi")
    expect(messages[1]).toMatchObject({ role: "assistant" })
    expect(textOf(messages[1])).toBe(DELIVERED)
    await expect(a.calls[0]!.aborted).resolves.toBe(true)
  })

  it("the official SDK reads the continued stream as one clean answer", async () => {
    const { claude, router } = await anthropicFallback(cut(PARTS, 2))
    claude.reply({ type: "message", message: { content: [{ type: "text", text: REST.join("") }] } })
    const client = new OpenAI({ baseURL: router.baseUrl, apiKey: "unused", maxRetries: 0 })
    const stream = await client.chat.completions.create({ model: "m", messages: MESSAGES, stream: true })
    let text = ""
    for await (const part of stream) text += part.choices[0]?.delta.content ?? ""
    expect(text).toBe(FULL)
  })

  it("OpenAI-compatible with continuation: prefill: same contract", async () => {
    const { s, router } = await openaiChain({ a: cut(PARTS, 2), b: prefillCapable(REST, PARTS) }, { b: "prefill" })
    const { text, done, error, models } = await streamRaw(router)
    expect({ text, done, error }).toEqual({ text: FULL, done: true, error: undefined })
    expect(models).toEqual(["model-a", "model-b"]) // chunks say who wrote them
    expect(s["b"]!.calls).toHaveLength(1)
    const body = s["b"]!.calls[0]!.body
    expect(body["messages"]).toEqual([...MESSAGES, { role: "assistant", content: DELIVERED }])
    expect(body["stream"]).toBe(true)
    expect(body["model"]).toBe("model-b")
  })

  // BUG (reported): Anthropic refuses a prefill ending in whitespace, so the adapter trims it ("Hello "
  // → "Hello"); Claude then continues with " world…", re-sending the space the client already has.
  // The client gets "Hello  world" (two spaces). Flip to `it` once the continuation drops it.
  it("a cut after a word boundary: the whitespace the adapter trimmed off the prefill is not sent twice", async () => {
    const { claude, router } = await anthropicFallback(cut(["Hello ", "world, ", "how are you?"], 1))
    claude.reply({ type: "message", message: { content: [{ type: "text", text: " world, how are you?" }] } })
    const { text, done, error } = await streamRaw(router)
    expect(claude.requests.map((r) => r.rejected)).toEqual([undefined])
    expect(textOf((claude.requests[0]!.body["messages"] as Array<Record<string, unknown>>).at(-1))).toBe("Hello")
    expect({ text, done, error }).toEqual({ text: "Hello world, how are you?", done: true, error: undefined })
  })
})

describe("a stream cut mid-answer, restarted on a fallback that cannot continue", () => {
  it("the fallback rejects the prefill with a 400: restarted without it, only the new part forwarded, the 400 never shown", async () => {
    const { s, router } = await openaiChain({ a: cut(PARTS, 2), b: rejectsPrefill(PARTS) }, { b: "prefill" })
    const { text, done, error, raw } = await streamRaw(router)
    expect({ text, done, error }).toEqual({ text: FULL, done: true, error: undefined })
    expect(raw).not.toContain("Last message must be")
    const b = s["b"]!
    expect(b.calls).toHaveLength(2)
    expect(lastMessage(b.calls[0]!)).toEqual({ role: "assistant", content: DELIVERED })
    expect(b.calls[1]!.body["messages"]).toEqual(MESSAGES) // restarted: the original request
    expect(s["a"]!.calls).toHaveLength(1)
  })

  it("a `restart` provider is asked from scratch; the repeated prefix is swallowed, even across chunk boundaries", async () => {
    // b splits the same text differently: the boundary falls inside a chunk
    const { s, router } = await openaiChain({ a: cut(PARTS, 2), b: answerWith(["Hel", "lo w", "orld", ", how are you?"]) })
    const { text, done, error, chunks } = await streamRaw(router, { stream_options: { include_usage: true } })
    expect({ text, done, error }).toEqual({ text: FULL, done: true, error: undefined })
    expect(chunks.map((c) => c.choices[0]?.delta["content"]).filter((t) => t !== undefined && t !== "")).toEqual(["Hello", " wor", "ld", ", how are you?"])
    expect(s["b"]!.calls).toHaveLength(1)
    expect(s["b"]!.calls[0]!.body["messages"]).toEqual(MESSAGES)
    expect(s["b"]!.calls[0]!.body["stream_options"]).toEqual({ include_usage: true })
  })

  it("the restart diverges from the delivered text: an SSE error event (continuation_diverged), no [DONE]", async () => {
    const { s, router } = await openaiChain({ a: cut(PARTS, 2), b: answerWith(["Hello", " there", ", friend"]) })
    const { text, done, error, raw } = await streamRaw(router)
    expect(text).toBe(DELIVERED) // nothing of the diverging answer reached the client
    expect(done).toBe(false)
    expect(error).toMatchObject({ code: "continuation_diverged", type: "upstream_error" })
    expect(raw).not.toContain("there")
    expect(s["b"]!.calls).toHaveLength(1)

    const client = new OpenAI({ baseURL: router.baseUrl, apiKey: "unused", maxRetries: 0 })
    const stream = await client.chat.completions.create({ model: "m", messages: MESSAGES, stream: true })
    await expect((async () => {
      for await (const _ of stream) void _
    })()).rejects.toBeInstanceOf(OpenAI.APIError)
  })
})

describe("stalls and in-band errors after the commit point", () => {
  it("a stall past idleMs is continued on the next candidate", async () => {
    const { s, router } = await openaiChain({ a: stall(PARTS, 2), b: prefillCapable(REST, PARTS) }, { b: "prefill" }, {}, { a: { idleMs: 200 } })
    const { text, done, error } = await streamRaw(router)
    expect({ text, done, error }).toEqual({ text: FULL, done: true, error: undefined })
    const [a, b] = [s["a"]!, s["b"]!]
    expect(lastMessage(b.calls[0]!)).toEqual({ role: "assistant", content: DELIVERED })
    expect(b.calls[0]!.at - a.calls[0]!.at).toBeGreaterThanOrEqual(200) // only after the idle deadline
    // …and because of it: the router's own account of why a was left (not a wall-clock bound)
    expect(endpointState(await health(router), "a:model-a")?.lastError).toMatchObject({ tag: "StreamBroken", message: "a:model-a stalled: no content for 200 ms" })
    await expect(a.calls[0]!.aborted).resolves.toBe(true) // the stalled call is dropped
  })

  it("an in-band error event mid-stream is continued too (the upstream's error is not forwarded)", async () => {
    // mid-stream: the error only once the client has content (so the router has committed)
    const delivered = contentArrival()
    const inBand = partial(PARTS, 2, (response) => response.end(sse({ error: { message: "overloaded mid-answer", type: "server_error" } })), delivered.arrived)
    const { s, router } = await openaiChain({ a: inBand, b: prefillCapable(REST, PARTS) }, { b: "prefill" })
    const { text, done, error, raw } = await streamRaw(router, {}, delivered.onPiece)
    expect({ text, done, error }).toEqual({ text: FULL, done: true, error: undefined })
    expect(raw).not.toContain("overloaded")
    expect(s["b"]!.calls).toHaveLength(1)
  })
})

describe("what cannot be rescued", () => {
  it("every candidate breaks: an SSE error event, no [DONE], and no endpoint is asked twice", async () => {
    const { s, router } = await openaiChain({ a: cut(PARTS, 2), b: cut(PARTS, 1) })
    const { text, done, error } = await streamRaw(router)
    expect(text).toBe(DELIVERED)
    expect(done).toBe(false)
    expect(error).toMatchObject({ code: "stream_broken" })
    expect([s["a"]!.calls.length, s["b"]!.calls.length]).toEqual([1, 1])
  })

  it("a second break is continued by a third candidate, never by the one that already broke", async () => {
    const { s, router } = await openaiChain(
      { a: cut(PARTS, 2), b: cut(["ld,", " h", "ow are you?"], 2), c: prefillCapable(["ow", " are you?"], PARTS) },
      { b: "prefill", c: "prefill" }
    )
    const { text, done, error } = await streamRaw(router)
    expect({ text, done, error }).toEqual({ text: FULL, done: true, error: undefined })
    expect([s["a"]!.calls.length, s["b"]!.calls.length, s["c"]!.calls.length]).toEqual([1, 1, 1])
    expect(lastMessage(s["b"]!.calls[0]!)).toEqual({ role: "assistant", content: DELIVERED })
    expect(lastMessage(s["c"]!.calls[0]!)).toEqual({ role: "assistant", content: "Hello world, h" })
  })

  it("a tool call already streamed cannot be continued: error event, no [DONE]", async () => {
    const toolThenCut: Script = async (request, response) => {
      const model = String(request.body.model)
      response.writeHead(200, { "content-type": "text/event-stream" })
      response.write(sse({ id: "x", object: "chat.completion.chunk", created: 1, model, choices: [{ index: 0, delta: { role: "assistant", tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "f", arguments: "{\"a\":" } }] }, finish_reason: null }] }))
      await new Promise((resolve) => response.write("", () => setTimeout(resolve, 30)))
      response.destroy()
    }
    const { s, router } = await openaiChain({ a: toolThenCut, b: answerWith(PARTS) })
    const { done, error } = await streamRaw(router)
    expect(done).toBe(false)
    expect(error).toMatchObject({ code: "stream_broken" })
    expect(error!.message).toContain("tool call")
    expect(s["b"]!.calls).toHaveLength(0)
  })
})

