/**
 * The Anthropic adapter in isolation: request translation (table), rejections (table), answers
 * (table), error mapping, the stream state machine (every byte split), and requests checked by
 * the loopback Anthropic API's validation.
 */
import { Either, Redacted, Schema } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { Timeouts } from "../../src/config/schema.js"
import type { ChatRequest, ResolvedEndpoint, UpstreamRequest } from "../../src/providers/Adapter.js"
import { AnthropicAdapter } from "../../src/providers/anthropic.js"
import { messageEvents, sseText, startAnthropicUpstream, type MessageSpec, type StreamEvent } from "../support/anthropicUpstream.js"
import { Resources } from "../support/http.js"
import { assemble, normalized, parseSse } from "../support/openaiChunks.js"

const resources = new Resources()
afterEach(() => resources.closeAll())

const endpoint = (apiBase = "https://api.anthropic.com"): ResolvedEndpoint => ({
  id: "anthropic:claude-x",
  provider: "anthropic",
  kind: "anthropic",
  modelId: "claude-x",
  apiBase,
  apiKey: Redacted.make("sk-ant-test"),
  headers: {},
  timeouts: Schema.decodeSync(Timeouts)({}),
  continuation: "prefill"
})

const chat = (body: Record<string, unknown>): ChatRequest => ({
  body: { model: "m", ...body },
  model: "m",
  stream: body["stream"] === true
})

const build = (body: Record<string, unknown>): UpstreamRequest =>
  Either.getOrThrow(AnthropicAdapter.buildRequest(endpoint(), chat(body)))
const upstreamBody = (body: Record<string, unknown>) => JSON.parse(build(body).body) as Record<string, unknown>

const user = (content: unknown) => ({ role: "user", content })
const PNG = "iVBORw0KGgo="
const WEATHER = { type: "function", function: { name: "weather", description: "Weather", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } } }
const TIME = { type: "function", function: { name: "time", parameters: { type: "object", properties: {} } } }

