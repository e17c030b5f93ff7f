/**
 * An upstream's reasoning, whatever its kind, reaches Messages clients as thinking blocks (signed
 * only when Anthropic signed them) and Responses clients as `reasoning` items: a summary for
 * Claude's and Gemini's (summarised) thinking, reasoning text for the raw `reasoning_content` of
 * OpenAI-compatible servers; streamed with the documented events, assembled by the official SDKs.
 */
import Anthropic from "@anthropic-ai/sdk"
import OpenAI from "openai"
import { afterEach, describe, expect, it } from "vitest"
import { thinkingSignature } from "../support/anthropicUpstream.js"
import { Resources } from "../support/http.js"
import { BACKENDS, type BackendKind, rootOf, startBackend } from "../support/ingressBackends.js"

const resources = new Resources()
afterEach(() => resources.closeAll())

/** A model of each kind that thinks (the built-in profiles know them), served by `llmrouter/reasoning`. */
const THINKER: Record<BackendKind, string> = {
  openai: "openai:gpt-test",
  anthropic: "anthropic:claude-sonnet-4-5",
  google: "google:gemini-2.5-flash"
}
const THOUGHT = "Six times seven is forty-two."

const setup = (kind: BackendKind) => {
  const [provider, modelId] = THINKER[kind].split(":") as [string, string]
  return startBackend(kind, resources, { categories: { reasoning: [{ provider, modelId }] }, reasoning: { defaultEffort: { reasoning: "low" } } })
}

describe.each(BACKENDS)("reasoning from a %s upstream", (kind) => {
  const signature = kind === "anthropic" ? thinkingSignature(THOUGHT) : ""
  const thinking = { type: "enabled", budget_tokens: 1024 } as const

  it("Messages: a thinking block before the text, created and streamed", async () => {
    const backend = await setup(kind)
    backend.answer({ reasoning: THOUGHT, text: "42." })
    const client = new Anthropic({ baseURL: rootOf(backend.baseUrl), apiKey: "unused", maxRetries: 0 })
    const ask = { model: "llmrouter/reasoning", max_tokens: 4096, thinking, messages: [{ role: "user" as const, content: "6*7?" }] }
    const expected = [{ type: "thinking", thinking: THOUGHT, signature }, { type: "text", text: "42." }]
    expect((await client.messages.create(ask)).content).toEqual(expected)
    const stream = client.messages.stream(ask)
    let streamed = ""
    stream.on("thinking", (delta) => {
      streamed += delta
    })
    expect((await stream.finalMessage()).content).toEqual(expected)
    expect(streamed).toBe(THOUGHT)
  })

  it("Messages: no thinking block unless the client turned thinking on (as Anthropic)", async () => {
    const backend = await setup(kind)
    backend.answer({ reasoning: THOUGHT, text: "42." })
    const client = new Anthropic({ baseURL: rootOf(backend.baseUrl), apiKey: "unused", maxRetries: 0 })
    const ask = { model: "llmrouter/reasoning", max_tokens: 4096, messages: [{ role: "user" as const, content: "6*7?" }] }
    expect((await client.messages.create(ask)).content).toEqual([{ type: "text", text: "42." }])
    expect((await client.messages.stream(ask).finalMessage()).content).toEqual([{ type: "text", text: "42." }])
  })

  it("Responses: a reasoning item before the message, created and streamed", async () => {
    const backend = await setup(kind)
    backend.answer({ reasoning: THOUGHT, text: "42." })
    const client = new OpenAI({ baseURL: backend.baseUrl, apiKey: "unused", maxRetries: 0 })
    const summarised = kind !== "openai"
    const reasoning = summarised
      ? { type: "reasoning", summary: [{ type: "summary_text", text: THOUGHT }], status: "completed" }
      : { type: "reasoning", summary: [], content: [{ type: "reasoning_text", text: THOUGHT }], status: "completed" }
    const ask = { model: THINKER[kind], input: "6*7?", reasoning: { effort: "low" as const } }
    const created = await client.responses.create(ask)
    expect(created.output[0]).toEqual({ id: expect.stringMatching(/^rs_/), ...reasoning })
    expect(created.output[1]).toMatchObject({ type: "message", content: [{ type: "output_text", text: "42." }] })
    expect(created.output_text).toBe("42.")
    expect(created.reasoning).toEqual({ effort: "low", summary: null })

    const stream = client.responses.stream(ask)
    const types: Array<string> = []
    let deltas = ""
    stream.on("event", (event) => {
      types.push(event.type)
      if (event.type === "response.reasoning_summary_text.delta" || event.type === "response.reasoning_text.delta") deltas += event.delta
    })
    const final = await stream.finalResponse()
    expect(final.output[0]).toEqual({ id: expect.stringMatching(/^rs_/), ...reasoning })
    expect(final.output_text).toBe("42.")
    expect(deltas).toBe(THOUGHT)
    const expectedTypes = summarised
      ? ["response.reasoning_summary_part.added", "response.reasoning_summary_text.delta", "response.reasoning_summary_text.done", "response.reasoning_summary_part.done"]
      : ["response.content_part.added", "response.reasoning_text.delta", "response.reasoning_text.done", "response.content_part.done"]
    for (const type of expectedTypes) expect(types).toContain(type)
    expect(types.indexOf("response.output_text.delta")).toBeGreaterThan(types.indexOf(expectedTypes[2] as string))
  })
})

