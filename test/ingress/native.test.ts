/**
 * A Messages client answered by an Anthropic model gets Anthropic's own answer: thinking blocks
 * with their signatures, redacted thinking, `stop_sequence`, cache usage, as JSON and as the event
 * stream, through the official SDK; the stream session still does its job (metrics, mid-stream
 * errors, continuation by another provider after a cut, failover before the first byte).
 */
import Anthropic from "@anthropic-ai/sdk"
import { afterEach, describe, expect, it, vi } from "vitest"
import { type AnthropicUpstream, type ContentBlock, messageEvents, REDACTED_PREFIX, startAnthropicUpstream, thinkingSignature } from "../support/anthropicUpstream.js"
import { postJson, rawRequest, Resources } from "../support/http.js"
import { answer, startUpstream } from "../support/openaiUpstream.js"
import { mintKey, tempDataDir } from "../accounts/support.js"
import { startRouter } from "../support/router.js"

const resources = new Resources()
afterEach(() => resources.closeAll())

const ENV = { ANTHROPIC_API_KEY: "k-anthropic" }
const MODEL = "anthropic:claude-test"
const THINKING = { type: "enabled", budget_tokens: 1024 } as const
const THOUGHT = "The user wants a short answer; I will stop at END."
const REDACTED = `${REDACTED_PREFIX}opaque-payload`
const CACHED_USAGE = { input_tokens: 3, cache_creation_input_tokens: 100, cache_read_input_tokens: 50, output_tokens: 7 }

/** An Anthropic upstream, optionally followed by an OpenAI-compatible one in the virtual model `chain`. */
const setup = async (second?: Parameters<typeof startUpstream>[0], extra: Record<string, unknown> = {}) => {
  const claude = resources.add(await startAnthropicUpstream())
  const other = second === undefined ? undefined : resources.add(await startUpstream(second))
  const router = resources.add(await startRouter({
    providers: {
      anthropic: { apiBase: claude.url },
      ...(other === undefined ? {} : { b: { derives: "openai", apiBase: other.url, requiresKey: false } })
    },
    ...(other === undefined ? {} : { models: { chain: { endpoints: [MODEL, "b:m"] } } }),
    retry: { backoffMs: 1, sameEndpointRetries: 0 },
    ...extra
  }, { env: ENV }))
  const client = new Anthropic({ baseURL: router.info.url, apiKey: "unused", maxRetries: 0 })
  return { claude, other, router, client }
}

const thoughtful: ReadonlyArray<ContentBlock> = [
  { type: "thinking", thinking: THOUGHT },
  { type: "redacted_thinking", data: REDACTED },
  { type: "text", text: "Short answer" }
]

const expectedContent = [
  { type: "thinking", thinking: THOUGHT, signature: thinkingSignature(THOUGHT) },
  { type: "redacted_thinking", data: REDACTED },
  { type: "text", text: "Short answer" }
]

const ask = {
  model: MODEL,
  max_tokens: 2048,
  thinking: THINKING,
  stop_sequences: ["END"],
  messages: [{ role: "user" as const, content: "Answer briefly, then say END." }]
}

const metric = async (url: string, name: string) => {
  const text = (await rawRequest(`${url}/metrics`)).text
  const line = text.split("\n").find((l) => l.startsWith(`${name}{`) && l.includes(MODEL))
  return Number(line?.split(" ").at(-1))
}

