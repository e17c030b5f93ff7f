/**
 * End to end: the official `openai` SDK → the real router → the loopback Gemini API. Streams with
 * parallel function calls, a tool round trip on Gemini 3 (ids and thought signatures survive),
 * images, usage, safety blocks and a cut stream.
 */
import OpenAI from "openai"
import { afterEach, describe, expect, it } from "vitest"
import { startGeminiUpstream, type GeminiUpstream } from "../support/geminiUpstream.js"
import { Resources } from "../support/http.js"
import { startRouter } from "../support/router.js"

const resources = new Resources()
afterEach(() => resources.closeAll())

const setup = async () => {
  const stub = resources.add(await startGeminiUpstream())
  const router = resources.add(await startRouter({ providers: { google: { apiBase: stub.url } }, retry: { backoffMs: 1 } }, { env: { GOOGLE_API_KEY: "test-google", GEMINI_API_KEY: "test-google" } }))
  const client = new OpenAI({ baseURL: router.baseUrl, apiKey: "unused", maxRetries: 0 })
  return { stub, client }
}

const TOOLS: Array<OpenAI.Chat.Completions.ChatCompletionTool> = [
  { type: "function", function: { name: "weather", parameters: { type: "object", properties: { city: { type: "string" } }, additionalProperties: false } } }
]
const lastRequest = (stub: GeminiUpstream) => stub.requests[stub.requests.length - 1]

