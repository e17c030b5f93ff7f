import OpenAI from "openai"
import { afterEach, describe, expect, it } from "vitest"
import { type RunningRouter, startRouter } from "../support/router.js"
import { startUpstream, type Upstream } from "../support/openaiUpstream.js"

let upstream: Upstream
let router: RunningRouter
afterEach(async () => {
  await router?.close()
  await upstream?.close()
})

describe("smoke", () => {
  it("answers the OpenAI SDK, non-stream and stream", async () => {
    upstream = await startUpstream()
    router = await startRouter({ providers: { openai: { apiBase: upstream.url } } }, { env: { OPENAI_API_KEY: "sk-test" } })
    const client = new OpenAI({ baseURL: router.baseUrl, apiKey: "unused", maxRetries: 0 })
    const { data, response } = await client.chat.completions
      .create({ model: "openai:gpt-4o", messages: [{ role: "user", content: "hi" }] })
      .withResponse()
    expect(data.choices[0]?.message.content).toBe("Hello from upstream")
    expect(response.headers.get("x-llmrouter-model")).toBe("openai:gpt-4o")
    expect(upstream.received[0]?.body.model).toBe("gpt-4o")
    expect(upstream.received[0]?.headers.authorization).toBe("Bearer sk-test")
    const stream = await client.chat.completions.create({ model: "openai:gpt-4o", messages: [{ role: "user", content: "hi" }], stream: true })
    let text = ""
    for await (const part of stream) text += part.choices[0]?.delta.content ?? ""
    expect(text).toBe("Hello from upstream")
  })
})
