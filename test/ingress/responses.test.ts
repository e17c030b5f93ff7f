/**
 * `POST /v1/responses` with the official openai SDK, against each kind of upstream: text, the
 * event stream, function tools over two turns continued by `previous_response_id`, images.
 */
import OpenAI from "openai"
import { afterEach, describe, expect, it } from "vitest"
import { BACKENDS, type Backend, startBackend } from "../support/ingressBackends.js"
import { Resources } from "../support/http.js"

const resources = new Resources()
afterEach(() => resources.closeAll())

const client = (backend: Backend) => new OpenAI({ baseURL: backend.baseUrl, apiKey: "unused", maxRetries: 0 })

const WEATHER: OpenAI.Responses.FunctionTool = {
  type: "function",
  name: "weather",
  description: "Weather for a city",
  parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  strict: null
}

const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="

/** The chat messages the upstream got, whatever its wire format, as one string to search. */
const sent = (backend: Backend, n?: number) => JSON.stringify(backend.body(n))

describe.each(BACKENDS)("openai SDK responses → llmrouter → %s upstream", (kind) => {
  it("responses.create: a completed response with output_text and usage", async () => {
    const backend = await startBackend(kind, resources)
    backend.answer({ text: "Hello, world.", usage: { input: 11, output: 3 } })
    const response = await client(backend).responses.create({ model: backend.model, instructions: "Be brief.", input: "Say hello" })
    expect(response.object).toBe("response")
    expect(response.id).toMatch(/^resp_/)
    expect(response.status).toBe("completed")
    expect(response.output_text).toBe("Hello, world.")
    expect(response.output).toEqual([
      { id: expect.stringMatching(/^msg_/), type: "message", status: "completed", role: "assistant", content: [{ type: "output_text", text: "Hello, world.", annotations: [], logprobs: [] }] }
    ])
    expect(response.usage).toMatchObject({ input_tokens: 11, output_tokens: 3, total_tokens: 14 })
    expect(response.instructions).toBe("Be brief.")
    expect(sent(backend)).toContain("Be brief.")
  })

  it("streams the documented events with sequence numbers, assembled by the SDK", async () => {
    const backend = await startBackend(kind, resources)
    backend.answer({ text: "One two three four.", usage: { input: 7, output: 4 } })
    const stream = client(backend).responses.stream({ model: backend.model, input: [{ role: "user", content: "Count" }] })
    const events: Array<OpenAI.Responses.ResponseStreamEvent> = []
    for await (const event of stream) events.push(event)
    const final = await stream.finalResponse()
    expect(final.output_text).toBe("One two three four.")
    expect(final.status).toBe("completed")
    expect(final.usage?.output_tokens).toBe(4)
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i))
    const types = events.map((e) => e.type)
    expect(types.slice(0, 4)).toEqual(["response.created", "response.in_progress", "response.output_item.added", "response.content_part.added"])
    expect(types.filter((t) => t === "response.output_text.delta").length).toBeGreaterThan(0)
    expect(types.slice(-4)).toEqual(["response.output_text.done", "response.content_part.done", "response.output_item.done", "response.completed"])
    const delta = events.find((e) => e.type === "response.output_text.delta")
    expect(delta).toMatchObject({ output_index: 0, content_index: 0, item_id: expect.stringMatching(/^msg_/) })
  })

  it("function tools: a function_call, then its output continued by previous_response_id", async () => {
    const backend = await startBackend(kind, resources)
    const openai = client(backend)
    backend.answer({ tools: [{ id: "call_abc123", name: "weather", input: { city: "Paris" } }] })
    const first = await openai.responses.create({ model: backend.model, input: "Weather in Paris?", tools: [WEATHER], tool_choice: "auto" })
    const call = first.output.find((item) => item.type === "function_call")
    expect(call).toMatchObject({ type: "function_call", name: "weather", status: "completed" })
    if (call?.type !== "function_call") throw new Error("no function_call")
    expect(JSON.parse(call.arguments)).toEqual({ city: "Paris" })

    backend.answer({ text: "Sunny in Paris." })
    const stream = openai.responses.stream({
      model: backend.model,
      previous_response_id: first.id,
      tools: [WEATHER],
      input: [{ type: "function_call_output", call_id: call.call_id, output: "21°C, sunny" }]
    })
    const second = await stream.finalResponse()
    expect(second.output_text).toBe("Sunny in Paris.")
    expect(second.previous_response_id).toBe(first.id)
    // The upstream saw the whole conversation: question, call, its output.
    expect(sent(backend)).toContain("Weather in Paris?")
    expect(sent(backend)).toContain("21°C, sunny")
    expect(sent(backend)).toContain("weather")

    // And a third turn continues the second.
    backend.answer({ text: "You're welcome." })
    const third = await openai.responses.create({ model: backend.model, previous_response_id: second.id, input: "Thanks!" })
    expect(third.output_text).toBe("You're welcome.")
    expect(sent(backend)).toContain("Sunny in Paris.")
    expect(sent(backend)).toContain("Weather in Paris?")
  })

  it("streams a function call's arguments as deltas", async () => {
    const backend = await startBackend(kind, resources)
    backend.answer({ tools: [{ id: "call_x1", name: "weather", input: { city: "São Paulo", days: [1, 2] } }] })
    const stream = client(backend).responses.stream({ model: backend.model, input: "Weather?", tools: [WEATHER] })
    const types: Array<string> = []
    for await (const event of stream) types.push(event.type)
    const final = await stream.finalResponse()
    const call = final.output[0]
    expect(call).toMatchObject({ type: "function_call", name: "weather", status: "completed" })
    if (call?.type !== "function_call") throw new Error("no function_call")
    expect(JSON.parse(call.arguments)).toEqual({ city: "São Paulo", days: [1, 2] })
    expect(types).toContain("response.function_call_arguments.delta")
    expect(types).toContain("response.function_call_arguments.done")
  })

  it("images: an input_image reaches the upstream", async () => {
    const backend = await startBackend(kind, resources)
    backend.answer({ text: "A pixel." })
    const response = await client(backend).responses.create({
      model: backend.model,
      input: [{ role: "user", content: [{ type: "input_text", text: "What is it?" }, { type: "input_image", image_url: `data:image/png;base64,${PNG}`, detail: "auto" }] }]
    })
    expect(response.output_text).toBe("A pixel.")
    expect(sent(backend)).toContain(PNG)
  })
})

