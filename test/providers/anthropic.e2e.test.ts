/**
 * End to end: the official `openai` SDK → the real router → the loopback Anthropic API. Asserts
 * what the SDK assembles (content, tool calls with parsed arguments, usage) and that failures are
 * failures (a mid-stream `error` event makes the SDK throw; a 529 fails over to OpenAI).
 */
import OpenAI from "openai"
import { afterEach, describe, expect, it } from "vitest"
import type { RouterConfigInput } from "../../src/config/schema.js"
import { messageEvents, startAnthropicUpstream, type AnthropicUpstream, type MessageSpec } from "../support/anthropicUpstream.js"
import { Resources } from "../support/http.js"
import { answer, startUpstream } from "../support/openaiUpstream.js"
import { startRouter } from "../support/router.js"

const resources = new Resources()
afterEach(() => resources.closeAll())

const ENV = { ANTHROPIC_API_KEY: "test-anthropic", OPENAI_API_KEY: "test-openai" }
const MODEL = "anthropic:claude-x"

const setup = async (extra: Partial<RouterConfigInput> = {}) => {
  const stub = resources.add(await startAnthropicUpstream())
  const router = resources.add(await startRouter({ providers: { anthropic: { apiBase: stub.url } }, retry: { backoffMs: 1 }, ...extra }, { env: ENV }))
  const client = new OpenAI({ baseURL: router.baseUrl, apiKey: "unused", maxRetries: 0 })
  return { stub, client }
}

const TOOLS: Array<OpenAI.Chat.Completions.ChatCompletionTool> = [
  { type: "function", function: { name: "weather", parameters: { type: "object", properties: { city: { type: "string" } } } } },
  { type: "function", function: { name: "time", parameters: { type: "object", properties: { tz: { type: "string" } } } } }
]

const PARALLEL: MessageSpec = {
  id: "msg_e2e",
  content: [
    { type: "text", text: "Let me look both up for you." },
    { type: "tool_use", id: "toolu_01", name: "weather", input: { city: "São Paulo", units: "metric", days: [1, 2, 3] } },
    { type: "tool_use", id: "toolu_02", name: "time", input: { tz: "America/Sao_Paulo" } }
  ],
  stop_reason: "tool_use",
  usage: { input_tokens: 31, cache_read_input_tokens: 9, output_tokens: 57 }
}

const lastRequest = (stub: AnthropicUpstream) => stub.requests[stub.requests.length - 1]