describe("Anthropic request translation", () => {
  const cases: Array<[string, Record<string, unknown>, Record<string, unknown>]> = [
    [
      "system string, user string, default max_tokens",
      { messages: [{ role: "system", content: "Be brief." }, user("hi")] },
      // The system prompt carries a prompt-cache breakpoint, so it goes as a block (anthropic/cacheBreakpoints.ts).
      { model: "claude-x", max_tokens: 4096, system: [{ type: "text", text: "Be brief.", cache_control: { type: "ephemeral" } }], messages: [{ role: "user", content: [{ type: "text", text: "hi" }] }] }
    ],
    [
      "system and developer messages anywhere become system blocks in order",
      { messages: [{ role: "system", content: "A" }, user("hi"), { role: "developer", content: [{ type: "text", text: "B" }] }] },
      { system: [{ type: "text", text: "A" }, { type: "text", text: "B" }], messages: [{ role: "user", content: [{ type: "text", text: "hi" }] }] }
    ],
    [
      "consecutive user messages are merged (alternation)",
      { messages: [user("a"), user([{ type: "text", text: "b" }])] },
      { messages: [{ role: "user", content: [{ type: "text", text: "a" }, { type: "text", text: "b" }] }] }
    ],
    [
      "data URL image → base64 source; https URL → url source",
      { messages: [user([{ type: "text", text: "what?" }, { type: "image_url", image_url: { url: `data:image/png;base64,${PNG}` } }, { type: "image_url", image_url: { url: "https://example.com/cat.jpg", detail: "high" } }])] },
      {
        messages: [{
          role: "user",
          content: [
            { type: "text", text: "what?" },
            { type: "image", source: { type: "base64", media_type: "image/png", data: PNG } },
            { type: "image", source: { type: "url", url: "https://example.com/cat.jpg" } }
          ]
        }]
      }
    ],
    [
      "tools and tool_choice required → any",
      { messages: [user("hi")], tools: [WEATHER, TIME], tool_choice: "required" },
      {
        tools: [
          { name: "weather", description: "Weather", input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } },
          { name: "time", input_schema: { type: "object", properties: {} } }
        ],
        tool_choice: { type: "any" }
      }
    ],
    [
      "named tool_choice → tool; parallel_tool_calls false → disable_parallel_tool_use",
      { messages: [user("hi")], tools: [WEATHER], tool_choice: { type: "function", function: { name: "weather" } }, parallel_tool_calls: false },
      { tool_choice: { type: "tool", name: "weather", disable_parallel_tool_use: true } }
    ],
    [
      "tool_choice none and auto",
      { messages: [user("hi")], tools: [WEATHER], tool_choice: "none" },
      { tool_choice: { type: "none" } }
    ],
    [
      "assistant tool_calls → tool_use (arguments parsed); parallel tool results → one user turn",
      {
        messages: [
          user("weather and time?"),
          {
            role: "assistant",
            content: null,
            tool_calls: [
              { id: "call_1", type: "function", function: { name: "weather", arguments: "{\"city\":\"Paris\"}" } },
              { id: "call_2", type: "function", function: { name: "time", arguments: "" } }
            ]
          },
          { role: "tool", tool_call_id: "call_1", content: "sunny" },
          { role: "tool", tool_call_id: "call_2", content: [{ type: "text", text: "noon" }] },
          user("thanks")
        ],
        tools: [WEATHER, TIME]
      },
      {
        messages: [
          { role: "user", content: [{ type: "text", text: "weather and time?" }] },
          {
            role: "assistant",
            content: [
              { type: "tool_use", id: "call_1", name: "weather", input: { city: "Paris" } },
              { type: "tool_use", id: "call_2", name: "time", input: {} }
            ]
          },
          {
            role: "user",
            content: [
              { type: "tool_result", tool_use_id: "call_1", content: "sunny" },
              { type: "tool_result", tool_use_id: "call_2", content: "noon" },
              { type: "text", text: "thanks" }
            ]
          }
        ]
      }
    ],
    [
      "tool ids outside Anthropic's alphabet are mapped the same way on both sides",
      {
        messages: [
          user("x"),
          { role: "assistant", content: "Let me check.", tool_calls: [{ id: "functions.time:0", type: "function", function: { name: "time", arguments: "{}" } }] },
          { role: "tool", tool_call_id: "functions.time:0", content: "noon" }
        ],
        tools: [TIME]
      },
      {
        messages: [
          { role: "user", content: [{ type: "text", text: "x" }] },
          { role: "assistant", content: [{ type: "text", text: "Let me check." }, { type: "tool_use", id: "functions_time_0", name: "time", input: {} }] },
          { role: "user", content: [{ type: "tool_result", tool_use_id: "functions_time_0", content: "noon" }] }
        ]
      }
    ],
    [
      "sampling: max_completion_tokens wins, temperature clamped to 1, top_p 1 dropped, stop string, user → metadata",
      { messages: [user("x")], max_tokens: 10, max_completion_tokens: 20, temperature: 1.5, top_p: 1, stop: "END", user: "u-1", seed: 7, store: false },
      { max_tokens: 20, temperature: 1, stop_sequences: ["END"], metadata: { user_id: "u-1" } }
    ],
    [
      "top_p, top_k, stop array, stream",
      { messages: [user("x")], top_p: 0.9, top_k: 40, stop: ["a", "b"], stream: true, stream_options: { include_usage: true } },
      { top_p: 0.9, top_k: 40, stop_sequences: ["a", "b"], stream: true }
    ],
    [
      "cache_control on text parts is passed on; PDF files become documents",
      { messages: [user([{ type: "text", text: "long", cache_control: { type: "ephemeral" } }, { type: "file", file: { filename: "a.pdf", file_data: "data:application/pdf;base64,JVBERi0=" } }])] },
      {
        messages: [{
          role: "user",
          content: [
            { type: "text", text: "long", cache_control: { type: "ephemeral" } },
            { type: "document", source: { type: "base64", media_type: "application/pdf", data: "JVBERi0=" }, title: "a.pdf" }
          ]
        }]
      }
    ],
    [
      "a final assistant prefill loses its trailing whitespace (the API refuses it)",
      { messages: [user("a"), { role: "assistant", content: "The answer is " }] },
      { messages: [{ role: "user", content: [{ type: "text", text: "a" }] }, { role: "assistant", content: [{ type: "text", text: "The answer is" }] }] }
    ],
    [
      "empty texts are dropped, empty assistant turns vanish and neighbours merge",
      { messages: [user("a"), { role: "assistant", content: "" }, user("b")] },
      { messages: [{ role: "user", content: [{ type: "text", text: "a" }, { type: "text", text: "b" }] }] }
    ]
  ]
  it.each(cases)("%s", (_name, input, expected) => {
    expect(upstreamBody(input)).toMatchObject(expected)
  })

  it("omits what the client did not set", () => {
    const body = upstreamBody({ messages: [user("hi")] })
    expect(Object.keys(body).sort()).toEqual(["max_tokens", "messages", "model"])
  })

  it("sends the key, version and URL Anthropic expects, and never mutates the client's body", () => {
    const input = { messages: [user("hi")], temperature: 2 }
    const frozen = JSON.stringify(input)
    const request = build(input)
    expect(request.url).toBe("https://api.anthropic.com/v1/messages")
    expect(request.headers).toMatchObject({ "x-api-key": "sk-ant-test", "anthropic-version": "2023-06-01", "content-type": "application/json" })
    expect(request.headers).not.toHaveProperty("authorization")
    expect(JSON.stringify(input)).toBe(frozen)
  })
})