describe("stored responses", () => {
  it("store: false is not continuable: previous_response_id is then a clear 400", async () => {
    const backend = await startBackend("openai", resources)
    const openai = client(backend)
    const unstored = await openai.responses.create({ model: backend.model, input: "hi", store: false })
    expect(unstored).toMatchObject({ store: false })
    const error = await openai.responses.create({ model: backend.model, input: "again", previous_response_id: unstored.id }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OpenAI.BadRequestError)
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).code).toBe("previous_response_not_found")
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).param).toBe("previous_response_id")
    expect(backend.requests()).toBe(1)
  })

  it("expire after ttl and are bounded in number", async () => {
    const { makeFileStore } = await import("../../src/ingress/responses/ResponseStore.js")
    const { mkdtempSync, readdirSync, statSync } = await import("node:fs")
    const { tmpdir } = await import("node:os")
    const Path = await import("node:path")
    const { Effect } = await import("effect")
    const dir = Path.join(mkdtempSync(Path.join(tmpdir(), "llmrouter-responses-")), "responses")
    const store = makeFileStore(dir, { ttlMs: 60_000, maxCount: 3, maxBytes: 1_000_000 })
    const id = (n: number) => `resp_${String(n).padStart(16, "0")}`
    for (let n = 1; n <= 5; n++) Effect.runSync(store.put({ id: id(n), createdAt: n, model: "m", messages: [{ role: "user", content: `turn ${n}` }] }))
    expect(readdirSync(dir).sort()).toEqual([3, 4, 5].map((n) => `${id(n)}.json`))
    expect(statSync(Path.join(dir, `${id(5)}.json`)).mode & 0o777).toBe(0o600)
    expect(Effect.runSync(store.get(id(1)))).toBeUndefined()
    expect(Effect.runSync(store.get(id(5)))?.messages).toEqual([{ role: "user", content: "turn 5" }])
    // A fresh store over the same directory sees them; one with a ttl already passed drops them.
    expect(Effect.runSync(makeFileStore(dir, { ttlMs: 60_000, maxCount: 3, maxBytes: 1_000_000 }).get(id(4)))).toBeDefined()
    expect(Effect.runSync(makeFileStore(dir, { ttlMs: 1, maxCount: 3, maxBytes: 1_000_000 }).get(id(4)))).toBeUndefined()
    // Ids we never minted cannot name a file.
    expect(Effect.runSync(store.get("../../etc/passwd"))).toBeUndefined()
  })
})
