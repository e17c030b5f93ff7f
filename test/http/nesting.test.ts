/**
 * Nesting depth and the lazy validation path: JSON nested thousands of levels deep (30 KB) in a
 * tool schema or a content part is refused at the edge with a 400 naming the field (it used to
 * reach the Anthropic/Gemini adapters and end in a 500 from `JSON.stringify`); bodies the cheap
 * pass cannot vouch for still get the schema's precise 400; the upstream never sees any of them.
 */
import { Either } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { MAX_JSON_DEPTH, parseJsonObject, tooDeep } from "../../src/http/jsonBody.js"
import { startAnthropicUpstream, type AnthropicUpstream } from "../support/anthropicUpstream.js"
import { errorOf, postJson, rawRequest, Resources } from "../support/http.js"
import { answer, startUpstream, type Upstream } from "../support/openaiUpstream.js"
import { type RunningRouter, startRouter } from "../support/router.js"

/** `{"a":{"a":…}}` `levels` deep, as text (building it as a value and stringifying would overflow). */
const nestedText = (levels: number) => `${`{"a":`.repeat(levels - 1)}{}${"}".repeat(levels - 1)}`
const nestedArrayText = (levels: number) => `${"[".repeat(levels)}${"]".repeat(levels)}`

const resources = new Resources()
let openai: Upstream
let anthropic: AnthropicUpstream
let router: RunningRouter

beforeAll(async () => {
  openai = resources.add(await startUpstream(answer("fine")))
  anthropic = resources.add(await startAnthropicUpstream())
  router = resources.add(await startRouter(
    { providers: { local: { derives: "openai", apiBase: openai.url, requiresKey: false }, anthropic: { apiBase: anthropic.url } } },
    { env: { ANTHROPIC_API_KEY: "test-anthropic" } }
  ))
})
afterAll(() => resources.closeAll())

describe("nesting depth at the edge", () => {
  const deep = nestedText(5_000)
  expect(deep.length).toBeGreaterThan(29_000)

  for (const model of ["anthropic:claude-x", "local:m"]) {
    it(`400 naming tools[0].function.parameters, for ${model}`, async () => {
      const before = [openai.received.length, anthropic.requests.length]
      const body = `{"model":"${model}","messages":[{"role":"user","content":"hi"}],` +
        `"tools":[{"type":"function","function":{"name":"f","parameters":${deep}}}]}`
      const response = await sendText(body)
      expect(response.status).toBe(400)
      expect(errorOf(response.json)).toMatchObject({
        type: "invalid_request_error",
        code: "nesting_too_deep",
        param: "tools[0].function.parameters"
      })
      expect(errorOf(response.json).message).toContain(`more than ${MAX_JSON_DEPTH} levels`)
      expect([openai.received.length, anthropic.requests.length]).toEqual(before)
    })
  }

  it("400 naming the content part, arrays nested in a content part", async () => {
    const body = `{"model":"anthropic:claude-x","messages":[{"role":"user","content":[{"type":"text","text":"x","extra":${nestedArrayText(5_000)}}]}]}`
    const response = await sendText(body)
    expect(response.status).toBe(400)
    expect(errorOf(response.json)).toMatchObject({ code: "nesting_too_deep", param: "messages[0].content[0]" })
  })

  it("a real-sized schema passes, and so does nesting right at the limit", async () => {
    const atLimit = nestedText(MAX_JSON_DEPTH - 4) // body → tools → [0] → function → parameters…
    const body = `{"model":"local:m","messages":[{"role":"user","content":"hi"}],` +
      `"tools":[{"type":"function","function":{"name":"f","parameters":${atLimit}}}]}`
    expect(Either.isRight(parseJsonObject(body))).toBe(true)
    const response = await sendText(body)
    expect(response.status).toBe(200)
    expect(Either.isLeft(parseJsonObject(body.replace(atLimit, nestedText(MAX_JSON_DEPTH - 3))))).toBe(true)
  })
})

describe("cheap-valid shape, deep-invalid detail: still a precise 400", () => {
  const turns = Array.from({ length: 40 }, (_, i) => ({ role: i % 2 === 0 ? "user" : "assistant", content: `turn ${i}` }))
  const cases: ReadonlyArray<readonly [string, unknown, string]> = [
    ["a bad role deep in a long history", { model: "local:m", messages: [...turns.slice(0, 37), { role: "robot", content: "x" }, ...turns.slice(38)] }, "messages[37].role"],
    ["content an object in the last turn", { model: "local:m", messages: [...turns, { role: "user", content: { text: "x" } }] }, "messages[40].content"],
    ["a message that is not an object", { model: "local:m", messages: [...turns.slice(0, 5), "hello"] }, "messages[5]"],
    ["stream null is fine but stream 1 is not", { model: "local:m", messages: turns, stream: 1 }, "stream"]
  ]
  for (const [name, body, param] of cases) {
    it(name, async () => {
      const before = openai.received.length
      const response = await postJson(`${router.baseUrl}/chat/completions`, body)
      expect(response.status).toBe(400)
      expect(errorOf(response.json)).toMatchObject({ type: "invalid_request_error", param })
      expect(openai.received).toHaveLength(before)
    })
  }

  it("stream: null is accepted (the schema allows it)", async () => {
    const response = await postJson(`${router.baseUrl}/chat/completions`, { model: "local:m", messages: turns, stream: null })
    expect(response.status).toBe(200)
  })
})

describe("the depth check on its own (reused by other request codecs)", () => {
  it("names the first four path segments, and nothing when within the limit", () => {
    expect(tooDeep({ a: [[{}]] }, 3)?.param).toBe("a[0][0]")
    expect(tooDeep({ a: [[{}]] }, 4)).toBeUndefined()
    expect(tooDeep(JSON.parse(nestedText(100)) as unknown, 10)?.param).toBe("a.a.a.a")
    expect(tooDeep("text")).toBeUndefined()
  })
})

/** Posts text as-is (the deep bodies cannot round-trip through `JSON.stringify`). */
const sendText = (body: string) =>
  rawRequest(`${router.baseUrl}/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body })
