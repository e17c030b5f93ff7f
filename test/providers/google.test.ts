/**
 * The Gemini adapter in isolation: request translation (table), rejections, answers (table),
 * safety blocks, error mapping, tool-call id stability, the stream state machine (every byte
 * split), and requests checked by the loopback Gemini API's validation.
 */
import { Either, Redacted, Schema } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { Timeouts } from "../../src/config/schema.js"
import type { ChatRequest, ResolvedEndpoint } from "../../src/providers/Adapter.js"
import { GoogleAdapter } from "../../src/providers/google.js"
import { ThinkingMemory } from "../../src/reasoning/memory.js"
import { responseEvents, startGeminiUpstream, type GeminiReply } from "../support/geminiUpstream.js"
import { Resources } from "../support/http.js"
import { assemble, normalized, parseSse } from "../support/openaiChunks.js"

const resources = new Resources()
afterEach(() => resources.closeAll())

const endpoint = (apiBase = "https://generativelanguage.googleapis.com/v1beta", modelId = "gemini-x"): ResolvedEndpoint => ({
  id: `google:${modelId}`,
  provider: "google",
  kind: "google",
  modelId,
  apiBase,
  apiKey: Redacted.make("AIza-test"),
  headers: {},
  timeouts: Schema.decodeSync(Timeouts)({}),
  continuation: "restart"
})
const chat = (body: Record<string, unknown>): ChatRequest => ({ body: { model: "m", ...body }, model: "m", stream: body["stream"] === true })
const upstreamBody = (body: Record<string, unknown>, modelId?: string) =>
  JSON.parse(Either.getOrThrow(GoogleAdapter.buildRequest(endpoint(undefined, modelId), chat(body))).body) as Record<string, unknown>

const user = (content: unknown) => ({ role: "user", content })
const WEATHER = { type: "function", function: { name: "weather", description: "Weather", parameters: { type: "object", properties: { city: { type: "string" } }, additionalProperties: false } } }
const TOOL_TURN = [
  user("weather?"),
  { role: "assistant", content: null, tool_calls: [
    { id: "call_a", type: "function", function: { name: "weather", arguments: "{\"city\":\"Paris\"}" } },
    { id: "call_b", type: "function", function: { name: "weather", arguments: "{\"city\":\"Rome\"}" } }
  ] },
  { role: "tool", tool_call_id: "call_a", content: "{\"temp\":20}" },
  { role: "tool", tool_call_id: "call_b", content: "warm" }
]

