/**
 * Thinking on Gemini, end to end: the official `openai` SDK → the real router → the loopback
 * Gemini API, which refuses (400, like the real one) budgets outside a 2.5 model's range, levels a
 * Gemini 3 model lacks, budget and level together, and replayed function calls without a thought
 * signature it issued. JSON and streaming alike.
 */
import { afterEach, describe, expect, it } from "vitest"
import { EFFORTS } from "../../src/config/thinking.js"
import { startGeminiUpstream, type GeminiReply, type GeminiUpstream } from "../support/geminiUpstream.js"
import { Resources } from "../support/http.js"
import { ask, clientOn, toolResults, WEATHER } from "./support.js"

const resources = new Resources()
afterEach(() => resources.closeAll())

const ENV = { GEMINI_API_KEY: "AIza-test" }

const setup = async (existing?: GeminiUpstream) => {
  const stub = existing ?? resources.add(await startGeminiUpstream())
  const client = await clientOn(resources, { providers: { google: { apiBase: stub.url } } }, ENV)
  return { stub, client }
}

const last = (stub: GeminiUpstream) => {
  const request = stub.requests[stub.requests.length - 1]
  expect(request?.rejected).toBeUndefined()
  return request?.body ?? {}
}
const thinkingConfig = (stub: GeminiUpstream) =>
  (last(stub)["generationConfig"] as { thinkingConfig?: Record<string, unknown> } | undefined)?.thinkingConfig

const THOUGHTFUL: GeminiReply = {
  type: "response",
  candidates: [{ parts: [{ text: "Thinking it over.", thought: true }, { text: "42" }], finishReason: "STOP" }],
  usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 1, thoughtsTokenCount: 12, totalTokenCount: 18 }
}
const user = (content: string) => ({ role: "user" as const, content })
const callReply = (city: string, signature: string): GeminiReply => ({
  type: "response",
  candidates: [{ parts: [{ text: `Checking ${city}.`, thought: true }, { functionCall: { name: "weather", args: { city } }, thoughtSignature: signature }], finishReason: "STOP" }]
})

describe.each([false, true])("Gemini thinking (stream: %s)", (stream) => {
  it.each([
    ["gemini-2.5-pro", [128, 1024, 4096, 8192, 16_384, 32_768]],
    ["gemini-2.5-flash", [0, 1024, 4096, 8192, 16_384, 24_576]],
    ["gemini-3-pro-preview", ["low", "low", "low", "high", "high", "high"]],
    ["gemini-3-flash-preview", ["minimal", "minimal", "low", "medium", "high", "high"]]
  ])("every effort on %s maps within its documented range, monotonically", async (model, expected) => {
    const { stub, client } = await setup()
    stub.reply(THOUGHTFUL)
    const sent: Array<unknown> = []
    for (const effort of EFFORTS) {
      await ask(client, { model: `google:${model}`, messages: [user("6*7?")], reasoning_effort: effort }, stream)
      const config = thinkingConfig(stub)
      sent.push(config?.["thinkingLevel"] ?? config?.["thinkingBudget"])
    }
    expect(sent).toEqual(expected)
  })

  it("thoughts come back as reasoning_content with reasoning_tokens; exclude hides them", async () => {
    const { stub, client } = await setup()
    stub.reply(THOUGHTFUL)
    const shown = await ask(client, { model: "google:gemini-2.5-flash", messages: [user("6*7?")], reasoning_effort: "medium" }, stream)
    expect(shown).toMatchObject({ content: "42", reasoning: "Thinking it over.", reasoningTokens: 12 })
    expect(thinkingConfig(stub)).toEqual({ thinkingBudget: 8192, includeThoughts: true })
    const hidden = await ask(client, { model: "google:gemini-2.5-flash", messages: [user("6*7?")], reasoning: { effort: "high", exclude: true } }, stream)
    expect(hidden).toMatchObject({ content: "42", reasoning: "" })
    expect(thinkingConfig(stub)).toEqual({ thinkingBudget: 16_384, includeThoughts: false })
  })

  it("a three-step tool loop on Gemini 3 replays each thought signature; after a restart the sentinel keeps it going", async () => {
    const { stub, client } = await setup()
    stub.reply(callReply("Oslo", "sig-oslo"), callReply("Rome", "sig-rome"), THOUGHTFUL)
    const base = { model: "google:gemini-3-pro-preview", tools: [WEATHER], reasoning_effort: "high" as const }
    const messages: Array<Parameters<typeof ask>[1]["messages"][number]> = [user("Oslo or Rome?")]
    const first = await ask(client, { ...base, messages }, stream)
    expect(first.reasoning).toBe("Checking Oslo.")
    messages.push(first.message, ...toolResults(first, "5C"))
    const second = await ask(client, { ...base, messages }, stream)
    messages.push(second.message, ...toolResults(second, "20C"))
    const third = await ask(client, { ...base, messages }, stream)
    expect(third).toMatchObject({ content: "42", adjusted: undefined })
    const contents = last(stub)["contents"] as Array<{ parts: Array<Record<string, unknown>> }>
    expect(contents[1]?.parts.find((p) => "functionCall" in p)?.["thoughtSignature"]).toBe("sig-oslo")
    expect(contents[3]?.parts.find((p) => "functionCall" in p)?.["thoughtSignature"]).toBe("sig-rome")

    const restarted = await setup(stub)
    const again = await ask(restarted.client, { ...base, messages }, stream)
    expect(again.content).toBe("42")
    expect(again.adjusted).toMatch(/thought signature .* no longer remembered/)
  })

  it("histories as agents send them: assistant first, blank turns, trimmed tool calls", async () => {
    const { stub, client } = await setup()
    stub.reply(THOUGHTFUL)
    const history = [
      { role: "assistant" as const, content: "Hello! Ask me anything." },
      user("Earlier:"),
      { role: "tool" as const, tool_call_id: "call_gone", content: "{\"temp\":5}" },
      { role: "assistant" as const, content: "  " },
      user("Warm?")
    ]
    const turn = await ask(client, { model: "google:gemini-2.5-flash", messages: history }, stream)
    expect(turn.content).toBe("42")
    const contents = last(stub)["contents"] as Array<{ role: string }>
    expect(contents.map((c) => c.role)).toEqual(["user", "model", "user"])
    expect(JSON.stringify(contents)).toContain("Result of tool call call_gone")
  })
})