describe("Anthropic through the router (openai SDK)", () => {
  it("streams text + parallel tool calls split across many deltas, with usage in the final chunk", async () => {
    const { stub, client } = await setup()
    stub.reply({ type: "message", message: PARALLEL, textChunk: 2, jsonChunk: 2 })
    const stream = client.chat.completions.stream({
      model: MODEL,
      messages: [{ role: "user", content: "Weather and time in São Paulo?" }],
      tools: TOOLS,
      stream_options: { include_usage: true }
    })
    const chunks: Array<OpenAI.Chat.Completions.ChatCompletionChunk> = []
    for await (const chunk of stream) chunks.push(chunk)
    const final = await stream.finalChatCompletion()
    const message = final.choices[0]?.message
    expect(message?.content).toBe("Let me look both up for you.")
    expect(final.choices[0]?.finish_reason).toBe("tool_calls")
    expect(message?.tool_calls?.map((c) => c.type === "function" ? [c.id, c.function.name, JSON.parse(c.function.arguments)] : [])).toEqual([
      ["toolu_01", "weather", { city: "São Paulo", units: "metric", days: [1, 2, 3] }],
      ["toolu_02", "time", { tz: "America/Sao_Paulo" }]
    ])
    const last = chunks[chunks.length - 1]
    expect(last?.choices).toEqual([])
    expect(last?.usage).toMatchObject({ prompt_tokens: 40, completion_tokens: 57, total_tokens: 97, prompt_tokens_details: { cached_tokens: 9 } })
    // many argument fragments really went through
    expect(chunks.filter((c) => c.choices[0]?.delta.tool_calls?.[0]?.function?.arguments).length).toBeGreaterThan(20)
    expect(lastRequest(stub)?.body).toMatchObject({ model: "claude-x", stream: true, max_tokens: 4096, tools: [{ name: "weather" }, { name: "time" }] })
  })

  it("non-streaming tool calls and a tool-result round trip", async () => {
    const { stub, client } = await setup()
    stub.reply({ type: "message", message: PARALLEL }, { type: "message", message: { content: [{ type: "text", text: "Sunny, 10am." }] } })
    const first = await client.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "Both?" }], tools: TOOLS })
    const calls = first.choices[0]?.message.tool_calls ?? []
    expect(first.choices[0]?.finish_reason).toBe("tool_calls")
    expect(calls).toHaveLength(2)
    const second = await client.chat.completions.create({
      model: MODEL,
      tools: TOOLS,
      messages: [
        { role: "user", content: "Both?" },
        first.choices[0]!.message,
        ...calls.map((call, i) => ({ role: "tool" as const, tool_call_id: call.id, content: i === 0 ? "sunny" : "10am" }))
      ]
    })
    expect(second.choices[0]?.message.content).toBe("Sunny, 10am.")
    expect(lastRequest(stub)?.rejected).toBeUndefined()
    expect(lastRequest(stub)?.body["messages"]).toMatchObject([
      { role: "user" },
      { role: "assistant", content: [{ type: "text" }, { type: "tool_use", id: "toolu_01" }, { type: "tool_use", id: "toolu_02" }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_01", content: "sunny" }, { type: "tool_result", tool_use_id: "toolu_02", content: "10am" }] }
    ])
    expect(second.usage).toMatchObject({ prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 })
  })

  it("sends an image input as an image block", async () => {
    const { stub, client } = await setup()
    stub.reply({ type: "message", message: { content: [{ type: "text", text: "A red dot." }] } })
    const result = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: "user", content: [
        { type: "text", text: "What is this?" },
        { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
        { type: "image_url", image_url: { url: "https://example.com/dot.png" } }
      ] }]
    })
    expect(result.choices[0]?.message.content).toBe("A red dot.")
    expect(lastRequest(stub)?.body["messages"]).toEqual([{ role: "user", content: [
      { type: "text", text: "What is this?" },
      { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } },
      { type: "image", source: { type: "url", url: "https://example.com/dot.png" } }
    ] }])
  })

  it("an error event mid-stream makes the SDK throw instead of ending cleanly", async () => {
    const { stub, client } = await setup()
    const events = messageEvents({ content: [{ type: "text", text: "This answer will be cut off" }] }, "claude-x").slice(0, 6)
    events.push({ event: "error", data: { type: "error", error: { type: "overloaded_error", message: "Overloaded" } } })
    stub.reply({ type: "events", events })
    const stream = await client.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "hi" }], stream: true })
    let text = ""
    await expect((async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? ""
    })()).rejects.toThrow()
    expect(text.length).toBeGreaterThan(0)
  })

  it("an upstream 400 reaches the SDK as a BadRequestError with Anthropic's message", async () => {
    const { stub, client } = await setup()
    stub.reply({ type: "error", status: 400, errorType: "invalid_request_error", message: "prompt is too long: 210000 tokens > 200000 maximum" })
    const error = await client.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "hi" }] }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OpenAI.BadRequestError)
    expect((error as Error).message).toContain("prompt is too long")
  })

  it("a field Anthropic cannot express is a 400 naming it, and nothing is sent upstream", async () => {
    const { stub, client } = await setup()
    const error = await client.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "hi" }], n: 3 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OpenAI.BadRequestError)
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).param).toBe("n")
    expect(stub.requests).toHaveLength(0)
  })

  it("fails over from an overloaded (529) Anthropic endpoint to an OpenAI one in a priority model", async () => {
    const anthropic = resources.add(await startAnthropicUpstream())
    anthropic.reply({ type: "error", status: 529, errorType: "overloaded_error", message: "Overloaded" })
    const openai = resources.add(await startUpstream(answer("Hello from OpenAI")))
    const router = resources.add(await startRouter({
      models: { m: { strategy: "priority", endpoints: [{ provider: "anthropic", modelId: "claude-x" }, { provider: "openai", modelId: "gpt-x" }] } },
      providers: { anthropic: { apiBase: anthropic.url }, openai: { apiBase: `${openai.url}` } },
      retry: { backoffMs: 1 }
    }, { env: ENV }))
    const client = new OpenAI({ baseURL: router.baseUrl, apiKey: "unused", maxRetries: 0 })
    const { data, response } = await client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "hi" }] }).withResponse()
    expect(data.choices[0]?.message.content).toBe("Hello from OpenAI")
    expect(response.headers.get("x-llmrouter-model")).toBe("openai:gpt-x")
    expect(anthropic.requests.length).toBeGreaterThanOrEqual(1)
    expect(openai.received[0]?.body["model"]).toBe("gpt-x")
    const streamed = await client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "hi" }], stream: true })
    let text = ""
    for await (const chunk of streamed) text += chunk.choices[0]?.delta.content ?? ""
    expect(text).toBe("Hello from OpenAI")
  })
})
