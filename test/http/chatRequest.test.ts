/**
 * Decoding a chat completions body: a large body is scanned (the lazy way), a small one parsed, and
 * whichever way a body goes, the request and the 400 are the ones `JSON.parse` + `Schema` give.
 * Each case is decoded small and padded past the scan threshold with a member routing never reads.
 */
import { Either } from "effect"
import { describe, expect, it } from "vitest"
import { decodeChatRequest } from "../../src/http/chatRequest.js"

const PAD = { metadata: { note: "p".repeat(8_000) } }

const decode = (text: string) => decodeChatRequest(Buffer.from(text))
const padded = (body: object) => JSON.stringify({ ...PAD, ...body })

const outcome = (text: string) =>
  Either.match(decode(text), {
    onLeft: (error) => ({ error: { message: error.message, code: error.code, param: error.param } }),
    onRight: (request) => ({ model: request.model, stream: request.stream, body: JSON.parse(JSON.stringify(request.body)) as unknown })
  })

const user = { role: "user", content: "hi" }

describe("decodeChatRequest", () => {
  it.each<[string, object]>([
    ["plain", { model: "m", messages: [user] }],
    ["streaming", { model: "m", messages: [user], stream: true }],
    ["stream null", { model: "m", messages: [user], stream: null }],
    ["every role and content shape", {
      model: "llmrouter/auto",
      messages: [{ role: "system", content: "s" }, { role: "developer", content: null }, { role: "user", content: [{ type: "text", text: "x" }] },
        { role: "assistant", tool_calls: [] }, { role: "tool", content: "r", tool_call_id: "1" }, { role: "function", content: "f", name: "n" }]
    }],
    ["non-ASCII model", { model: "modèle", messages: [user] }],
    ["missing model", { messages: [user] }],
    ["model not a string", { model: 42, messages: [user] }],
    ["empty model", { model: "", messages: [user] }],
    ["model with a control character", { model: "a\nb", messages: [user] }],
    ["messages a string", { model: "m", messages: "x" }],
    ["messages empty", { model: "m", messages: [] }],
    ["a message not an object", { model: "m", messages: [user, "hi"] }],
    ["invalid role", { model: "m", messages: [{ role: "wizard", content: "hi" }] }],
    ["missing role", { model: "m", messages: [user, { content: "hi" }] }],
    ["content a number", { model: "m", messages: [{ role: "user", content: 7 }] }],
    ["stream not a boolean", { model: "m", messages: [user], stream: "yes" }]
  ])("%s: the same request or the same 400, small or scanned", (_name, body) => {
    const small = outcome(JSON.stringify(body))
    const large = outcome(padded(body))
    if ("error" in small) expect(large).toEqual(small)
    else expect(large).toEqual({ ...small, body: { ...PAD, ...(small.body as object) } })
  })

  it("reads repeated keys and escaped spellings as JSON.parse does", () => {
    for (
      const text of [
        `{"model":"a","messages":[{"role":"user"}],"model":"b","pad":"${"p".repeat(5000)}"}`,
        `{"mod\\u0065l":"a","model":"b","messages":[{"role":"user"}],"pad":"${"p".repeat(5000)}"}`,
        `{"model":"b","mod\\u0065l":"a","messages":[{"role":"user"}],"pad":"${"p".repeat(5000)}"}`,
        `{"model":"m","messages":[{"role":"wizard","r\\u006fle":"user"}],"pad":"${"p".repeat(5000)}"}`,
        `{"model":"m","messages":[{"role":"us\\u0065r"}],"pad":"${"p".repeat(5000)}"}`
      ]
    ) {
      const parsed = JSON.parse(text) as { model: string }
      const request = decode(text)
      expect(Either.isRight(request)).toBe(true)
      if (Either.isRight(request)) {
        expect(request.right.model).toBe(parsed.model)
        expect(request.right.body).toEqual(parsed)
      }
    }
  })

  it("names malformed and too deeply nested JSON in a large body", () => {
    const broken = decode(`${padded({ model: "m", messages: [user] }).slice(0, -1)},}`)
    expect(Either.isLeft(broken) && broken.left.code).toBe("invalid_json")
    const deep = decode(padded({ model: "m", messages: [user], tools: [{ a: JSON.parse(`${"[".repeat(70)}${"]".repeat(70)}`) as unknown }] }))
    expect(Either.isLeft(deep) && deep.left).toMatchObject({ code: "nesting_too_deep", param: "tools[0].a[0]" })
  })

  it("forwards a scanned body's bytes as they came, and decodes its large members only when read", () => {
    const bytes = Buffer.from(padded({ model: "m", messages: [user] }))
    const request = decode(bytes.toString("utf8"))
    expect(Either.isRight(request) && Buffer.from(request.right.raw ?? "").equals(bytes)).toBe(true)
    if (Either.isRight(request)) expect(Object.getOwnPropertyDescriptor(request.right.body, "metadata")?.get).toBeDefined()
  })
})
