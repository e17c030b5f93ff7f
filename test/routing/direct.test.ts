/** Direct routing `provider:model_id`, and the answers when the name or the provider is not usable. */
import OpenAI from "openai"
import { afterEach, describe, expect, it } from "vitest"
import { errorOf, postJson, Resources } from "../support/http.js"
import { answer, startUpstream } from "../support/openaiUpstream.js"
import { startRouter } from "../support/router.js"

const resources = new Resources()
afterEach(() => resources.closeAll())

const MESSAGES = [{ role: "user" as const, content: "hi" }]

describe("direct routing provider:model_id", () => {
  it("sends the model id after the first ':' as is, slashes and colons included", async () => {
    const upstream = resources.add(await startUpstream(answer("direct")))
    const router = resources.add(await startRouter(
      { providers: { local: { derives: "openai", apiBase: upstream.url, envPrefix: "LOCAL_LLM" } } },
      { env: { LOCAL_LLM_API_KEY: "sk-local" } }
    ))
    const client = new OpenAI({ baseURL: router.baseUrl, apiKey: "unused", maxRetries: 0 })

    const { data, response } = await client.chat.completions
      .create({ model: "local:meta-llama/llama-3.3-70b:free", messages: MESSAGES })
      .withResponse()
    expect(data.choices[0]?.message.content).toBe("direct")
    expect(response.headers.get("x-llmrouter-model")).toBe("local:meta-llama/llama-3.3-70b:free")
    expect(response.headers.get("x-llmrouter-attempts")).toBe("1")
    expect(upstream.received[0]?.body.model).toBe("meta-llama/llama-3.3-70b:free")
    expect(upstream.received[0]?.headers.authorization).toBe("Bearer sk-local")
    expect(upstream.received[0]?.url).toBe("/v1/chat/completions")

    const stream = await client.chat.completions.create({ model: "local:org/m:tag", messages: MESSAGES, stream: true })
    let text = ""
    for await (const part of stream) text += part.choices[0]?.delta.content ?? ""
    expect(text).toBe("direct")
    expect(upstream.received[1]?.body.model).toBe("org/m:tag")
  })

  it("passes the rest of the body through untouched", async () => {
    const upstream = resources.add(await startUpstream(answer("ok")))
    const router = resources.add(await startRouter(
      { providers: { openai: { apiBase: upstream.url } } },
      { env: { OPENAI_API_KEY: "sk-test" } }
    ))
    const body = {
      model: "openai:gpt-4o",
      messages: [{ role: "system", content: "be brief" }, { role: "user", content: "hi" }],
      temperature: 0.2,
      tools: [{ type: "function", function: { name: "f", parameters: { type: "object", properties: {} } } }],
      user: "u-1"
    }
    const response = await postJson(`${router.baseUrl}/chat/completions`, body)
    expect(response.status).toBe(200)
    expect(upstream.received[0]?.body).toEqual({ ...body, model: "gpt-4o" })
  })

  it("answers 404 model_not_found listing the valid names for an unknown provider", async () => {
    const upstream = resources.add(await startUpstream(answer("never")))
    const router = resources.add(await startRouter({
      providers: { local: { derives: "openai", apiBase: upstream.url, requiresKey: false } },
      models: { fast: { endpoints: ["local:small"] } }
    }))
    for (const model of ["nope:gpt-4o", "gpt-4o", "local"]) {
      const response = await postJson(`${router.baseUrl}/chat/completions`, { model, messages: MESSAGES })
      expect(response.status).toBe(404)
      const error = errorOf(response.json)
      expect(error).toMatchObject({ type: "invalid_request_error", code: "model_not_found", param: "model" })
      expect(error.message).toContain(`'${model}'`)
      expect(error.message).toContain("fast")
      expect(error.message).toContain("llmrouter/auto")
    }
    const client = new OpenAI({ baseURL: router.baseUrl, apiKey: "unused", maxRetries: 0 })
    await expect(client.chat.completions.create({ model: "nope:x", messages: MESSAGES })).rejects.toBeInstanceOf(OpenAI.NotFoundError)
    expect(upstream.received).toHaveLength(0)
  })

  it("answers 503 naming the missing variable for a known provider without a key", async () => {
    const upstream = resources.add(await startUpstream(answer("never")))
    const router = resources.add(await startRouter({
      providers: {
        openai: { apiBase: upstream.url },
        mine: { derives: "openai", apiBase: upstream.url }
      }
    }))
    const openai = await postJson(`${router.baseUrl}/chat/completions`, { model: "openai:gpt-4o", messages: MESSAGES })
    expect(openai.status).toBe(503)
    expect(errorOf(openai.json)).toMatchObject({ type: "server_error", code: "no_routable_endpoint" })
    expect(errorOf(openai.json).message).toContain("OPENAI_API_KEY")

    const mine = await postJson(`${router.baseUrl}/chat/completions`, { model: "mine:m", messages: MESSAGES })
    expect(mine.status).toBe(503)
    expect(errorOf(mine.json).message).toContain("MINE_API_KEY")
    expect(upstream.received).toHaveLength(0)

    const health = await fetch(`${router.info.url}/health`).then((r) => r.json() as Promise<{ providers: Array<Record<string, unknown>> }>)
    const status = health.providers.find((p) => p.name === "openai")
    expect(status).toMatchObject({ routable: false })
    expect(String(status?.reason)).toContain("OPENAI_API_KEY")
    expect(JSON.stringify(health)).not.toContain("sk-")
  })

  it("lists virtual and logical models in /v1/models", async () => {
    const router = resources.add(await startRouter({
      providers: { local: { derives: "openai", apiBase: "http://127.0.0.1:9/v1", requiresKey: false } },
      models: { fast: { endpoints: ["local:small"] } }
    }))
    const client = new OpenAI({ baseURL: router.baseUrl, apiKey: "unused", maxRetries: 0 })
    const ids: Array<string> = []
    for await (const model of client.models.list()) ids.push(model.id)
    expect(ids).toEqual(expect.arrayContaining(["fast", "llmrouter/auto", "llmrouter/coding"]))
  })
})