describe("Anthropic rejections (clear 400s naming the field)", () => {
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ["n > 1", { messages: [user("x")], n: 2 }, "n"],
    ["logprobs", { messages: [user("x")], logprobs: true }, "logprobs"],
    ["json response_format", { messages: [user("x")], response_format: { type: "json_object" } }, "response_format"],
    ["json_schema response_format", { messages: [user("x")], response_format: { type: "json_schema", json_schema: { name: "a", schema: {} } } }, "response_format"],
    ["presence_penalty", { messages: [user("x")], presence_penalty: 0.5 }, "presence_penalty"],
    ["logit_bias", { messages: [user("x")], logit_bias: { "50256": -100 } }, "logit_bias"],
    ["audio output", { messages: [user("x")], modalities: ["text", "audio"] }, "modalities"],
    ["unknown field", { messages: [user("x")], frobnicate: 1 }, "frobnicate"],
    ["legacy functions", { messages: [user("x")], functions: [{ name: "f" }] }, "functions"],
    [
      "tool arguments that are not JSON",
      { messages: [user("x"), { role: "assistant", tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "{city:" } }] }] },
      "messages[1].tool_calls[0].function.arguments"
    ],
    ["BMP image", { messages: [user([{ type: "image_url", image_url: { url: "data:image/bmp;base64,Qk0=" } }])] }, "messages[0].content[0].image_url.url"],
    ["ftp image URL", { messages: [user([{ type: "image_url", image_url: { url: "ftp://x/y.png" } }])] }, "messages[0].content[0].image_url.url"],
    ["audio input", { messages: [user([{ type: "input_audio", input_audio: { data: "AAA", format: "wav" } }])] }, "messages[0].content[0].input_audio"],
    ["file by id", { messages: [user([{ type: "file", file: { file_id: "file-1" } }])] }, "messages[0].content[0].file"],
    ["unknown role", { messages: [{ role: "function", name: "f", content: "x" }] }, "messages[0].role"],
    ["tool_choice naming a missing tool", { messages: [user("x")], tools: [WEATHER], tool_choice: { type: "function", function: { name: "nope" } } }, "tool_choice"],
    ["only a system message", { messages: [{ role: "system", content: "S" }] }, "messages"],
    ["temperature out of range", { messages: [user("x")], temperature: 3 }, "temperature"]
  ]
  it.each(cases)("%s", (_name, input, param) => {
    const result = AnthropicAdapter.buildRequest(endpoint(), chat(input))
    expect(Either.isLeft(result)).toBe(true)
    if (Either.isLeft(result)) {
      expect(result.left._tag).toBe("InvalidRequest")
      expect(result.left.param).toBe(param)
      expect(result.left.message.length).toBeGreaterThan(10)
    }
  })
})

const translate = (message: Record<string, unknown>) => {
  const result = AnthropicAdapter.translateResponse(endpoint(), chat({ messages: [user("x")] }), Buffer.from(JSON.stringify(message)))
  return JSON.parse(String(Either.getOrThrow(result))) as {
    id: string
    object: string
    model: string
    choices: Array<{ message: Record<string, unknown>; finish_reason: string }>
    usage: Record<string, unknown>
  }
}
const message = (content: Array<unknown>, stop_reason: string, usage: Record<string, number> = { input_tokens: 10, output_tokens: 5 }) => ({
  id: "msg_1", type: "message", role: "assistant", model: "claude-x-2025", content, stop_reason, stop_sequence: null, usage
})