describe("Anthropic answers reach Messages clients as Anthropic sent them", () => {
  it("messages.create: thinking with its signature, redacted thinking, stop_sequence, cache usage", async () => {
    const { claude, client } = await setup()
    claude.reply({ type: "message", message: { content: thoughtful, stop_reason: "stop_sequence", stop_sequence: "END", usage: CACHED_USAGE } })
    const { data, response } = await client.messages.create(ask).withResponse()
    expect(data.content).toEqual(expectedContent)
    expect(data.stop_reason).toBe("stop_sequence")
    expect(data.stop_sequence).toBe("END")
    expect(data.usage).toMatchObject(CACHED_USAGE)
    expect(data.id).toBe("msg_stub")
    expect(response.headers.get("x-llmrouter-model")).toBe(MODEL)
    // Metrics read the translation: every prompt token, the cache's share apart.
    expect(await metric(client.baseURL, "llmrouter_input_tokens_total")).toBe(153)
    expect(await metric(client.baseURL, "llmrouter_cache_write_tokens_total")).toBe(100)
  })

  it("messages.stream: Anthropic's own events (signature_delta included), assembled by the SDK", async () => {
    const { claude, client } = await setup()
    claude.reply({ type: "message", message: { content: thoughtful, stop_reason: "stop_sequence", stop_sequence: "END", usage: CACHED_USAGE } })
    const stream = client.messages.stream(ask)
    const deltas: Array<string> = []
    stream.on("streamEvent", (event) => {
      if (event.type === "content_block_delta") deltas.push(event.delta.type)
    })
    let thinking = ""
    stream.on("thinking", (delta) => {
      thinking += delta
    })
    const final = await stream.finalMessage()
    expect(final.content).toEqual(expectedContent)
    expect(thinking).toBe(THOUGHT)
    expect(deltas).toContain("signature_delta")
    expect(final.stop_reason).toBe("stop_sequence")
    expect(final.stop_sequence).toBe("END")
    expect(final.usage).toMatchObject({ cache_creation_input_tokens: 100, cache_read_input_tokens: 50, output_tokens: 7 })
    // A stream is reported when its session ends, just after the client has its last event.
    await vi.waitFor(async () => expect(await metric(client.baseURL, "llmrouter_output_tokens_total")).toBe(7), { timeout: 10_000 })
    expect(await metric(client.baseURL, "llmrouter_cached_input_tokens_total")).toBe(50)
  })

  const CLOCK: Array<Anthropic.Tool> = [{ name: "clock", description: "The time", input_schema: { type: "object", properties: {} } }]

  /** Claude thinks `thought` and calls the clock as `id`, then answers "Noon."; the two user turns around it. */
  const clockLoop = (claude: AnthropicUpstream, thought: string, id: string) => {
    claude.reply(
      { type: "message", message: { content: [{ type: "thinking", thinking: thought }, { type: "tool_use", id, name: "clock", input: {} }], stop_reason: "tool_use" } },
      { type: "message", message: { content: [{ type: "text", text: "Noon." }] } }
    )
    const ask = { model: MODEL, max_tokens: 2048, thinking: THINKING, tools: CLOCK }
    const question = { role: "user" as const, content: "What time is it?" }
    const result = { role: "user" as const, content: [{ type: "tool_result" as const, tool_use_id: id, content: "12:00" }] }
    return { ask, question, result }
  }

  it("tool loop with thinking: the signed blocks the client got go back verbatim, and Anthropic accepts them", async () => {
    const { claude, client } = await setup()
    const { ask, question, result } = clockLoop(claude, "I need the clock.", "toolu_clock1")
    const first = await client.messages.stream({ ...ask, messages: [question] }).finalMessage()
    expect(first.content[0]).toEqual({ type: "thinking", thinking: "I need the clock.", signature: thinkingSignature("I need the clock.") })
    const second = await client.messages.create({ ...ask, messages: [question, { role: "assistant", content: first.content }, result] })
    expect(second.content).toEqual([{ type: "text", text: "Noon." }])
    const sent = claude.requests.at(-1)
    expect(sent?.rejected).toBeUndefined()
    expect(sent?.body["thinking"]).toEqual(THINKING)
  })

  it("a client that drops the thinking blocks: the tool-loop memory puts them back, so thinking stays on", async () => {
    const { claude, client } = await setup()
    const { ask, question, result } = clockLoop(claude, "Check the clock.", "toolu_clock2")
    const first = await client.messages.create({ ...ask, messages: [question] })
    const withoutThinking = first.content.filter((b) => b.type === "tool_use")
    const second = await client.messages.create({ ...ask, messages: [question, { role: "assistant", content: withoutThinking }, result] })
    expect(second.content).toEqual([{ type: "text", text: "Noon." }])
    const sent = claude.requests.at(-1)
    expect(sent?.rejected).toBeUndefined()
    expect(sent?.body["thinking"]).toEqual(THINKING)
    expect((sent?.body["messages"] as Array<{ content: Array<unknown> }>)[1]?.content[0]).toEqual({
      type: "thinking",
      thinking: "Check the clock.",
      signature: thinkingSignature("Check the clock.")
    })
  })

  it("unknown to the memory and without its thinking: that turn is answered without thinking, and says so", async () => {
    const { claude, client } = await setup()
    claude.reply({ type: "message", message: { content: [{ type: "text", text: "Noon." }] } })
    const { data, response } = await client.messages.create({
      model: MODEL,
      max_tokens: 2048,
      thinking: THINKING,
      tools: CLOCK,
      messages: [
        { role: "user", content: "Time?" },
        { role: "assistant", content: [{ type: "thinking", thinking: "unsigned, from another model", signature: "" }, { type: "tool_use", id: "toolu_gone", name: "clock", input: {} }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_gone", content: "12:00" }] }
      ]
    }).withResponse()
    expect(data.content).toEqual([{ type: "text", text: "Noon." }])
    const sent = claude.requests.at(-1)
    expect(sent?.body["thinking"]).toBeUndefined()
    expect(JSON.stringify(sent?.body)).not.toContain("unsigned, from another model")
    expect(response.headers.get("x-llmrouter-adjusted")).toMatch(/without extended thinking/)
  })
})

describe("key budgets count a relayed answer's tokens exactly", () => {
  it("every prompt token (cache reads and writes included) and the output, streamed and not", async () => {
    const dataDir = tempDataDir()
    await mintKey(dataDir, { all: true, name: "bootstrap" })
    const { claude, router } = await setup(undefined, { dataDir })
    const { token } = await mintKey(dataDir, { all: true, budgetTokens: 300, name: "claude-budget" })
    claude.reply({ type: "message", message: { content: [{ type: "text", text: "Cached answer" }], usage: CACHED_USAGE } })
    const client = new Anthropic({ baseURL: router.info.url, apiKey: token, maxRetries: 0 })
    const ask = { model: MODEL, max_tokens: 64, messages: [{ role: "user" as const, content: "hi" }] }
    await client.messages.stream(ask).finalMessage()
    await client.messages.create(ask)
    // The stream's tokens are counted when it ends, just after the client has its last event.
    await vi.waitFor(async () => {
      const stats = (await rawRequest(`${router.info.url}/stats`)).json as { keys: ReadonlyArray<{ name: string; usage: { requests: number } }> }
      expect(stats.keys.find((k) => k.name === "claude-budget")?.usage.requests).toBe(2)
    }, { timeout: 10_000 })
    const refused = await client.messages.create(ask).catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(Anthropic.PermissionDeniedError)
    // 3 + 100 + 50 in, 7 out: 160 per answer
    expect(String((refused as Error).message)).toContain("320 of 300 tokens")
  })
})

describe("the stream session around a relayed answer", () => {
  const cutAfter = (text: string, keep: number) => {
    const events = messageEvents({ content: [{ type: "text", text }] }, "claude-test")
    // message_start, content_block_start, ping, then `keep` text deltas
    return { type: "events" as const, events: events.slice(0, 3 + keep), end: "destroy" as const }
  }

  it("a cut after the first byte, nobody to continue: Anthropic's `error` event, and the SDK throws", async () => {
    const { claude, router } = await setup()
    claude.reply(cutAfter("Hello world, done.", 2))
    const raw = await postJson(`${router.baseUrl}/messages`, { model: MODEL, max_tokens: 50, stream: true, messages: [{ role: "user", content: "hi" }] })
    expect(raw.status).toBe(200)
    expect(raw.text).toContain("event: message_start")
    expect(raw.text).toContain(`"text":"Hell"`)
    expect(raw.text).toMatch(/event: error\ndata: \{"type":"error","error":\{"type":"api_error","message":"[^"]*anthropic:claude-test/)
    expect(raw.text).not.toContain("message_stop")
  })

  it("a cut after the first byte is continued by another provider, in the same message", async () => {
    const { claude, other, client } = await setup(answer("Hello world, done."))
    claude.reply(cutAfter("Hello world, done.", 2))
    const stream = client.messages.stream({ model: "chain", max_tokens: 50, messages: [{ role: "user", content: "hi" }] })
    const final = await stream.finalMessage()
    expect(final.content).toEqual([{ type: "text", text: "Hello world, done." }])
    expect(final.stop_reason).toBe("end_turn")
    expect(other?.received).toHaveLength(1)
    // One message, one text block: Anthropic's own start, the continuation's text in the same block.
    const raw = (await postJson(`${client.baseURL}/v1/messages`, { model: "chain", max_tokens: 50, stream: true, messages: [{ role: "user", content: "hi" }] })).text
    expect(raw.match(/event: message_start/g)).toHaveLength(1)
    expect(raw.match(/event: content_block_start/g)).toHaveLength(1)
    expect(raw).toContain(`"id":"msg_stub"`)
    expect(raw).toMatch(/event: ping\ndata: \{"type":"ping"\}\n\nevent: content_block_delta/)
    expect(raw.match(/event: message_stop/g)).toHaveLength(1)
  })

  it("failover before the first byte to a non-Anthropic provider: translated, as for any", async () => {
    const { claude, client } = await setup(answer("from b"))
    claude.reply({ type: "error", status: 529, errorType: "overloaded_error", message: "Overloaded" })
    const { data, response } = await client.messages.create({ model: "chain", max_tokens: 10, messages: [{ role: "user", content: "hi" }] }).withResponse()
    expect(data.content).toEqual([{ type: "text", text: "from b" }])
    expect(response.headers.get("x-llmrouter-model")).toBe("b:m")
    const streamed = await client.messages.stream({ model: "chain", max_tokens: 10, messages: [{ role: "user", content: "hi" }] }).finalMessage()
    expect(streamed.content).toEqual([{ type: "text", text: "from b" }])
  })
})