describe("Gemini request translation", () => {
  const cases: Array<[string, Record<string, unknown>, Record<string, unknown>]> = [
    [
      "system → systemInstruction, user → user, assistant → model",
      { messages: [{ role: "system", content: "Be brief." }, user("hi"), { role: "assistant", content: "hello" }, user("again")] },
      {
        systemInstruction: { parts: [{ text: "Be brief." }] },
        contents: [{ role: "user", parts: [{ text: "hi" }] }, { role: "model", parts: [{ text: "hello" }] }, { role: "user", parts: [{ text: "again" }] }]
      }
    ],
    [
      "images: data URL → inlineData, https URL → fileData with guessed type",
      { messages: [user([{ type: "image_url", image_url: { url: "data:image/webp;base64,UklG" } }, { type: "image_url", image_url: { url: "https://x.test/a/cat.JPG?size=2" } }])] },
      { contents: [{ role: "user", parts: [{ inlineData: { mimeType: "image/webp", data: "UklG" } }, { fileData: { mimeType: "image/jpeg", fileUri: "https://x.test/a/cat.JPG?size=2" } }] }] }
    ],
    [
      "tools → functionDeclarations with full JSON Schema; tool_choice named → ANY + allowedFunctionNames",
      { messages: [user("x")], tools: [WEATHER], tool_choice: { type: "function", function: { name: "weather" } } },
      {
        tools: [{ functionDeclarations: [{ name: "weather", description: "Weather", parametersJsonSchema: WEATHER.function.parameters }] }],
        toolConfig: { functionCallingConfig: { mode: "ANY", allowedFunctionNames: ["weather"] } }
      }
    ],
    ["tool_choice required → ANY", { messages: [user("x")], tools: [WEATHER], tool_choice: "required" }, { toolConfig: { functionCallingConfig: { mode: "ANY" } } }],
    ["tool_choice none → NONE", { messages: [user("x")], tools: [WEATHER], tool_choice: "none" }, { toolConfig: { functionCallingConfig: { mode: "NONE" } } }],
    [
      "tool calls → functionCall, tool results → functionResponse named via the assistant's tool_calls",
      { messages: TOOL_TURN, tools: [WEATHER] },
      {
        contents: [
          { role: "user", parts: [{ text: "weather?" }] },
          { role: "model", parts: [{ functionCall: { name: "weather", args: { city: "Paris" } } }, { functionCall: { name: "weather", args: { city: "Rome" } } }] },
          { role: "user", parts: [{ functionResponse: { name: "weather", response: { temp: 20 } } }, { functionResponse: { name: "weather", response: { result: "warm" } } }] }
        ]
      }
    ],
    [
      "generationConfig from sampling fields, n, seed, penalties, json_schema",
      {
        messages: [user("x")], temperature: 1.5, top_p: 0.5, top_k: 3, max_tokens: 99, stop: "END", n: 2, seed: 4,
        presence_penalty: 0.1, frequency_penalty: 0.2, response_format: { type: "json_schema", json_schema: { name: "r", schema: { type: "object" } } },
        user: "dropped", parallel_tool_calls: false
      },
      {
        generationConfig: {
          temperature: 1.5, topP: 0.5, topK: 3, maxOutputTokens: 99, stopSequences: ["END"], candidateCount: 2, seed: 4,
          presencePenalty: 0.1, frequencyPenalty: 0.2, responseMimeType: "application/json", responseJsonSchema: { type: "object" }
        }
      }
    ],
    ["json_object → responseMimeType", { messages: [user("x")], response_format: { type: "json_object" } }, { generationConfig: { responseMimeType: "application/json" } }],
    ["audio and PDF input → inlineData", { messages: [user([{ type: "input_audio", input_audio: { data: "UklG", format: "mp3" } }, { type: "file", file: { file_data: "data:application/pdf;base64,JVBE" } }])] }, {
      contents: [{ role: "user", parts: [{ inlineData: { mimeType: "audio/mp3", data: "UklG" } }, { inlineData: { mimeType: "application/pdf", data: "JVBE" } }] }]
    }]
  ]
  it.each(cases)("%s", (_name, input, expected) => {
    expect(upstreamBody(input)).toMatchObject(expected)
  })

  it("only sets what the client set", () => {
    expect(Object.keys(upstreamBody({ messages: [user("hi")] }))).toEqual(["contents"])
  })

  it("URLs and key header", () => {
    const plain = Either.getOrThrow(GoogleAdapter.buildRequest(endpoint(undefined, "models/gemini-x"), chat({ messages: [user("x")] })))
    expect(plain.url).toBe("https://generativelanguage.googleapis.com/v1beta/models/gemini-x:generateContent")
    expect(plain.headers).toMatchObject({ "x-goog-api-key": "AIza-test" })
    const streamed = Either.getOrThrow(GoogleAdapter.buildRequest(endpoint(), chat({ messages: [user("x")], stream: true })))
    expect(streamed.url).toBe("https://generativelanguage.googleapis.com/v1beta/models/gemini-x:streamGenerateContent?alt=sse")
  })

  it("Gemini 3 replays get the thought signature back (remembered by tool-call id), or Google's sentinel", () => {
    const memory = new ThinkingMemory({ entries: 100, bytes: 100_000 })
    const withMemory = (body: Record<string, unknown>): ChatRequest => ({ ...chat(body), memory })
    const answer = GoogleAdapter.translateResponse(endpoint(undefined, "gemini-3-pro"), withMemory({}), Buffer.from(JSON.stringify({
      candidates: [{ content: { role: "model", parts: [{ functionCall: { name: "weather", args: { city: "Oslo" } }, thoughtSignature: "SIG123" }] }, finishReason: "STOP" }],
      responseId: "r-sig"
    })))
    const id = (JSON.parse(String(Either.getOrThrow(answer))) as { choices: Array<{ message: { tool_calls: Array<{ id: string }> } }> }).choices[0]?.message.tool_calls[0]?.id
    const replay = (callId: string) => JSON.parse(Either.getOrThrow(GoogleAdapter.buildRequest(endpoint(undefined, "gemini-3-pro"), withMemory({
      messages: [user("x"), { role: "assistant", tool_calls: [{ id: callId, type: "function", function: { name: "weather", arguments: "{}" } }] }, { role: "tool", tool_call_id: callId, content: "ok" }],
      tools: [WEATHER]
    }))).body) as Record<string, unknown>
    expect(replay(String(id)).contents).toMatchObject([{}, { parts: [{ thoughtSignature: "SIG123" }] }, {}])
    expect(replay("call_unknown").contents).toMatchObject([{}, { parts: [{ thoughtSignature: "skip_thought_signature_validator" }] }, {}])
    const older = upstreamBody({ messages: [user("x"), { role: "assistant", tool_calls: [{ id: "c", type: "function", function: { name: "weather", arguments: "{}" } }] }, { role: "tool", tool_call_id: "c", content: "ok" }], tools: [WEATHER] })
    expect(JSON.stringify(older)).not.toContain("thoughtSignature")
  })
})

