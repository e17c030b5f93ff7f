/**
 * `llmrouter/auto` through the HTTP server: the classifier picks the category, and the request
 * reaches that category's upstream (one stub per category, so the routing is observable).
 */
import OpenAI from "openai"
import { afterEach, describe, expect, it } from "vitest"
import { openClaw2026 } from "../classifier/openclaw.js"
import { postJson, Resources } from "../support/http.js"
import { answer, startUpstream, type Upstream } from "../support/openaiUpstream.js"
import { startRouter } from "../support/router.js"

const resources = new Resources()
afterEach(() => resources.closeAll())

const CATEGORIES = ["simple", "coding", "reasoning", "vision"] as const

const start = async () => {
  const upstreams: Record<string, Upstream> = {}
  for (const category of CATEGORIES) upstreams[category] = resources.add(await startUpstream(answer(`from ${category}`)))
  const router = resources.add(await startRouter({
    providers: Object.fromEntries(CATEGORIES.map((c) => [c, { derives: "openai", apiBase: upstreams[c]?.url, requiresKey: false }])),
    categories: Object.fromEntries(CATEGORIES.map((c) => [c, [`${c}:${c}-model`]])),
    auto: { minConfidence: 0 }
  }))
  return { router, upstreams, client: new OpenAI({ baseURL: router.baseUrl, apiKey: "unused", maxRetries: 0 }) }
}

const PROMPTS: ReadonlyArray<readonly [string, (typeof CATEGORIES)[number]]> = [
  ["hi there! how are you today?", "simple"],
  ["Fix this function, it throws TypeError: Cannot read properties of undefined\n```js\nfunction total(items) { return items.reduce((a, b) => a + b.price) }\n```", "coding"],
  ["A train leaves at 3pm going 60 km/h and a second one leaves the same station at 4pm going 90 km/h. When does the second catch up? Show your reasoning step by step.", "reasoning"]
]

describe("llmrouter/auto", () => {
  for (const [prompt, category] of PROMPTS) {
    it(`routes a ${category} prompt to the ${category} chain`, async () => {
      const { client, upstreams } = await start()
      const { data, response } = await client.chat.completions
        .create({ model: "llmrouter/auto", messages: [{ role: "user", content: prompt }] })
        .withResponse()
      expect(data.choices[0]?.message.content).toBe(`from ${category}`)
      expect(response.headers.get("x-llmrouter-category")).toBe(category)
      expect(response.headers.get("x-llmrouter-model")).toBe(`${category}:${category}-model`)
      expect(Number(response.headers.get("x-llmrouter-confidence"))).toBeGreaterThan(0)
      expect(upstreams[category]?.received[0]?.body.model).toBe(`${category}-model`)
    })
  }

  it("routes a conversation holding an image to the vision chain, even when the latest turn is text", async () => {
    const { client, upstreams } = await start()
    const stream = await client.chat.completions.create({
      model: "auto",
      stream: true,
      messages: [
        { role: "user", content: [{ type: "text", text: "what is this?" }, { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } }] },
        { role: "assistant", content: "A cat." },
        { role: "user", content: "and its colour?" }
      ]
    })
    let text = ""
    for await (const part of stream) text += part.choices[0]?.delta.content ?? ""
    expect(text).toBe("from vision")
    expect(upstreams.vision?.received).toHaveLength(1)
  })

  it("classifies the user's real text inside an OpenClaw-shaped request, and forwards the request unchanged", async () => {
    const { router, upstreams } = await start()
    const body = { ...(openClaw2026("write a bash script that renames every .jpeg file in a folder to .jpg") as object), model: "auto" }
    const response = await postJson(`${router.baseUrl}/chat/completions`, body)
    expect(response.status).toBe(200)
    expect(response.headers["x-llmrouter-category"]).toBe("coding")
    expect(upstreams.coding?.received[0]?.body).toEqual({ ...body, model: "coding-model" })
  })

  it("uses the fallback category below the confidence threshold", async () => {
    const upstreams: Record<string, Upstream> = {}
    for (const category of CATEGORIES) upstreams[category] = resources.add(await startUpstream(answer(`from ${category}`)))
    const router = resources.add(await startRouter({
      providers: Object.fromEntries(CATEGORIES.map((c) => [c, { derives: "openai", apiBase: upstreams[c]?.url, requiresKey: false }])),
      categories: Object.fromEntries(CATEGORIES.map((c) => [c, [`${c}:${c}-model`]])),
      auto: { minConfidence: 1, fallbackCategory: "reasoning" }
    }))
    const response = await postJson(`${router.baseUrl}/chat/completions`, { model: "auto", messages: [{ role: "user", content: "hello" }] })
    expect(response.headers["x-llmrouter-category"]).toBe("reasoning")
    expect(upstreams.reasoning?.received).toHaveLength(1)
  })
})
