/**
 * Thinking on Claude, end to end: the official `openai` SDK → the real router → the loopback
 * Anthropic API, which refuses (400, like the real one) every request that breaks the extended-
 * thinking rules. JSON and streaming alike.
 */
import { afterEach, describe, expect, it } from "vitest"
import { EFFORTS } from "../../src/config/thinking.js"
import { startAnthropicUpstream, type AnthropicUpstream, type MessageSpec } from "../support/anthropicUpstream.js"
import { Resources } from "../support/http.js"
import { ask, clientOn, toolResults, WEATHER } from "./support.js"

const resources = new Resources()
afterEach(() => resources.closeAll())

const ENV = { ANTHROPIC_API_KEY: "test-anthropic" }
const BUDGET_MODEL = "anthropic:claude-sonnet-4-5"
const ADAPTIVE_MODEL = "anthropic:claude-opus-4-6"

const setup = async (config: Record<string, unknown> = {}, existing?: AnthropicUpstream) => {
  const stub = existing ?? resources.add(await startAnthropicUpstream())
  const client = await clientOn(resources, { providers: { anthropic: { apiBase: stub.url } }, ...config }, ENV)
  return { stub, client }
}

const last = (stub: AnthropicUpstream) => {
  const request = stub.requests[stub.requests.length - 1]
  expect(request?.rejected).toBeUndefined()
  return request?.body ?? {}
}

const THOUGHTFUL: MessageSpec = { content: [{ type: "thinking", thinking: "Let me think this through." }, { type: "text", text: "42" }] }
const user = (content: string) => ({ role: "user" as const, content })