describe("Gemini rejections", () => {
  it.each([
    ["image URL without a known type", { messages: [user([{ type: "image_url", image_url: { url: "https://x.test/image" } }])] }, "messages[0].content[0].image_url.url"],
    ["logprobs", { messages: [user("x")], logprobs: true, top_logprobs: 2 }, "logprobs"],
    ["invalid tool arguments", { messages: [user("x"), { role: "assistant", tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "[1]" } }] }] }, "messages[1].tool_calls[0].function.arguments"],
    ["unknown field", { messages: [user("x")], thinking: { type: "enabled" } }, "thinking"],
    ["tool_choice without tools", { messages: [user("x")], tool_choice: "required" }, "tool_choice"]
  ])("%s", (_name, input, param) => {
    const result = GoogleAdapter.buildRequest(endpoint(), chat(input))
    expect(Either.isLeft(result) && result.left.param).toBe(param)
  })
})

const translate = (doc: Record<string, unknown>, n = 1) => {
  const result = GoogleAdapter.translateResponse(endpoint(), chat({ n }), Buffer.from(JSON.stringify(doc)))
  return Either.map(result, (text) => JSON.parse(String(text)) as {
    id: string
    model: string
    choices: Array<{ index: number; message: Record<string, unknown>; finish_reason: string }>
    usage?: Record<string, unknown>
  })
}
const candidate = (parts: Array<Record<string, unknown>>, finishReason: string, index?: number) => ({
  content: { role: "model", parts }, finishReason, ...(index === undefined ? {} : { index })
})

