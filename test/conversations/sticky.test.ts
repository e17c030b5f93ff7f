/**
 * Conversation-aware `llmrouter/auto` through the real server: one caching upstream per category
 * (they report `cached_tokens` for a repeated prefix, as OpenAI does), so where each turn went and
 * what its cache did are both observable.
 */
import OpenAI from "openai"
import { afterEach, describe, expect, it } from "vitest"
import type { RouterConfigInput } from "../../src/config/schema.js"
import { internalBlock, openClaw2026, stamp } from "../classifier/openclaw.js"
import { postJson, Resources } from "../support/http.js"
import { cachingAnswer, startUpstream, type Upstream } from "../support/openaiUpstream.js"
import { PromptCache } from "../support/promptCache.js"
import { startRouter } from "../support/router.js"

const resources = new Resources()
afterEach(() => resources.closeAll())

const CATEGORIES = ["simple", "coding", "reasoning", "vision"] as const
type Category = (typeof CATEGORIES)[number]

const CODING = "Write a Python function that parses ISO-8601 dates"
const REASONING = "A train leaves at 3pm going 60 km/h and a second one leaves the same station at 4pm going 90 km/h. When does the second catch up? Show your reasoning step by step."
const SYSTEM = "You are a careful assistant. ".repeat(40)

const start = async (extra: Partial<RouterConfigInput> = {}) => {
  const cache = new PromptCache()
  const upstreams = {} as Record<Category, Upstream>
  for (const c of CATEGORIES) upstreams[c] = resources.add(await startUpstream(cachingAnswer(`from ${c}`, cache)))
  const router = resources.add(await startRouter({
    providers: Object.fromEntries(CATEGORIES.map((c) => [c, { derives: "openai", apiBase: upstreams[c].url, requiresKey: false }])),
    categories: Object.fromEntries(CATEGORIES.map((c) => [c, [`${c}:${c}-model`]])),
    auto: { minConfidence: 0.5 },
    ...extra
  }))
  const ask = async (messages: ReadonlyArray<unknown>, extraBody: Record<string, unknown> = {}, headers: Record<string, string> = {}) => {
    const response = await postJson(`${router.baseUrl}/chat/completions`, { model: "llmrouter/auto", messages, ...extraBody }, headers)
    expect(response.status).toBe(200)
    const json = response.json as { choices: Array<{ message: { content: string } }>; usage: { prompt_tokens_details?: { cached_tokens: number } } }
    return {
      text: json.choices[0]?.message.content,
      category: response.headers["x-llmrouter-category"],
      reason: response.headers["x-llmrouter-reason"],
      conversation: response.headers["x-llmrouter-conversation"],
      confidence: response.headers["x-llmrouter-confidence"],
      cached: json.usage.prompt_tokens_details?.cached_tokens ?? 0
    }
  }
  return { router, upstreams, ask }
}

const conversation = (...turns: ReadonlyArray<string>) =>
  turns.map((content, i) => ({ role: i % 2 === 0 ? "user" : "assistant", content }))