describe("Anthropic answer translation", () => {
  const cases: Array<[string, Record<string, unknown>, Record<string, unknown>, string]> = [
    ["text, end_turn", message([{ type: "text", text: "Hi" }, { type: "text", text: " there" }], "end_turn"), { role: "assistant", content: "Hi there", refusal: null }, "stop"],
    ["stop_sequence", message([{ type: "text", text: "x" }], "stop_sequence"), { content: "x" }, "stop"],
    ["max_tokens", message([{ type: "text", text: "x" }], "max_tokens"), { content: "x" }, "length"],
    ["refusal", message([], "refusal"), { content: "" }, "content_filter"],
    [
      "text + tool_use",
      message([{ type: "text", text: "Checking." }, { type: "tool_use", id: "toolu_1", name: "weather", input: { city: "Paris" } }], "tool_use"),
      { content: "Checking.", tool_calls: [{ id: "toolu_1", type: "function", function: { name: "weather", arguments: "{\"city\":\"Paris\"}" } }] },
      "tool_calls"
    ],
    [
      "tool_use only → content null",
      message([{ type: "tool_use", id: "toolu_1", name: "time", input: {} }], "tool_use"),
      { content: null, tool_calls: [{ id: "toolu_1", type: "function", function: { name: "time", arguments: "{}" } }] },
      "tool_calls"
    ],
    [
      "thinking → reasoning_content",
      message([{ type: "thinking", thinking: "hmm", signature: "s" }, { type: "text", text: "42" }], "end_turn"),
      { content: "42", reasoning_content: "hmm" },
      "stop"
    ]
  ]
  it.each(cases)("%s", (_name, input, expected, finish) => {
    const out = translate(input)
    expect(out.object).toBe("chat.completion")
    expect(out.id).toBe("msg_1")
    expect(out.model).toBe("claude-x-2025")
    expect(out.choices[0]?.message).toMatchObject(expected)
    expect(out.choices[0]?.finish_reason).toBe(finish)
  })

  it("folds cache tokens into prompt_tokens and reports cache reads as cached_tokens, writes as cache_write_tokens", () => {
    const out = translate(message([{ type: "text", text: "x" }], "end_turn", { input_tokens: 10, cache_creation_input_tokens: 100, cache_read_input_tokens: 1000, output_tokens: 7 }))
    expect(out.usage).toEqual({ prompt_tokens: 1110, completion_tokens: 7, total_tokens: 1117, prompt_tokens_details: { cached_tokens: 1000, cache_write_tokens: 100 } })
  })

  it("a 200 that is not a message is a broken answer", () => {
    for (const body of ["not json", "{\"type\":\"x\"}"]) {
      const result = AnthropicAdapter.translateResponse(endpoint(), chat({}), Buffer.from(body))
      expect(Either.isLeft(result) && result.left._tag).toBe("StreamBroken")
    }
  })
})

describe("Anthropic error mapping", () => {
  const body = (type: string, msg: string) => JSON.stringify({ type: "error", error: { type, message: msg } })
  it.each([
    [529, "overloaded_error", "Unavailable"],
    [500, "api_error", "Unavailable"],
    [429, "rate_limit_error", "RateLimited"],
    [400, "invalid_request_error", "BadRequest"],
    [401, "authentication_error", "BadRequest"],
    [403, "permission_error", "BadRequest"],
    [413, "request_too_large", "BadRequest"],
    [404, "not_found_error", "NotFound"]
  ])("%i %s → %s", (status, type, tag) => {
    const error = AnthropicAdapter.parseError(endpoint(), status, { "retry-after": "2" }, body(type, "Nope"))
    expect(error._tag).toBe(tag)
    expect(error.message).toContain("Nope")
    if (error._tag === "RateLimited") expect(error.retryAfterMs).toBe(2000)
    if (error._tag === "BadRequest") {
      expect(error.status).toBe(status)
      expect(JSON.parse(error.body)).toEqual({ error: { message: "Nope", type, code: type, param: null } })
    }
  })
})