describe("Gemini answer translation", () => {
  it.each([
    ["text STOP", [candidate([{ text: "Hi" }, { text: " there" }], "STOP")], { content: "Hi there", refusal: null }, "stop"],
    ["MAX_TOKENS", [candidate([{ text: "x" }], "MAX_TOKENS")], { content: "x" }, "length"],
    ["function calls → tool_calls", [candidate([{ text: "ok" }, { functionCall: { name: "weather", args: { city: "Oslo" } } }], "STOP")], { content: "ok" }, "tool_calls"],
    ["SAFETY with no content → refusal", [candidate([], "SAFETY")], { content: null, refusal: "The answer was blocked by Gemini's safety filters (finishReason: SAFETY)." }, "content_filter"],
    ["thought parts → reasoning_content", [candidate([{ text: "hmm", thought: true }, { text: "42" }], "STOP")], { content: "42", reasoning_content: "hmm" }, "stop"]
  ])("%s", (_name, candidates, expected, finish) => {
    const out = Either.getOrThrow(translate({ candidates, modelVersion: "gemini-x-001", responseId: "abc", usageMetadata: { promptTokenCount: 7, candidatesTokenCount: 3, totalTokenCount: 10 } }))
    expect(out.id).toBe("chatcmpl-abc")
    expect(out.model).toBe("gemini-x-001")
    expect(out.choices[0]?.message).toMatchObject(expected)
    expect(out.choices[0]?.finish_reason).toBe(finish)
    expect(out.usage).toEqual({ prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 })
  })

  it("tool-call ids are deterministic, distinct and valid OpenAI ids", () => {
    const doc = { candidates: [candidate([{ functionCall: { name: "w", args: { a: 1 } } }, { functionCall: { name: "w", args: { a: 1 } } }], "STOP")], responseId: "r1" }
    const ids = (d: Record<string, unknown>) => (Either.getOrThrow(translate(d)).choices[0]?.message["tool_calls"] as Array<{ id: string }>).map((c) => c.id)
    const first = ids(doc)
    expect(first).toEqual(ids(doc))
    expect(new Set(first).size).toBe(2)
    for (const id of first) expect(id).toMatch(/^call_\d+_[0-9a-f]{24}$/)
    expect(ids({ ...doc, responseId: "r2" })).not.toEqual(first)
  })

  it("several candidates become choices in index order; thoughts count as completion tokens", () => {
    const out = Either.getOrThrow(translate({
      candidates: [candidate([{ text: "B" }], "STOP", 1), candidate([{ text: "A" }], "STOP", 0)],
      usageMetadata: { promptTokenCount: 10, cachedContentTokenCount: 4, candidatesTokenCount: 2, thoughtsTokenCount: 5, totalTokenCount: 17 }
    }, 2))
    expect(out.choices.map((c) => [c.index, c.message["content"]])).toEqual([[0, "A"], [1, "B"]])
    expect(out.usage).toEqual({ prompt_tokens: 10, completion_tokens: 7, total_tokens: 17, prompt_tokens_details: { cached_tokens: 4 }, completion_tokens_details: { reasoning_tokens: 5 } })
  })

  it("a blocked prompt is a content_filter completion with a refusal", () => {
    const out = Either.getOrThrow(translate({ promptFeedback: { blockReason: "SAFETY" }, usageMetadata: { promptTokenCount: 5, totalTokenCount: 5 } }))
    expect(out.choices[0]).toMatchObject({ finish_reason: "content_filter", message: { content: null, refusal: "The prompt was blocked by Gemini's safety filters (blockReason: SAFETY)." } })
  })

  it("a malformed function call or an empty 200 is a broken answer (retryable elsewhere)", () => {
    expect(Either.isLeft(translate({ candidates: [candidate([], "MALFORMED_FUNCTION_CALL")] }))).toBe(true)
    expect(Either.isLeft(translate({}))).toBe(true)
  })
})

describe("Gemini error mapping", () => {
  const body = (code: number, status: string, details?: Array<unknown>) => JSON.stringify({ error: { code, message: "Nope", status, ...(details ? { details } : {}) } })
  it("429 takes its delay from RetryInfo when there is no Retry-After", () => {
    const error = GoogleAdapter.parseError(endpoint(), 429, {}, body(429, "RESOURCE_EXHAUSTED", [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "1.5s" }]))
    expect(error._tag === "RateLimited" && error.retryAfterMs).toBe(1500)
  })
  it.each([[400, "INVALID_ARGUMENT", "BadRequest"], [403, "PERMISSION_DENIED", "BadRequest"], [500, "INTERNAL", "Unavailable"], [503, "UNAVAILABLE", "Unavailable"], [404, "NOT_FOUND", "NotFound"]])(
    "%i %s → %s",
    (status, text, tag) => {
      const error = GoogleAdapter.parseError(endpoint(), status, {}, body(status, text))
      expect(error._tag).toBe(tag)
      if (error._tag === "BadRequest") expect(JSON.parse(error.body)).toEqual({ error: { message: "Nope", type: text, code: text, param: null } })
    }
  )
})

const STREAMED: Extract<GeminiReply, { type: "response" }> = {
  type: "response",
  candidates: [{
    parts: [{ text: "Héllo 🌍, checking." }, { functionCall: { name: "weather", args: { city: "Zürich" } } }, { functionCall: { name: "time", args: {} } }],
    finishReason: "STOP"
  }],
  usageMetadata: { promptTokenCount: 12, candidatesTokenCount: 8, totalTokenCount: 20 },
  textChunk: 4
}
const sseOf = (events: ReadonlyArray<unknown>) => events.map((e) => `data: ${JSON.stringify(e)}\r\n\r\n`).join("")

const run = (pieces: ReadonlyArray<Buffer>, body: Record<string, unknown> = { stream: true, stream_options: { include_usage: true } }) => {
  const translator = GoogleAdapter.streamTranslator(endpoint(), chat(body))
  let out = ""
  for (const piece of pieces) out += String(translator.push(piece))
  const end = translator.end()
  out += String(end.output)
  return { out, complete: end.complete, failure: translator.failure, ...parseSse(out) }
}

