/**
 * Sticky conversations on translated upstreams: a Gemini API whose implicit cache reports
 * `cachedContentTokenCount` for a repeated prefix, and an Anthropic API that caches what the
 * router marked. The follow-up stays on the model that served the first turn, reads its cache,
 * and `/stats` counts exactly the cached tokens the upstream reported.
 */
import OpenAI from "openai"
import { afterEach, describe, expect, it } from "vitest"
import type { Stats } from "../../src/http/stats.js"
import { SYSTEM_PROMPT } from "../classifier/openclaw.js"
import { startAnthropicUpstream } from "../support/anthropicUpstream.js"
import { startGeminiUpstream } from "../support/geminiUpstream.js"
import { Resources } from "../support/http.js"
import { PromptCache } from "../support/promptCache.js"
import { startRouter } from "../support/router.js"

const resources = new Resources()
afterEach(() => resources.closeAll())

type Usage = OpenAI.CompletionUsage & { prompt_tokens_details?: { cached_tokens?: number } }

const CODING = "Write a Python function that parses ISO-8601 dates"

const converse = async (baseUrl: string, stream: boolean) => {
  const client = new OpenAI({ baseURL: baseUrl, apiKey: "unused", maxRetries: 0 })
  const ask = async (messages: Array<OpenAI.ChatCompletionMessageParam>) => {
    if (!stream) {
      const { data, response } = await client.chat.completions.create({ model: "llmrouter/auto", messages }).withResponse()
      return { usage: data.usage as Usage, model: response.headers.get("x-llmrouter-model"), reason: response.headers.get("x-llmrouter-reason") }
    }
    const { data, response } = await client.chat.completions
      .create({ model: "llmrouter/auto", messages, stream: true, stream_options: { include_usage: true } })
      .withResponse()
    let usage: Usage | undefined
    for await (const part of data) usage = (part.usage as Usage | null | undefined) ?? usage
    return { usage: usage as Usage, model: response.headers.get("x-llmrouter-model"), reason: response.headers.get("x-llmrouter-reason") }
  }
  const system = { role: "system" as const, content: SYSTEM_PROMPT }
  const first = await ask([system, { role: "user", content: CODING }])
  const second = await ask([system, { role: "user", content: CODING }, { role: "assistant", content: "Sure." }, { role: "user", content: "ok thanks" }])
  const stats = (await (await fetch(baseUrl.replace(/\/v1$/, "/stats"))).json()) as Stats
  return { first, second, stats }
}

/** Each upstream kind: a router whose coding chain is `coding` and simple chain another model. */
const KINDS = [
  {
    kind: "Gemini",
    what: "the implicit cache of the model that served the first turn",
    coding: "google:gemini-pro",
    start: async () => {
      const gemini = resources.add(await startGeminiUpstream({ cache: new PromptCache() }))
      gemini.reply({ type: "response", candidates: [{ parts: [{ text: "Sure." }], finishReason: "STOP" }] })
      return startRouter(
        { providers: { google: { apiBase: gemini.url } }, categories: { coding: ["google:gemini-pro"], simple: ["google:gemini-flash"] } },
        { env: { GOOGLE_API_KEY: "test" } }
      )
    }
  },
  {
    kind: "Anthropic",
    what: "what the first turn's breakpoints wrote",
    coding: "anthropic:claude-sonnet",
    start: async () => {
      const anthropic = resources.add(await startAnthropicUpstream({ cache: new PromptCache() }))
      anthropic.reply({ type: "message", message: { content: [{ type: "text", text: "Sure." }] } })
      return startRouter(
        { providers: { anthropic: { apiBase: anthropic.url } }, categories: { coding: ["anthropic:claude-sonnet"], simple: ["anthropic:claude-haiku"] } },
        { env: { ANTHROPIC_API_KEY: "test" } }
      )
    }
  }
] as const

describe("sticky conversations on translated upstreams", () => {
  for (const { coding, kind, start, what } of KINDS) {
    for (const stream of [false, true]) {
      it(`${kind}: the follow-up reads ${what} (${stream ? "stream" : "JSON"})`, async () => {
        const router = resources.add(await start())
        const { first, second, stats } = await converse(router.baseUrl, stream)
        expect(first.model).toBe(coding)
        expect(second).toMatchObject({ model: coding, reason: "sticky" })
        expect(second.usage.prompt_tokens_details?.cached_tokens).toBeGreaterThan(0)
        expect(stats.cost.byModel.find((m) => m.endpoint === coding)).toMatchObject({
          requests: 2,
          tokensIn: first.usage.prompt_tokens + second.usage.prompt_tokens,
          cachedTokens: second.usage.prompt_tokens_details?.cached_tokens
        })
      })
    }
  }
})
