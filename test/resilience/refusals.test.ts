/**
 * Non-retryable refusals: a context-length refusal is never re-sent to the same model but goes to
 * the next candidate (or fails cleanly with the provider's answer); a content-policy refusal is the
 * client's answer, with the provider's reason — unless `failoverOnContentFilter` is set.
 */
import OpenAI from "openai"
import { afterEach, describe, expect, it } from "vitest"
import type { RouterConfigInput } from "../../src/config/schema.js"
import type { Script } from "../support/openaiUpstream.js"
import { answerWith, fail, MESSAGES, newResources, post, streamRaw, pair } from "./support.js"

const resources = newResources()
afterEach(() => resources.closeAll())

const setup = async (a: Script, b: Script = answerWith(["from ", "b"]), extra: Partial<RouterConfigInput> = {}) => pair(resources, a, b, extra)

const contextLength = fail(400, {}, {
  error: {
    message: "This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens.",
    type: "invalid_request_error",
    param: "messages",
    code: "context_length_exceeded"
  }
})

const contentFilter = fail(400, {}, {
  error: {
    message: "The response was filtered due to the prompt triggering Azure OpenAI's content management policy.",
    type: null,
    param: "prompt",
    code: "content_filter",
    status: 400
  }
})

describe("context length exceeded", () => {
  for (const stream of [false, true]) {
    it(`goes to the next candidate, never re-sent to the same one (${stream ? "streaming" : "non-streaming"})`, async () => {
      const { a, b, router } = await setup(contextLength)
      if (stream) {
        const { response, text, done } = await streamRaw(router)
        expect(response.headers.get("x-llmrouter-model")).toBe("b:model-b")
        expect({ text, done }).toEqual({ text: "from b", done: true })
      } else {
        const response = await post(router, {})
        expect(response.status).toBe(200)
        expect(response.headers.get("x-llmrouter-model")).toBe("b:model-b")
        expect(response.headers.get("x-llmrouter-attempts")).toBe("2")
      }
      expect(a.calls).toHaveLength(1)
      expect(b.calls).toHaveLength(1)
      expect(b.calls[0]!.body["messages"]).toEqual(MESSAGES) // the same request, to the other model
    })
  }

  it("when no candidate can take it: fails cleanly with the provider's 400, each asked once", async () => {
    const { a, b, client } = await setup(contextLength, contextLength)
    const error = await client.chat.completions.create({ model: "m", messages: MESSAGES }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OpenAI.BadRequestError)
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).code).toBe("context_length_exceeded")
    expect([a.calls.length, b.calls.length]).toEqual([1, 1])
  })
})

describe("content filter", () => {
  it("is returned to the client with the provider's reason; not retried, not failed over", async () => {
    const { a, b, router, client } = await setup(contentFilter)
    const error = await client.chat.completions.create({ model: "m", messages: MESSAGES }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OpenAI.BadRequestError)
    const bad = error as InstanceType<typeof OpenAI.BadRequestError>
    expect(bad.code).toBe("content_filter")
    expect(bad.message).toContain("content management policy")
    expect(bad.headers.get("x-llmrouter-model")).toBe("a:model-a")
    expect([a.calls.length, b.calls.length]).toEqual([1, 0])

    // streaming: a plain 400 before any byte, same body
    const streamed = await streamRaw(router)
    expect(streamed.response.status).toBe(400)
    expect(JSON.parse(streamed.raw)).toMatchObject({ error: { code: "content_filter" } })
    expect([a.calls.length, b.calls.length]).toEqual([2, 0])
  })

  it("fails over when failoverOnContentFilter is true (still never re-sent to the same model)", async () => {
    const { a, b, client } = await setup(contentFilter, undefined, { failoverOnContentFilter: true })
    const { data, response } = await client.chat.completions.create({ model: "m", messages: MESSAGES }).withResponse()
    expect(data.choices[0]?.message.content).toBe("from b")
    expect(response.headers.get("x-llmrouter-model")).toBe("b:model-b")
    expect([a.calls.length, b.calls.length]).toEqual([1, 1])
  })

  it("an Anthropic-style policy refusal is recognised too", async () => {
    const anthropicWorded = fail(400, {}, { error: { message: "Output blocked by content filtering policy", type: "invalid_request_error", code: null, param: null } })
    const { a, b, client } = await setup(anthropicWorded, undefined, { failoverOnContentFilter: true })
    const { data } = await client.chat.completions.create({ model: "m", messages: MESSAGES }).withResponse()
    expect(data.choices[0]?.message.content).toBe("from b")
    expect([a.calls.length, b.calls.length]).toEqual([1, 1])
  })
})