const streamOf = (pieces: ReadonlyArray<Buffer>, includeUsage = true) => {
  const translator = AnthropicAdapter.streamTranslator(
    endpoint(),
    chat({ stream: true, ...(includeUsage ? { stream_options: { include_usage: true } } : {}) })
  )
  let out = ""
  for (const piece of pieces) out += String(translator.push(piece))
  const end = translator.end()
  out += String(end.output)
  return { out, complete: end.complete, failure: translator.failure, ...parseSse(out) }
}
const whole = (events: ReadonlyArray<StreamEvent>, includeUsage = true) => streamOf([Buffer.from(sseText(events))], includeUsage)

const MIXED: MessageSpec = {
  id: "msg_mixed",
  content: [
    { type: "text", text: "Héllo 🌍, checking both." },
    { type: "tool_use", id: "toolu_a", name: "weather", input: { city: "Zürich", days: [1, 2, 3] } },
    { type: "tool_use", id: "toolu_b", name: "time", input: { tz: "Europe/Paris" } }
  ],
  stop_reason: "tool_use",
  usage: { input_tokens: 20, cache_read_input_tokens: 5, output_tokens: 30 }
}

describe("Anthropic stream translation", () => {
  it("text and parallel tool calls (arguments in many deltas) assemble like OpenAI's", () => {
    const result = whole(messageEvents(MIXED, "claude-x", 3, 2))
    expect(result.complete).toBe(true)
    expect(result.done).toBe(true)
    expect(result.tail).toBe("")
    const assembled = assemble(result.chunks)
    expect(assembled).toMatchObject({ role: "assistant", content: "Héllo 🌍, checking both.", finishReason: "tool_calls" })
    expect(assembled.toolCalls.map((c) => [c.id, c.type, c.name, JSON.parse(c.arguments)])).toEqual([
      ["toolu_a", "function", "weather", { city: "Zürich", days: [1, 2, 3] }],
      ["toolu_b", "function", "time", { tz: "Europe/Paris" }]
    ])
    const ids = new Set(result.chunks.map((c) => c.id))
    expect(ids).toEqual(new Set(["msg_mixed"]))
    expect(new Set(result.chunks.map((c) => c.model))).toEqual(new Set(["claude-x"]))
    expect(result.chunks.every((c) => c.object === "chat.completion.chunk")).toBe(true)
    const last = result.chunks[result.chunks.length - 1]
    expect(last?.choices).toEqual([])
    expect(last?.usage).toEqual({ prompt_tokens: 25, completion_tokens: 30, total_tokens: 55, prompt_tokens_details: { cached_tokens: 5 } })
    // the finish chunk comes before the usage chunk, with an empty delta
    expect(result.chunks[result.chunks.length - 2]?.choices[0]).toMatchObject({ delta: {}, finish_reason: "tool_calls" })
  })

  it("gives the same chunks however the bytes are split (every boundary, and one byte at a time)", () => {
    const events = messageEvents(MIXED, "claude-x", 3, 2)
    const bytes = Buffer.from(sseText(events).replace(/\n/g, "\r\n"))
    const reference = JSON.stringify(normalized(whole(events).chunks))
    const mismatches: Array<number> = []
    for (let cut = 0; cut <= bytes.length; cut++) {
      const split = streamOf([bytes.subarray(0, cut), bytes.subarray(cut)])
      if (!split.complete || JSON.stringify(normalized(split.chunks)) !== reference) mismatches.push(cut)
    }
    expect(mismatches).toEqual([])
    const single = streamOf(Array.from(bytes, (b) => Buffer.from([b])))
    expect(JSON.stringify(normalized(single.chunks))).toBe(reference)
  })

  it("without include_usage there is no usage chunk", () => {
    const result = whole(messageEvents({ content: [{ type: "text", text: "hi" }] }, "claude-x"), false)
    expect(result.chunks.every((c) => c.usage === undefined && c.choices.length === 1)).toBe(true)
    expect(result.done).toBe(true)
  })

  it("a tool call whose input never streams gets '{}' arguments", () => {
    const events: Array<StreamEvent> = [
      { event: "message_start", data: { type: "message_start", message: { id: "m", model: "claude-x", usage: { input_tokens: 1, output_tokens: 1 } } } },
      { event: "content_block_start", data: { type: "content_block_start", index: 0, content_block: { type: "tool_use", id: "toolu_z", name: "time", input: {} } } },
      { event: "content_block_stop", data: { type: "content_block_stop", index: 0 } },
      { event: "message_delta", data: { type: "message_delta", delta: { stop_reason: "tool_use" }, usage: { output_tokens: 3 } } },
      { event: "message_stop", data: { type: "message_stop" } }
    ]
    const assembled = assemble(whole(events).chunks)
    expect(assembled.toolCalls).toEqual([{ id: "toolu_z", type: "function", name: "time", arguments: "{}" }])
    expect(assembled.content).toBeNull()
  })

  it("thinking deltas become reasoning_content; signatures are dropped", () => {
    const assembled = assemble(whole(messageEvents({ content: [{ type: "thinking", thinking: "Let me think" }, { type: "text", text: "42" }] }, "claude-x")).chunks)
    expect(assembled).toMatchObject({ reasoning: "Let me think", content: "42", finishReason: "stop" })
  })

  it("an error event mid-stream sets failure, keeps what came before, and is never complete", () => {
    const events = messageEvents({ content: [{ type: "text", text: "partial answer" }] }, "claude-x").slice(0, 5)
    events.push({ event: "error", data: { type: "error", error: { type: "overloaded_error", message: "Overloaded" } } })
    const result = whole(events)
    expect(result.failure?._tag).toBe("StreamBroken")
    expect(result.failure?.message).toContain("overloaded_error")
    expect(result.failure?.message).toContain("Overloaded")
    expect(result.complete).toBe(false)
    expect(result.done).toBe(false)
    expect(assemble(result.chunks).content).toBe("partial ")
  })

  it("an error right after message_start has produced no client bytes (the router may still fail over)", () => {
    const events = messageEvents({ content: [{ type: "text", text: "x" }] }, "claude-x").slice(0, 1)
    events.push({ event: "error", data: { type: "error", error: { type: "overloaded_error", message: "Overloaded" } } })
    const result = whole(events)
    expect(result.out).toBe("")
    expect(result.failure).toBeDefined()
  })

  it("a stream cut before message_stop is not complete and has no [DONE]", () => {
    const events = messageEvents({ content: [{ type: "text", text: "cut short" }] }, "claude-x")
    const result = whole(events.slice(0, -1))
    expect(result.complete).toBe(false)
    expect(result.done).toBe(false)
    expect(result.failure).toBeUndefined()
  })
})

