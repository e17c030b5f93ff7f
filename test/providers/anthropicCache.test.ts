/**
 * Prompt caching on the wire to Anthropic: breakpoints on tools, system and the conversation so
 * far, unless the client set its own; against a loopback Messages API that caches only what is
 * marked, so a conversation's second turn really reads its prefix from the cache.
 */
import OpenAI from "openai"
import { afterEach, describe, expect, it } from "vitest"
import { withCacheBreakpoints } from "../../src/providers/anthropic/cacheBreakpoints.js"
import { SYSTEM_PROMPT, toolDefs } from "../classifier/openclaw.js"
import { startAnthropicUpstream } from "../support/anthropicUpstream.js"
import { Resources } from "../support/http.js"
import { PromptCache } from "../support/promptCache.js"
import { startRouter } from "../support/router.js"

const resources = new Resources()
afterEach(() => resources.closeAll())

const EPHEMERAL = { type: "ephemeral" }
const text = (t: string) => ({ type: "text" as const, text: t })

describe("Anthropic cache breakpoints", () => {
  it("marks tools and system only on a one-shot request", () => {
    const out = withCacheBreakpoints({ tools: [{ name: "a" }, { name: "b" }], system: "S", messages: [{ role: "user", content: [text("hi")] }] })
    expect(out).toEqual({
      tools: [{ name: "a" }, { name: "b", cache_control: EPHEMERAL }],
      system: [{ type: "text", text: "S", cache_control: EPHEMERAL }],
      messages: [{ role: "user", content: [text("hi")] }]
    })
  })

  it("marks the latest message and the previous user turn of a conversation: four breakpoints at most", () => {
    const messages = [
      { role: "user", content: [text("q1")] },
      { role: "assistant", content: [{ type: "thinking", thinking: "…" }, text("a1")] },
      { role: "user", content: [text("q2")] },
      { role: "assistant", content: [{ type: "tool_use", id: "t", name: "a", input: {} }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "t", content: "r" }] }
    ]
    const out = withCacheBreakpoints({ tools: [{ name: "a" }], system: [text("S")], messages })
    expect(JSON.stringify(out).split("cache_control").length - 1).toBe(4)
    expect((out["messages"] as Array<{ content: Array<Record<string, unknown>> }>).map((m) => m.content.at(-1)?.["cache_control"]))
      .toEqual([undefined, undefined, EPHEMERAL, undefined, EPHEMERAL])
  })

  it("leaves a request whose client set its own breakpoints exactly as it was", () => {
    const body = { system: "S", messages: [{ role: "user", content: [{ ...text("big doc"), cache_control: EPHEMERAL }] }, { role: "assistant", content: [text("a")] }] }
    expect(withCacheBreakpoints(body)).toBe(body)
  })

  it("makes the second turn of an OpenClaw conversation read its prefix from Anthropic's cache, streamed", async () => {
    const anthropic = resources.add(await startAnthropicUpstream({ cache: new PromptCache() }))
    anthropic.reply({ type: "message", message: { content: [text("Sure.")] } })
    const router = resources.add(await startRouter(
      { providers: { anthropic: { apiBase: anthropic.url } }, categories: { simple: ["anthropic:claude-x"], coding: ["anthropic:claude-x"] } },
      { env: { ANTHROPIC_API_KEY: "test" } }
    ))
    const client = new OpenAI({ baseURL: router.baseUrl, apiKey: "unused", maxRetries: 0 })
    const ask = async (messages: Array<OpenAI.ChatCompletionMessageParam>) => {
      const stream = await client.chat.completions.create({
        model: "llmrouter/auto",
        messages,
        tools: toolDefs as Array<OpenAI.ChatCompletionTool>,
        stream: true,
        stream_options: { include_usage: true }
      })
      let usage: OpenAI.CompletionUsage | undefined
      for await (const part of stream) usage = part.usage ?? usage
      return usage as OpenAI.CompletionUsage & { prompt_tokens_details?: { cached_tokens?: number; cache_write_tokens?: number } }
    }
    const system = { role: "system" as const, content: SYSTEM_PROMPT }
    const first = await ask([system, { role: "user", content: "write a bash script that renames .jpeg files" }])
    // One-shot: tools and system written, nothing read yet.
    expect(first.prompt_tokens_details?.cached_tokens ?? 0).toBe(0)
    expect(first.prompt_tokens_details?.cache_write_tokens).toBeGreaterThan(0)
    const second = await ask([system, { role: "user", content: "write a bash script that renames .jpeg files" }, { role: "assistant", content: "Sure." }, { role: "user", content: "and in Python?" }])
    expect(second.prompt_tokens_details?.cached_tokens).toBeGreaterThanOrEqual(first.prompt_tokens_details?.cache_write_tokens ?? Infinity)
    expect(anthropic.requests.every((r) => r.rejected === undefined)).toBe(true)
  })
})
