/**
 * OpenAI-compatible upstreams (OpenAI, OpenRouter, custom) get `reasoning_effort` and `reasoning`
 * exactly as the client sent them, and their reasoning comes back untouched, JSON and streamed.
 */
import { afterEach, describe, expect, it } from "vitest"
import { Resources } from "../support/http.js"
import { chunk, reply, sse, startUpstream } from "../support/openaiUpstream.js"
import { ask, clientOn } from "./support.js"

const resources = new Resources()
afterEach(() => resources.closeAll())

const USAGE = { prompt_tokens: 5, completion_tokens: 30, total_tokens: 35, completion_tokens_details: { reasoning_tokens: 21 } }

describe.each([false, true])("reasoning to an OpenAI-compatible upstream (stream: %s)", (stream) => {
  it("passes the fields through unchanged and returns the reasoning untouched", async () => {
    const upstream = resources.add(await startUpstream((request, response) => {
      const model = String(request.body["model"])
      if (request.body["stream"] !== true) {
        return reply(response, 200, {
          id: "chatcmpl-r", object: "chat.completion", created: 1, model,
          choices: [{ index: 0, message: { role: "assistant", content: "42", reasoning_content: "deep" }, finish_reason: "stop" }],
          usage: USAGE
        })
      }
      response.writeHead(200, { "content-type": "text/event-stream" })
      response.write(sse(chunk(model, { role: "assistant", reasoning_content: "deep" })))
      response.write(sse(chunk(model, { content: "42" }, "stop")))
      response.write(sse({ ...chunk(model, {}), choices: [], usage: USAGE }))
      response.end("data: [DONE]\n\n")
    }))
    const client = await clientOn(resources, { providers: { openrouter: { apiBase: upstream.url } } }, { OPENROUTER_API_KEY: "k" })
    const turn = await ask(client, {
      model: "openrouter:deepseek/deepseek-r1",
      messages: [{ role: "user", content: "6*7?" }],
      reasoning_effort: "xhigh",
      reasoning: { effort: "xhigh", exclude: false }
    }, stream)
    expect(turn).toMatchObject({ content: "42", reasoning: "deep", reasoningTokens: 21, adjusted: undefined })
    const sent = upstream.received[upstream.received.length - 1]?.body
    expect(sent).toMatchObject({ reasoning_effort: "xhigh", reasoning: { effort: "xhigh", exclude: false } })
    // Reasoning tokens are counted per model, in /metrics and /stats.
    const root = client.baseURL.replace(/\/v1\/?$/, "")
    const metrics = await (await fetch(`${root}/metrics`)).text()
    expect(metrics).toMatch(/llmrouter_reasoning_tokens_total\{[^}]*endpoint="openrouter:deepseek\/deepseek-r1"[^}]*\} 21/)
    const stats = await (await fetch(`${root}/stats`)).json() as { today: { models: Array<{ endpoint: string; tokensReasoning: number }> } }
    expect(stats.today.models).toContainEqual(expect.objectContaining({ endpoint: "openrouter:deepseek/deepseek-r1", tokensReasoning: 21 }))
  })
})
