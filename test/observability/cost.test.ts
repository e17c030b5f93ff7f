/**
 * Cost reporting: `/stats` and `/metrics` hold exactly the tokens the upstreams reported (cache
 * reads and writes apart), their cost at the configured prices, and what `llmrouter/auto` saved
 * against always using the reasoning chain's first model.
 */
import OpenAI from "openai"
import { afterEach, describe, expect, it } from "vitest"
import type { ModelPrice } from "../../src/config/conversations.js"
import type { Stats } from "../../src/http/stats.js"
import { startAnthropicUpstream } from "../support/anthropicUpstream.js"
import { Resources } from "../support/http.js"
import { cachingAnswer, startUpstream } from "../support/openaiUpstream.js"
import { PromptCache } from "../support/promptCache.js"
import { startRouter } from "../support/router.js"

const resources = new Resources()
afterEach(() => resources.closeAll())

interface Usage {
  readonly prompt_tokens: number
  readonly completion_tokens: number
  readonly prompt_tokens_details?: { readonly cached_tokens?: number; readonly cache_write_tokens?: number }
}

const PRICES: Record<string, ModelPrice> = {
  "simple-model": { input: 0.5, cachedInput: 0.05, output: 1.5 },
  "coding-model": { input: 2, cachedInput: 0.2, output: 8 },
  "reasoning-model": { input: 10, cachedInput: 1, output: 40 }
}

/** USD, computed the long way from what the upstream reported. */
const costOf = (price: ModelPrice, usage: Usage) => {
  const cached = usage.prompt_tokens_details?.cached_tokens ?? 0
  const written = usage.prompt_tokens_details?.cache_write_tokens ?? 0
  const uncached = usage.prompt_tokens - cached - written
  return (uncached * price.input + cached * (price.cachedInput ?? price.input) + written * (price.cacheWrite ?? price.input) +
    usage.completion_tokens * price.output) / 1e6
}

const stats = async (baseUrl: string) => (await (await fetch(baseUrl.replace(/\/v1$/, "/stats"))).json()) as Stats