describe.each([false, true])("Claude thinking (stream: %s)", (stream) => {
  it("every effort maps to a legal thinking config, monotonically; none is off", async () => {
    const { stub, client } = await setup()
    stub.reply({ type: "message", message: THOUGHTFUL })
    const budgets: Array<number> = []
    for (const effort of EFFORTS) {
      await ask(client, { model: BUDGET_MODEL, messages: [user("6*7?")], reasoning_effort: effort }, stream)
      const thinking = last(stub)["thinking"] as { budget_tokens?: number } | undefined
      budgets.push(thinking?.budget_tokens ?? 0)
    }
    expect(budgets[0]).toBe(0)
    expect(budgets.slice(1).every((b) => b >= 1024)).toBe(true)
    expect(budgets).toEqual([...budgets].sort((a, b) => a - b))
    expect(new Set(budgets).size).toBeGreaterThan(3)

    const levels: Array<string> = []
    for (const effort of EFFORTS) {
      await ask(client, { model: ADAPTIVE_MODEL, messages: [user("6*7?")], reasoning_effort: effort }, stream)
      const body = last(stub)
      levels.push(body["thinking"] === undefined ? "off" : String((body["output_config"] as { effort: string }).effort))
    }
    expect(levels).toEqual(["off", "low", "low", "medium", "high", "max"])
    expect(stub.requests.every((r) => r.rejected === undefined)).toBe(true)
  })

  it("reasoning comes back as reasoning_content; reasoning.exclude hides it but still thinks", async () => {
    const { stub, client } = await setup()
    stub.reply({ type: "message", message: THOUGHTFUL })
    const shown = await ask(client, { model: BUDGET_MODEL, messages: [user("6*7?")], reasoning_effort: "low" }, stream)
    expect(shown).toMatchObject({ content: "42", reasoning: "Let me think this through." })
    const hidden = await ask(client, { model: BUDGET_MODEL, messages: [user("6*7?")], reasoning: { effort: "high", exclude: true } }, stream)
    expect(hidden).toMatchObject({ content: "42", reasoning: "" })
    expect(last(stub)["thinking"]).toEqual({ type: "enabled", budget_tokens: 16_384 })
    const budget = await ask(client, { model: BUDGET_MODEL, messages: [user("6*7?")], reasoning: { max_tokens: 3000 } }, stream)
    expect(budget.reasoning).toBe("Let me think this through.")
    expect(last(stub)["thinking"]).toEqual({ type: "enabled", budget_tokens: 3000 })
    // No effort asked: the request is the same as before this feature, and no thinking comes back.
    const plain = await ask(client, { model: BUDGET_MODEL, messages: [user("6*7?")] }, stream)
    expect(plain.reasoning).toBe("")
    expect(last(stub)["thinking"]).toBeUndefined()
  })

  it("requests are made legal, and every adjustment is said in x-llmrouter-adjusted", async () => {
    const { stub, client } = await setup()
    stub.reply({ type: "message", message: THOUGHTFUL })
    const raised = await ask(client, { model: BUDGET_MODEL, messages: [user("q")], reasoning_effort: "high", max_tokens: 1000, temperature: 0.3, top_p: 0.5 }, stream)
    expect(last(stub)).toMatchObject({ max_tokens: 17_384, thinking: { type: "enabled", budget_tokens: 16_384 } })
    expect(last(stub)).not.toHaveProperty("temperature")
    expect(last(stub)).not.toHaveProperty("top_p")
    expect(raised.adjusted).toMatch(/max_tokens 1000 -> 17384.*temperature 0.3 dropped.*top_p 0.5 dropped/)

    const capped = await ask(client, { model: "anthropic:claude-opus-4-1", messages: [user("q")], reasoning: { max_tokens: 40_000 }, max_tokens: 30_000 }, stream)
    expect(last(stub)).toMatchObject({ max_tokens: 32_000, thinking: { budget_tokens: 30_976 } })
    expect(capped.adjusted).toMatch(/thinking budget 40000 -> 30976/)

    const forced = await ask(client, {
      model: BUDGET_MODEL, messages: [user("weather?")], reasoning_effort: "medium", tools: [WEATHER],
      tool_choice: { type: "function", function: { name: "weather" } }
    }, stream)
    expect(last(stub)["thinking"]).toBeUndefined()
    expect(forced.adjusted).toMatch(/thinking off: tool_choice forces a tool/)
    expect(forced.reasoning).toBe("")
  })

  it("a three-step tool loop keeps its thinking (signatures intact), redacted thinking included", async () => {
    const { stub, client } = await setup()
    stub.reply(
      { type: "message", message: { content: [{ type: "thinking", thinking: "Need Oslo first." }, { type: "tool_use", id: "toolu_1", name: "weather", input: { city: "Oslo" } }], stop_reason: "tool_use" } },
      { type: "message", message: { content: [{ type: "redacted_thinking", data: "EmwKAhgBEgy-secret" }, { type: "tool_use", id: "toolu_2", name: "weather", input: { city: "Rome" } }], stop_reason: "tool_use" } },
      { type: "message", message: { content: [{ type: "thinking", thinking: "Compare." }, { type: "text", text: "Rome is warmer." }] } }
    )
    const messages: Array<Parameters<typeof ask>[1]["messages"][number]> = [user("Oslo or Rome, which is warmer?")]
    const base = { model: BUDGET_MODEL, tools: [WEATHER], reasoning_effort: "medium" as const }
    const first = await ask(client, { ...base, messages }, stream)
    expect(first.reasoning).toBe("Need Oslo first.")
    messages.push(first.message, ...toolResults(first, "5C"))
    const second = await ask(client, { ...base, messages }, stream)
    expect(second.toolCalls.map((c) => c.id)).toEqual(["toolu_2"])
    messages.push(second.message, ...toolResults(second, "20C"))
    const third = await ask(client, { ...base, messages }, stream)
    expect(third).toMatchObject({ content: "Rome is warmer.", reasoning: "Compare.", adjusted: undefined })
    const sent = last(stub)["messages"] as Array<{ content: Array<Record<string, unknown>> }>
    expect(sent[1]?.content[0]).toMatchObject({ type: "thinking", thinking: "Need Oslo first." })
    expect(sent[3]?.content[0]).toEqual({ type: "redacted_thinking", data: "EmwKAhgBEgy-secret" })
    expect(last(stub)["thinking"]).toEqual({ type: "enabled", budget_tokens: 8192 })
  })

  it("a continuation whose thinking is no longer remembered (restart) still succeeds, thinking off", async () => {
    const { stub, client } = await setup()
    stub.reply(
      { type: "message", message: { content: [{ type: "thinking", thinking: "Look it up." }, { type: "tool_use", id: "toolu_9", name: "weather", input: { city: "Oslo" } }], stop_reason: "tool_use" } },
      { type: "message", message: THOUGHTFUL }
    )
    const base = { model: BUDGET_MODEL, tools: [WEATHER], reasoning_effort: "high" as const }
    const first = await ask(client, { ...base, messages: [user("Oslo?")] }, stream)
    // A new router on the same upstream: its memory is empty.
    const restarted = await setup({}, stub)
    const next = await ask(restarted.client, { ...base, messages: [user("Oslo?"), first.message, ...toolResults(first, "5C")] }, stream)
    expect(next.content).toBe("42")
    expect(next.adjusted).toMatch(/thinking off: the thinking of the tool-calling turn being continued is no longer remembered/)
    expect(last(stub)["thinking"]).toBeUndefined()
  })

  it("histories as agents send them: assistant first, blank assistant turns, trimmed tool calls", async () => {
    const { stub, client } = await setup()
    stub.reply({ type: "message", message: THOUGHTFUL })
    const history = [
      { role: "assistant" as const, content: "Hi! I'm your assistant." },
      { role: "assistant" as const, content: "   " },
      user("Earlier we looked up the weather."),
      { role: "tool" as const, tool_call_id: "call_trimmed", content: "Oslo: 5C" },
      { role: "assistant" as const, content: "" },
      user("So, warm or not?")
    ]
    const turn = await ask(client, { model: BUDGET_MODEL, messages: history, reasoning_effort: "low" }, stream)
    expect(turn.content).toBe("42")
    const sent = last(stub)["messages"] as Array<{ role: string; content: Array<{ type: string; text?: string }> }>
    expect(sent.map((m) => m.role)).toEqual(["user", "assistant", "user"])
    expect(JSON.stringify(sent)).toContain("Hi! I'm your assistant.")
    expect(JSON.stringify(sent)).toContain("Result of tool call call_trimmed:\\nOslo: 5C")
    expect(turn.adjusted).toMatch(/placeholder user turn.*tool result\(s\) whose call is not in the history/)
    // Deterministic: the same history translates to the same bytes (prompt caches stay warm).
    await ask(client, { model: BUDGET_MODEL, messages: history, reasoning_effort: "low" }, stream)
    expect(JSON.stringify(last(stub)["messages"])).toBe(JSON.stringify(sent))
  })
})

describe("llmrouter/reasoning thinks by default", () => {
  it("at the configured effort, unless the client says otherwise", async () => {
    const { stub, client } = await setup({ categories: { reasoning: [BUDGET_MODEL] }, reasoning: { defaultEffort: { reasoning: "high" } } })
    stub.reply({ type: "message", message: THOUGHTFUL })
    const turn = await ask(client, { model: "llmrouter/reasoning", messages: [user("prove it")] }, false)
    expect(turn.reasoning).toBe("Let me think this through.")
    expect(last(stub)["thinking"]).toEqual({ type: "enabled", budget_tokens: 16_384 })
    await ask(client, { model: "llmrouter/reasoning", messages: [user("prove it")], reasoning_effort: "none" }, false)
    expect(last(stub)["thinking"]).toBeUndefined()
  })
})