describe("Gemini through the router (openai SDK)", () => {
  it("streams text + parallel function calls with usage, then a Gemini 3 tool round trip validates", async () => {
    const { stub, client } = await setup()
    stub.reply(
      {
        type: "response",
        candidates: [{
          parts: [
            { text: "Checking both cities now." },
            { functionCall: { name: "weather", args: { city: "Kyoto" } }, thoughtSignature: "c2lnLWt5b3Rv" },
            { functionCall: { name: "weather", args: { city: "Lima" } } }
          ],
          finishReason: "STOP"
        }],
        usageMetadata: { promptTokenCount: 21, candidatesTokenCount: 13, thoughtsTokenCount: 4, totalTokenCount: 38 },
        textChunk: 3
      },
      { type: "response", candidates: [{ parts: [{ text: "Kyoto 18°, Lima 22°." }], finishReason: "STOP" }] }
    )
    const model = "google:gemini-3-flash"
    const messages: Array<OpenAI.Chat.Completions.ChatCompletionMessageParam> = [{ role: "user", content: "Weather in Kyoto and Lima?" }]
    const stream = client.chat.completions.stream({ model, messages, tools: TOOLS, stream_options: { include_usage: true } })
    const chunks: Array<OpenAI.Chat.Completions.ChatCompletionChunk> = []
    for await (const chunk of stream) chunks.push(chunk)
    const final = await stream.finalChatCompletion()
    const message = final.choices[0]!.message
    expect(message.content).toBe("Checking both cities now.")
    expect(final.choices[0]?.finish_reason).toBe("tool_calls")
    const calls = (message.tool_calls ?? []).flatMap((c) => (c.type === "function" ? [c] : []))
    expect(calls.map((c) => [c.function.name, JSON.parse(c.function.arguments)])).toEqual([["weather", { city: "Kyoto" }], ["weather", { city: "Lima" }]])
    expect(new Set(calls.map((c) => c.id)).size).toBe(2)
    expect(chunks[chunks.length - 1]).toMatchObject({ choices: [], usage: { prompt_tokens: 21, completion_tokens: 17, total_tokens: 38 } })
    expect(lastRequest(stub)).toMatchObject({ stream: true, model: "gemini-3-flash" })

    const second = await client.chat.completions.create({
      model,
      tools: TOOLS,
      messages: [...messages, message, ...calls.map((c, i) => ({ role: "tool" as const, tool_call_id: c.id, content: i === 0 ? "18" : "22" }))]
    })
    expect(lastRequest(stub)?.rejected).toBeUndefined()
    expect(second.choices[0]?.message.content).toBe("Kyoto 18°, Lima 22°.")
    expect(lastRequest(stub)?.body["contents"]).toMatchObject([
      { role: "user" },
      { role: "model", parts: [{ text: "Checking both cities now." }, { functionCall: { name: "weather" }, thoughtSignature: "c2lnLWt5b3Rv" }, { functionCall: { name: "weather" } }] },
      { role: "user", parts: [{ functionResponse: { name: "weather", response: { result: "18" } } }, { functionResponse: { name: "weather", response: { result: "22" } } }] }
    ])
  })

  it("sends image input as inlineData / fileData", async () => {
    const { stub, client } = await setup()
    const result = await client.chat.completions.create({
      model: "google:gemini-x",
      messages: [{ role: "system", content: "Describe." }, { role: "user", content: [
        { type: "image_url", image_url: { url: "data:image/jpeg;base64,/9j/4AAQ" } },
        { type: "image_url", image_url: { url: "https://example.com/photo.png" } }
      ] }]
    })
    expect(result.choices[0]?.message.content).toBe("Hello from Gemini")
    expect(lastRequest(stub)?.body).toMatchObject({
      systemInstruction: { parts: [{ text: "Describe." }] },
      contents: [{ role: "user", parts: [{ inlineData: { mimeType: "image/jpeg", data: "/9j/4AAQ" } }, { fileData: { mimeType: "image/png", fileUri: "https://example.com/photo.png" } }] }]
    })
    expect(lastRequest(stub)?.headers["x-goog-api-key"]).toBe("test-google")
  })

  it("a blocked prompt reaches the SDK as finish_reason content_filter with a refusal", async () => {
    const { stub, client } = await setup()
    stub.reply({ type: "response", candidates: [], promptFeedback: { blockReason: "SAFETY" } })
    const result = await client.chat.completions.create({ model: "google:gemini-x", messages: [{ role: "user", content: "bad" }] })
    expect(result.choices[0]).toMatchObject({ finish_reason: "content_filter", message: { content: null, refusal: expect.stringContaining("SAFETY") } })
    const streamed = await client.chat.completions.stream({ model: "google:gemini-x", messages: [{ role: "user", content: "bad" }] }).finalChatCompletion()
    expect(streamed.choices[0]).toMatchObject({ finish_reason: "content_filter", message: { refusal: expect.stringContaining("SAFETY") } })
  })

  it("a stream cut before finishReason makes the SDK throw", async () => {
    const { stub, client } = await setup()
    stub.reply({ type: "events", end: "eof", events: [
      { candidates: [{ content: { role: "model", parts: [{ text: "Half an ans" }] } }], responseId: "r" },
      { candidates: [{ content: { role: "model", parts: [{ text: "wer" }] } }], responseId: "r" }
    ] })
    const stream = await client.chat.completions.create({ model: "google:gemini-x", messages: [{ role: "user", content: "hi" }], stream: true })
    let text = ""
    await expect((async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? ""
    })()).rejects.toThrow()
    expect(text).toBe("Half an answer")
  })

  it("429 RESOURCE_EXHAUSTED is retried and a 400 is the client's BadRequestError with Gemini's message", async () => {
    const { stub, client } = await setup()
    stub.reply(
      { type: "error", status: 429, statusText: "RESOURCE_EXHAUSTED", message: "Quota exceeded", details: [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "0.01s" }] },
      { type: "response", candidates: [{ parts: [{ text: "after retry" }], finishReason: "STOP" }] }
    )
    const ok = await client.chat.completions.create({ model: "google:gemini-x", messages: [{ role: "user", content: "hi" }] })
    expect(ok.choices[0]?.message.content).toBe("after retry")
    stub.reply({ type: "error", status: 400, statusText: "INVALID_ARGUMENT", message: "API key not valid. Please pass a valid API key." })
    const error = await client.chat.completions.create({ model: "google:gemini-x", messages: [{ role: "user", content: "hi" }] }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OpenAI.BadRequestError)
    expect((error as Error).message).toContain("API key not valid")
  })
})
