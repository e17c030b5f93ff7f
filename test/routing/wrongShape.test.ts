/**
 * An upstream answering 200 with well-formed JSON of the wrong shape is an upstream failure, not
 * an answer: before the first byte reaches the client it fails over; after it, the stream ends
 * with an SSE error event (never a clean end). Real loopback upstreams, the official SDK as caller.
 */
import OpenAI from "openai"
import type { ServerResponse } from "node:http"
import { afterEach, describe, expect, it } from "vitest"
import { Resources } from "../support/http.js"
import { answer, chunk, reply, type Script, sse, startUpstream } from "../support/openaiUpstream.js"
import { startRouter } from "../support/router.js"

const resources = new Resources()
afterEach(() => resources.closeAll())

const events = (response: ServerResponse, ...payloads: ReadonlyArray<unknown>) => {
  response.writeHead(200, { "content-type": "text/event-stream" })
  for (const payload of payloads) response.write(typeof payload === "string" ? payload : sse(payload))
  response.end()
}

/** `bad` first, then a good upstream; returns the SDK client and both upstreams. */
const duo = async (bad: Script) => {
  const first = resources.add(await startUpstream(bad))
  const second = resources.add(await startUpstream(answer("fine")))
  const router = resources.add(await startRouter({
    providers: {
      a: { derives: "openai", apiBase: first.url, requiresKey: false },
      b: { derives: "openai", apiBase: second.url, requiresKey: false }
    },
    models: { duo: { strategy: "priority", endpoints: ["a:m", "b:m"] } },
    retry: { backoffMs: 1 }
  }))
  return { client: new OpenAI({ baseURL: router.baseUrl, apiKey: "unused", maxRetries: 0 }), first, second }
}

const ask = { model: "duo", messages: [{ role: "user" as const, content: "hi" }] }

describe("before the first byte: fail over", () => {
  const shapes: ReadonlyArray<readonly [string, unknown]> = [
    ["choices a number", { id: "x", object: "chat.completion", choices: 5 }],
    ["content a number", { id: "x", object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content: 7 } }] }],
    ["a choice that is not an object", { id: "x", choices: ["text"] }]
  ]
  for (const [name, body] of shapes) {
    it(`non-stream: ${name}`, async () => {
      const { client, first, second } = await duo((_request, response) => reply(response, 200, body))
      const { data, response } = await client.chat.completions.create(ask).withResponse()
      expect(data.choices[0]?.message.content).toBe("fine")
      expect(response.headers.get("x-llmrouter-model")).toBe("b:m")
      expect([first.received.length, second.received.length]).toEqual([1, 1])
    })
  }

  it("stream: an event of the wrong shape before any content", async () => {
    const { client, second } = await duo((request, response) =>
      events(response, chunk(String(request.body.model), { role: "assistant", content: "" }), { id: "x", choices: 5 }, "data: [DONE]\n\n"))
    let text = ""
    for await (const part of await client.chat.completions.create({ ...ask, stream: true })) text += part.choices[0]?.delta.content ?? ""
    expect(text).toBe("fine")
    expect(second.received).toHaveLength(1)
  })
})

describe("after the first byte: an error event, never a clean end", () => {
  it("content 7 in the middle of a stream", async () => {
    const upstream = resources.add(await startUpstream(async (request, response) => {
      const model = String(request.body.model)
      response.writeHead(200, { "content-type": "text/event-stream" })
      response.write(sse(chunk(model, { role: "assistant", content: "Hel" })))
      // later, so the first content has been committed to the client
      await new Promise((resolve) => setTimeout(resolve, 100))
      response.end(sse(chunk(model, { content: 7 })) + sse(chunk(model, {}, "stop")) + "data: [DONE]\n\n")
    }))
    const router = resources.add(await startRouter({ providers: { solo: { derives: "openai", apiBase: upstream.url, requiresKey: false } } }))
    const response = await fetch(`${router.baseUrl}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "solo:m", messages: [{ role: "user", content: "hi" }], stream: true })
    })
    expect(response.status).toBe(200)
    const text = await response.text()
    expect(text).toContain(`"content":"Hel"`)
    expect(text).toMatch(/event: error\ndata: .*wrong shape/)
    expect(text).not.toContain("[DONE]")
    expect(text).not.toContain(`"content":7`)
  })
})
