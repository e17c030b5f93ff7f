/**
 * `POST /v1/messages` with the official Anthropic SDK, against each kind of upstream: text, the
 * stream's event sequence, tools over two turns, images. Anthropic upstreams get the client's body
 * natively; the others a translation.
 */
import Anthropic from "@anthropic-ai/sdk"
import { afterEach, describe, expect, it } from "vitest"
import { BACKENDS, type Backend, rootOf, startBackend } from "../support/ingressBackends.js"
import { Resources } from "../support/http.js"

const resources = new Resources()
afterEach(() => resources.closeAll())

const client = (backend: Backend) => new Anthropic({ baseURL: rootOf(backend.baseUrl), apiKey: "unused", maxRetries: 0 })

const WEATHER: Anthropic.Tool = {
  name: "weather",
  description: "Weather for a city",
  input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] }
}

// 1x1 transparent PNG
const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="

describe.each(BACKENDS)("Anthropic SDK → llmrouter → %s upstream", (kind) => {
  it("messages.create: a message with text, end_turn and usage", async () => {
    const backend = await startBackend(kind, resources)
    backend.answer({ text: "Hi there, friend.", usage: { input: 12, output: 4 } })
    const message = await client(backend).messages.create({
      model: backend.model,
      max_tokens: 100,
      system: "Be brief.",
      messages: [{ role: "user", content: "Say hi" }]
    })
    expect(message.type).toBe("message")
    expect(message.role).toBe("assistant")
    expect(message.id).toMatch(/^msg_/)
    expect(message.content).toEqual([{ type: "text", text: "Hi there, friend." }])
    expect(message.stop_reason).toBe("end_turn")
    expect(message.usage).toMatchObject({ input_tokens: 12, output_tokens: 4 })
    if (kind === "anthropic") expect(backend.body()).toMatchObject({ model: "claude-test", max_tokens: 100, system: "Be brief.", messages: [{ role: "user", content: "Say hi" }] })
  })

  it("messages.stream: the real event sequence, assembled by the SDK", async () => {
    const backend = await startBackend(kind, resources)
    backend.answer({ text: "One two three four five six.", usage: { input: 9, output: 6 } })
    const stream = client(backend).messages.stream({ model: backend.model, max_tokens: 50, messages: [{ role: "user", content: "Count" }] })
    const types: Array<string> = []
    stream.on("streamEvent", (event) => types.push(event.type))
    let text = ""
    stream.on("text", (delta) => {
      text += delta
    })
    const final = await stream.finalMessage()
    expect(text).toBe("One two three four five six.")
    expect(final.content).toEqual([{ type: "text", text: "One two three four five six." }])
    expect(final.stop_reason).toBe("end_turn")
    expect(final.usage.output_tokens).toBe(6)
    expect(final.usage.input_tokens).toBe(9)
    expect(types[0]).toBe("message_start")
    expect(types[1]).toBe("content_block_start")
    expect(types.filter((t) => t === "content_block_delta").length).toBeGreaterThan(0)
    expect(types.slice(-3)).toEqual(["content_block_stop", "message_delta", "message_stop"])
  })

  it("tools: tool_use answered, then tool_result sent back in the next turn", async () => {
    const backend = await startBackend(kind, resources)
    const anthropic = client(backend)
    backend.answer({ text: "Let me check.", tools: [{ id: "toolu_01abc", name: "weather", input: { city: "Paris" } }] })
    const first = await anthropic.messages.create({
      model: backend.model,
      max_tokens: 200,
      tools: [WEATHER],
      tool_choice: { type: "auto" },
      messages: [{ role: "user", content: "Weather in Paris?" }]
    })
    expect(first.stop_reason).toBe("tool_use")
    const use = first.content.find((b) => b.type === "tool_use")
    expect(use).toMatchObject({ type: "tool_use", name: "weather", input: { city: "Paris" } })
    if (use?.type !== "tool_use") throw new Error("no tool_use")

    backend.answer({ text: "Sunny, 21°C." })
    const stream = anthropic.messages.stream({
      model: backend.model,
      max_tokens: 200,
      tools: [WEATHER],
      messages: [
        { role: "user", content: "Weather in Paris?" },
        { role: "assistant", content: first.content },
        { role: "user", content: [{ type: "tool_result", tool_use_id: use.id, content: "21°C, sunny" }] }
      ]
    })
    expect((await stream.finalMessage()).content).toEqual([{ type: "text", text: "Sunny, 21°C." }])
    const sent = JSON.stringify(backend.body())
    expect(sent).toContain("21°C, sunny")
    expect(sent).toContain("Paris")
  })

  it("streams a tool call's input as input_json_delta and the SDK parses it", async () => {
    const backend = await startBackend(kind, resources)
    backend.answer({ tools: [{ id: "toolu_02xyz", name: "weather", input: { city: "São Paulo", days: [1, 2] } }] })
    const final = await client(backend).messages.stream({
      model: backend.model,
      max_tokens: 100,
      tools: [WEATHER],
      messages: [{ role: "user", content: "Weather?" }]
    }).finalMessage()
    expect(final.stop_reason).toBe("tool_use")
    expect(final.content).toEqual([{ type: "tool_use", id: kind === "google" ? expect.any(String) : "toolu_02xyz", name: "weather", input: { city: "São Paulo", days: [1, 2] } }])
  })

  it("images: a base64 image reaches the upstream in its own format", async () => {
    const backend = await startBackend(kind, resources)
    backend.answer({ text: "A tiny image." })
    const message = await client(backend).messages.create({
      model: backend.model,
      max_tokens: 50,
      messages: [{
        role: "user",
        content: [{ type: "image", source: { type: "base64", media_type: "image/png", data: PNG } }, { type: "text", text: "What is this?" }]
      }]
    })
    expect(message.content).toEqual([{ type: "text", text: "A tiny image." }])
    expect(JSON.stringify(backend.body())).toContain(PNG)
  })
})

describe("Anthropic upstream gets the Messages body natively", () => {
  it("keeps cache_control, metadata and the anthropic-beta header", async () => {
    const backend = await startBackend("anthropic", resources)
    await client(backend).messages.create(
      {
        model: backend.model,
        max_tokens: 64,
        metadata: { user_id: "u-1" },
        system: [{ type: "text", text: "Long shared context", cache_control: { type: "ephemeral" } }],
        messages: [{ role: "user", content: [{ type: "text", text: "hi", cache_control: { type: "ephemeral" } }] }]
      },
      { headers: { "anthropic-beta": "prompt-caching-2024-07-31" } }
    )
    expect(backend.body()).toEqual({
      model: "claude-test",
      max_tokens: 64,
      metadata: { user_id: "u-1" },
      system: [{ type: "text", text: "Long shared context", cache_control: { type: "ephemeral" } }],
      messages: [{ role: "user", content: [{ type: "text", text: "hi", cache_control: { type: "ephemeral" } }] }]
    })
  })
})