describe("conversation-aware auto routing", () => {
  it("keeps a follow-up on the endpoint whose cache is warm, which then reports the cached prefix", async () => {
    const { ask, upstreams } = await start()
    const first = await ask([{ role: "system", content: SYSTEM }, ...conversation(CODING)])
    expect(first).toMatchObject({ category: "coding", reason: "fresh", cached: 0 })
    expect(first.conversation).toMatch(/^prefix:[0-9a-f]{12}$/)
    const second = await ask([{ role: "system", content: SYSTEM }, ...conversation(CODING, "from coding", "thanks, that's great!")])
    expect(second).toMatchObject({ category: "coding", reason: "sticky", text: "from coding", conversation: first.conversation })
    expect(second.cached).toBeGreaterThan(0)
    expect(upstreams.simple.received).toHaveLength(0)
  })

  it("without the conversation, the same follow-up would have gone to simple (the control)", async () => {
    const { ask } = await start()
    const alone = await ask([{ role: "system", content: "another system prompt" }, ...conversation("hello", "hi!", "thanks, that's great!")])
    expect(alone).toMatchObject({ category: "simple", reason: "fresh" })
  })

  it("escalates a simple conversation that turns into a reasoning problem", async () => {
    const { ask } = await start()
    expect(await ask(conversation("hi there! how are you today?"))).toMatchObject({ category: "simple", reason: "fresh" })
    const next = await ask(conversation("hi there! how are you today?", "from simple", REASONING))
    expect(next).toMatchObject({ category: "reasoning", reason: "escalated" })
    // …and stays there: the next small talk does not go back down while the cache is warm.
    const after = await ask(conversation("hi there! how are you today?", "from simple", REASONING, "from reasoning", "ok thanks"))
    expect(after).toMatchObject({ category: "reasoning", reason: "sticky" })
  })

  it("de-escalates once the pinned provider's cache has gone cold", async () => {
    const { ask } = await start({ conversations: { cacheTtlMs: { reasoning: 30 } } })
    expect(await ask(conversation(REASONING))).toMatchObject({ category: "reasoning" })
    await new Promise((resolve) => setTimeout(resolve, 60))
    expect(await ask(conversation(REASONING, "from reasoning", "ok thanks"))).toMatchObject({ category: "simple", reason: "fresh" })
  })

  it("keeps conversations apart", async () => {
    const { ask } = await start()
    await ask(conversation(CODING))
    await ask(conversation("what's the capital of France?"))
    expect(await ask(conversation("what's the capital of France?", "from simple", "ok thanks"))).toMatchObject({ category: "simple", reason: "sticky" })
    expect(await ask(conversation(CODING, "from coding", "ok thanks"))).toMatchObject({ category: "coding", reason: "sticky" })
  })

  it("identifies a conversation by x-session-id, even across requests that carry no history", async () => {
    const { ask } = await start()
    const header = { "x-session-id": "chat-42" }
    expect(await ask(conversation(CODING), {}, header)).toMatchObject({ category: "coding", conversation: expect.stringMatching(/^header:/) })
    expect(await ask(conversation("ok thanks"), {}, header)).toMatchObject({ category: "coding", reason: "sticky" })
    expect(await ask(conversation("ok thanks"), {}, { "x-session-id": "chat-43" })).toMatchObject({ category: "simple", reason: "fresh" })
  })

  it("identifies a conversation by prompt_cache_key, which reaches the OpenAI-compatible upstream unchanged", async () => {
    const { ask, upstreams } = await start()
    const key = { prompt_cache_key: "conv-7" }
    expect(await ask(conversation(CODING), key)).toMatchObject({ category: "coding", conversation: expect.stringMatching(/^prompt_cache_key:/) })
    expect(await ask(conversation("ok thanks"), key)).toMatchObject({ category: "coding", reason: "sticky" })
    expect(upstreams.coding.received.map((r) => r.body.prompt_cache_key)).toEqual(["conv-7", "conv-7"])
  })

  it("identifies by `user` only for requests that carry history", async () => {
    const { ask } = await start()
    const user = { user: "alice" }
    await ask(conversation(CODING), user)
    expect(await ask(conversation("ok thanks"), user)).toMatchObject({ category: "simple", reason: "fresh" })
    await ask(conversation(CODING), user)
    expect(await ask(conversation("hey", "from simple", "ok thanks"), user)).toMatchObject({ category: "coding", reason: "sticky" })
  })

  it("sends a tool result back to the model that called the tool, unclassified, even after its cache went cold", async () => {
    const { ask, upstreams } = await start({ conversations: { cacheTtlMs: { coding: 1 } } })
    // OpenClaw-shaped: the user's stamped text, and an internal block after the tool result.
    const history = [{ role: "user", content: stamp(CODING) }]
    expect(await ask(history)).toMatchObject({ category: "coding", reason: "fresh" })
    await new Promise((resolve) => setTimeout(resolve, 20))
    const toolCall = { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "exec", arguments: "{}" } }] }
    const toolTurn = [...history, toolCall, { role: "tool", tool_call_id: "call_1", content: "ok" }, internalBlock()]
    const result = await ask(toolTurn)
    expect(result).toMatchObject({ category: "coding", reason: "tool-loop", text: "from coding" })
    expect(result.confidence).toBeUndefined()
    // A user turn after the cold cache is classified afresh.
    expect(await ask([...toolTurn.slice(0, 3), { role: "assistant", content: "done" }, { role: "user", content: "ok thanks" }]))
      .toMatchObject({ category: "simple", reason: "fresh" })
    expect(upstreams.coding.received).toHaveLength(2)
  })

  it("re-pins a conversation to the endpoint that answered after a failover", async () => {
    const cache = new PromptCache()
    const broken = resources.add(await startUpstream((_request, response) => void response.writeHead(500).end("{}")))
    const backup = resources.add(await startUpstream(cachingAnswer("from backup", cache)))
    const router = resources.add(await startRouter({
      providers: { a: { derives: "openai", apiBase: broken.url, requiresKey: false }, b: { derives: "openai", apiBase: backup.url, requiresKey: false } },
      categories: { coding: ["a:coder", "b:coder"], simple: ["a:small", "b:small"] },
      retry: { sameEndpointRetries: 0 }
    }))
    const post = (messages: ReadonlyArray<unknown>) => postJson(`${router.baseUrl}/chat/completions`, { model: "auto", messages })
    const first = await post(conversation(CODING))
    expect(first.headers["x-llmrouter-model"]).toBe("b:coder")
    const tried = broken.received.length
    const second = await post(conversation(CODING, "from backup", "ok thanks"))
    expect(second.headers["x-llmrouter-model"]).toBe("b:coder")
    expect(second.headers["x-llmrouter-reason"]).toBe("sticky")
    // The pinned endpoint was tried first: the broken one was not called again.
    expect(broken.received).toHaveLength(tried)
  })

  it("streams an OpenClaw conversation sticky, with the cache hit in the usage chunk", async () => {
    const { router, upstreams } = await start()
    const client = new OpenAI({ baseURL: router.baseUrl, apiKey: "unused", maxRetries: 0 })
    const send = async (body: unknown) => {
      const { data: stream, response } = await client.chat.completions
        .create(body as OpenAI.ChatCompletionCreateParamsStreaming)
        .withResponse()
      let text = ""
      let cached = 0
      for await (const part of stream) {
        text += part.choices[0]?.delta.content ?? ""
        cached = part.usage?.prompt_tokens_details?.cached_tokens ?? cached
      }
      return { text, cached, reason: response.headers.get("x-llmrouter-reason"), category: response.headers.get("x-llmrouter-category") }
    }
    const first = await send(openClaw2026(CODING))
    expect(first).toMatchObject({ text: "from coding", reason: "fresh", category: "coding" })
    const history = [{ role: "user", content: stamp(CODING) }, { role: "assistant", content: "from coding" }]
    const second = await send(openClaw2026("thanks, that's great!", history))
    expect(second).toMatchObject({ text: "from coding", reason: "sticky", category: "coding" })
    expect(second.cached).toBeGreaterThan(0)
    expect(upstreams.simple.received).toHaveLength(0)
  })

  it("classifies every request on its own when conversations are disabled", async () => {
    const { ask } = await start({ conversations: { enabled: false } })
    await ask(conversation(CODING))
    const next = await ask(conversation(CODING, "from coding", "ok thanks"))
    expect(next).toMatchObject({ category: "simple", reason: "fresh" })
    expect(next.conversation).toBeUndefined()
  })
})