describe("Gemini stream translation", () => {
  it("text then parallel function calls, with usage and [DONE]", () => {
    const result = run([Buffer.from(sseOf(responseEvents(STREAMED, "gemini-x")))])
    expect(result.complete).toBe(true)
    expect(result.done).toBe(true)
    const assembled = assemble(result.chunks)
    expect(assembled).toMatchObject({ role: "assistant", content: "Héllo 🌍, checking.", finishReason: "tool_calls" })
    expect(assembled.toolCalls.map((c) => [c.name, JSON.parse(c.arguments)])).toEqual([["weather", { city: "Zürich" }], ["time", {}]])
    expect(new Set(result.chunks.map((c) => c.id)).size).toBe(1)
    expect(result.chunks[result.chunks.length - 1]).toMatchObject({ choices: [], usage: { prompt_tokens: 12, completion_tokens: 8, total_tokens: 20 } })
  })

  it("the same chunks for every byte split", () => {
    const bytes = Buffer.from(sseOf(responseEvents(STREAMED, "gemini-x")))
    const reference = JSON.stringify(normalized(run([bytes]).chunks))
    const bad: Array<number> = []
    for (let cut = 0; cut <= bytes.length; cut++) {
      const split = run([bytes.subarray(0, cut), bytes.subarray(cut)])
      if (!split.complete || JSON.stringify(normalized(split.chunks)) !== reference) bad.push(cut)
    }
    expect(bad).toEqual([])
  })

  it("a stream that ends before any finishReason is incomplete", () => {
    const events = responseEvents(STREAMED, "gemini-x")
    const result = run([Buffer.from(sseOf(events.slice(0, 2)))])
    expect(result.complete).toBe(false)
    expect(result.done).toBe(false)
  })

  it("an error object inside the stream sets failure", () => {
    const events = [...responseEvents(STREAMED, "gemini-x").slice(0, 2), { error: { code: 503, message: "overloaded", status: "UNAVAILABLE" } }]
    const result = run([Buffer.from(sseOf(events))])
    expect(result.failure?.message).toContain("UNAVAILABLE")
    expect(result.complete).toBe(false)
  })

  it("a blocked prompt streams a refusal with content_filter, then completes", () => {
    const result = run([Buffer.from(sseOf([{ promptFeedback: { blockReason: "PROHIBITED_CONTENT" }, usageMetadata: { promptTokenCount: 3, totalTokenCount: 3 } }]))])
    expect(result.complete).toBe(true)
    expect(assemble(result.chunks)).toMatchObject({ finishReason: "content_filter", refusal: "The prompt was blocked by Gemini's safety filters (blockReason: PROHIBITED_CONTENT)." })
  })

  it("n = 2 completes only when both candidates finished", () => {
    const events = [
      { candidates: [{ content: { role: "model", parts: [{ text: "A" }] }, finishReason: "STOP" }] },
      { candidates: [{ content: { role: "model", parts: [{ text: "B" }] }, index: 1 }] }
    ]
    const body = { stream: true, n: 2 }
    expect(run([Buffer.from(sseOf(events))], body).complete).toBe(false)
    const done = run([Buffer.from(sseOf([...events, { candidates: [{ content: { role: "model", parts: [{ text: "!" }] }, finishReason: "STOP", index: 1 }] }]))], body)
    expect(done.complete).toBe(true)
    expect([assemble(done.chunks, 0).content, assemble(done.chunks, 1).content]).toEqual(["A", "B!"])
  })
})

describe("Gemini requests pass the loopback API's validation", () => {
  it("a tool round trip with images and system prompt, against Gemini 3 rules", async () => {
    const stub = resources.add(await startGeminiUpstream())
    const request = Either.getOrThrow(GoogleAdapter.buildRequest(endpoint(stub.url, "gemini-3-pro"), chat({
      messages: [{ role: "system", content: "Be brief." }, ...TOOL_TURN.slice(0, 1), { role: "user", content: [{ type: "image_url", image_url: { url: "data:image/png;base64,iVBO" } }] }, ...TOOL_TURN.slice(1), user("thanks")],
      tools: [WEATHER]
    })))
    const response = await fetch(request.url, { method: "POST", headers: request.headers, body: request.body })
    expect(stub.requests[0]?.rejected).toBeUndefined()
    expect(response.status).toBe(200)
  })
})