describe("cost and prompt-cache figures", () => {
  it("equal what the upstreams reported, to the token, JSON and streams alike; auto's savings against the reasoning model", async () => {
    const cache = new PromptCache()
    const names = ["simple", "coding", "reasoning"] as const
    const upstreams = await Promise.all(names.map(async (c) => resources.add(await startUpstream(cachingAnswer(`from ${c} with some words`, cache)))))
    const router = resources.add(await startRouter({
      providers: Object.fromEntries(names.map((c, i) => [c, { derives: "openai", apiBase: upstreams[i]?.url, requiresKey: false }])),
      categories: Object.fromEntries(names.map((c) => [c, [`${c}:${c}-model`]])),
      prices: PRICES
    }))
    const client = new OpenAI({ baseURL: router.baseUrl, apiKey: "unused", maxRetries: 0 })
    const system = { role: "system" as const, content: "You are a careful assistant. ".repeat(60) }
    const reported: Array<{ model: string; usage: Usage }> = []
    const json = async (messages: Array<OpenAI.ChatCompletionMessageParam>) => {
      const { data, response } = await client.chat.completions.create({ model: "llmrouter/auto", messages }).withResponse()
      reported.push({ model: String(response.headers.get("x-llmrouter-model")), usage: data.usage as Usage })
      return data.choices[0]?.message.content ?? ""
    }
    const streamed = async (messages: Array<OpenAI.ChatCompletionMessageParam>) => {
      const { data, response } = await client.chat.completions
        .create({ model: "llmrouter/auto", messages, stream: true, stream_options: { include_usage: true } })
        .withResponse()
      let usage: Usage | undefined
      for await (const part of data) usage = (part.usage as Usage | null | undefined) ?? usage
      reported.push({ model: String(response.headers.get("x-llmrouter-model")), usage: usage as Usage })
    }
    const coding = "Write a Python function that parses ISO-8601 dates"
    const answer = await json([system, { role: "user", content: coding }])
    await streamed([system, { role: "user", content: coding }, { role: "assistant", content: answer }, { role: "user", content: "thanks, that's great!" }])
    await json([system, { role: "user", content: "hi there! how are you today?" }])
    expect(reported.map((r) => r.model)).toEqual(["coding:coding-model", "coding:coding-model", "simple:simple-model"])
    expect(reported[1]?.usage.prompt_tokens_details?.cached_tokens).toBeGreaterThan(0)

    const { cost, decisions } = await stats(router.baseUrl)
    for (const endpoint of ["coding:coding-model", "simple:simple-model"]) {
      const mine = reported.filter((r) => r.model === endpoint)
      const row = cost.byModel.find((m) => m.endpoint === endpoint)
      const price = PRICES[endpoint.split(":")[1] as string] as ModelPrice
      const sum = (f: (u: Usage) => number) => mine.reduce((n, r) => n + f(r.usage), 0)
      expect(row).toMatchObject({
        requests: mine.length,
        tokensIn: sum((u) => u.prompt_tokens),
        cachedTokens: sum((u) => u.prompt_tokens_details?.cached_tokens ?? 0),
        cacheWriteTokens: 0,
        tokensOut: sum((u) => u.completion_tokens)
      })
      expect(row?.costUsd).toBeCloseTo(mine.reduce((n, r) => n + costOf(price, r.usage), 0), 12)
      expect(row?.cacheHitRatio).toBeCloseTo(sum((u) => u.prompt_tokens_details?.cached_tokens ?? 0) / sum((u) => u.prompt_tokens), 4)
    }
    const actual = reported.reduce((n, r) => n + costOf(PRICES[r.model.split(":")[1] as string] as ModelPrice, r.usage), 0)
    const baseline = reported.reduce((n, r) => n + costOf(PRICES["reasoning-model"] as ModelPrice, r.usage), 0)
    expect(cost.auto).toMatchObject({ baselineModel: "reasoning:reasoning-model", requests: 3 })
    expect(cost.auto.costUsd).toBeCloseTo(actual, 12)
    expect(cost.auto.baselineUsd).toBeCloseTo(baseline, 12)
    expect(cost.auto.savedUsd).toBeCloseTo(baseline - actual, 12)
    expect(cost.auto.savedUsd).toBeGreaterThan(0)
    expect(decisions[1]).toMatchObject({ reason: "sticky", tokensCached: reported[1]?.usage.prompt_tokens_details?.cached_tokens })

    const metrics = await (await fetch(router.baseUrl.replace(/\/v1$/, "/metrics"))).text()
    expect(metrics).toContain(`llmrouter_cached_input_tokens_total{endpoint="coding:coding-model"} ${reported[1]?.usage.prompt_tokens_details?.cached_tokens}`)
    expect(metrics).toMatch(/llmrouter_auto_baseline_usd_total \d/)
  })

  it("counts Anthropic's cache reads and writes apart, at their own prices, JSON and streams alike", async () => {
    const anthropic = resources.add(await startAnthropicUpstream())
    const usage = { input_tokens: 120, cache_creation_input_tokens: 2_048, cache_read_input_tokens: 3_072, output_tokens: 57 }
    anthropic.reply({ type: "message", message: { content: [{ type: "text", text: "Hi" }], usage } })
    const price: ModelPrice = { input: 3, cachedInput: 0.3, cacheWrite: 3.75, output: 15 }
    const router = resources.add(await startRouter(
      { providers: { anthropic: { apiBase: anthropic.url } }, prices: { "anthropic:claude-x": price } },
      { env: { ANTHROPIC_API_KEY: "test" } }
    ))
    const client = new OpenAI({ baseURL: router.baseUrl, apiKey: "unused", maxRetries: 0 })
    const messages = [{ role: "user" as const, content: "hello" }]
    const answer = await client.chat.completions.create({ model: "anthropic:claude-x", messages })
    expect(answer.usage).toMatchObject({ prompt_tokens: 5_240, prompt_tokens_details: { cached_tokens: 3_072, cache_write_tokens: 2_048 } })
    const stream = await client.chat.completions.create({ model: "anthropic:claude-x", messages, stream: true, stream_options: { include_usage: true } })
    for await (const _ of stream) { /* drain */ }
    const row = (await stats(router.baseUrl)).cost.byModel.find((m) => m.endpoint === "anthropic:claude-x")
    expect(row).toMatchObject({ requests: 2, tokensIn: 2 * 5_240, cachedTokens: 2 * 3_072, cacheWriteTokens: 2 * 2_048, tokensOut: 2 * 57 })
    expect(row?.costUsd).toBeCloseTo(2 * (120 * 3 + 3_072 * 0.3 + 2_048 * 3.75 + 57 * 15) / 1e6, 12)
  })

  it("reports an unpriced model's tokens with a null cost", async () => {
    const upstream = resources.add(await startUpstream(cachingAnswer("ok", new PromptCache())))
    const router = resources.add(await startRouter({ providers: { local: { derives: "openai", apiBase: upstream.url, requiresKey: false } } }))
    await new OpenAI({ baseURL: router.baseUrl, apiKey: "unused", maxRetries: 0 }).chat.completions.create({
      model: "local:my-own-model",
      messages: [{ role: "user", content: "hello" }]
    })
    const { cost } = await stats(router.baseUrl)
    expect(cost.byModel[0]).toMatchObject({ endpoint: "local:my-own-model", requests: 1, costUsd: null })
    expect(cost.auto.requests).toBe(0)
  })
})