describe("a Responses tool loop on a thinking Claude", () => {
  it("continued by previous_response_id: the signed thinking goes back from the tool-loop memory, Anthropic accepts it", async () => {
    const backend = await startBackend("anthropic", resources)
    const client = new OpenAI({ baseURL: backend.baseUrl, apiKey: "unused", maxRetries: 0 })
    const tools: Array<OpenAI.Responses.FunctionTool> = [{ type: "function", name: "clock", parameters: { type: "object", properties: {} }, strict: null }]
    backend.answer({ reasoning: "I should read the clock.", tools: [{ id: "toolu_rclock", name: "clock", input: {} }] })
    const model = THINKER.anthropic
    const first = await client.responses.stream({ model, input: "Time?", tools, reasoning: { effort: "low" } }).finalResponse()
    expect(first.output[0]).toMatchObject({ type: "reasoning", summary: [{ type: "summary_text", text: "I should read the clock." }] })
    const call = first.output.find((item) => item.type === "function_call")
    expect(call).toMatchObject({ call_id: "toolu_rclock", name: "clock" })
    backend.answer({ text: "Noon." })
    const second = await client.responses.create({
      model,
      previous_response_id: first.id,
      tools,
      reasoning: { effort: "low" },
      input: [{ type: "function_call_output", call_id: "toolu_rclock", output: "12:00" }]
    })
    expect(second.output_text).toBe("Noon.")
    const sent = backend.body() as { thinking?: unknown; messages: Array<{ content: Array<Record<string, unknown>> }> }
    expect(sent.thinking).toMatchObject({ type: "enabled" })
    expect(sent.messages[1]?.content[0]).toEqual({ type: "thinking", thinking: "I should read the clock.", signature: thinkingSignature("I should read the clock.") })
  })
})

describe("a Messages client's thinking settings reach other providers' models", () => {
  it("Gemini: the budget becomes its thinking budget, and its thoughts come back as a thinking block", async () => {
    const backend = await startBackend("google", resources)
    backend.answer({ reasoning: THOUGHT, text: "42." })
    const client = new Anthropic({ baseURL: rootOf(backend.baseUrl), apiKey: "unused", maxRetries: 0 })
    const model = THINKER.google
    const message = await client.messages.create({ model, max_tokens: 4096, thinking: { type: "enabled", budget_tokens: 2048 }, messages: [{ role: "user", content: "6*7?" }] })
    expect(message.content).toEqual([{ type: "thinking", thinking: THOUGHT, signature: "" }, { type: "text", text: "42." }])
    expect(backend.body()).toMatchObject({ generationConfig: { thinkingConfig: { thinkingBudget: 2048, includeThoughts: true } } })
    const off = await client.messages.create({ model, max_tokens: 4096, thinking: { type: "disabled" }, messages: [{ role: "user", content: "6*7?" }] })
    expect(off.content).toEqual([{ type: "text", text: "42." }])
    expect(backend.body()).toMatchObject({ generationConfig: { thinkingConfig: { thinkingBudget: 0 } } })
  })
})