describe("Anthropic requests pass the loopback API's validation", () => {
  it("a multi-turn tool conversation with images, system prompt and sampling", async () => {
    const stub = resources.add(await startAnthropicUpstream())
    const request = Either.getOrThrow(AnthropicAdapter.buildRequest(endpoint(stub.url), chat({
      messages: [
        { role: "system", content: "Be brief." },
        user([{ type: "text", text: "Weather here?" }, { type: "image_url", image_url: { url: `data:image/png;base64,${PNG}` } }]),
        { role: "assistant", content: "", tool_calls: [
          { id: "call_a", type: "function", function: { name: "weather", arguments: "{\"city\":\"Paris\"}" } },
          { id: "call_b", type: "function", function: { name: "time", arguments: "{}" } }
        ] },
        { role: "tool", tool_call_id: "call_a", content: "sunny" },
        { role: "tool", tool_call_id: "call_b", content: "noon" },
        { role: "assistant", content: "Sunny at noon." },
        user("thanks"),
        user("bye")
      ],
      tools: [WEATHER, TIME],
      tool_choice: "auto",
      temperature: 0.2,
      stop: ["\n\n"]
    })))
    const response = await fetch(request.url, { method: "POST", headers: request.headers, body: request.body })
    expect(stub.requests[0]?.rejected).toBeUndefined()
    expect(response.status).toBe(200)
    const translated = AnthropicAdapter.translateResponse(endpoint(), chat({}), Buffer.from(await response.arrayBuffer()))
    expect(JSON.parse(String(Either.getOrThrow(translated)))).toMatchObject({ choices: [{ message: { content: "Hello from Claude" } }] })
  })
})
