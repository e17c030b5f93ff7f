import { describe, expect, it } from "vitest"
import { cleanUserText, extractUserText, isFollowUp } from "../../src/classifier/extract.js"
import { internalBlock, openClaw2026, openClawLegacy, stamp, SYSTEM_PROMPT, wrapLegacy } from "./openclaw.js"

describe("cleanUserText", () => {
  it("strips the timestamp prefix and the Runtime line", () => {
    expect(cleanUserText(stamp("fix the failing test in utils.ts"))).toBe("fix the failing test in utils.ts")
    expect(cleanUserText("[Sat 2026-02-14 18:49 GMT-3] hola")).toBe("hola")
    expect(cleanUserText("[Tue 2026-03-17 02:37 GMT+8] 你好")).toBe("你好")
  })

  it("strips metadata blocks and the untrusted-context trailer", () => {
    expect(cleanUserText(wrapLegacy("What is the capital of Peru?"))).toBe("What is the capital of Peru?")
  })

  it("keeps multi-line user text intact", () => {
    const text = "my script fails:\n\n```\nTraceback (most recent call last):\n  File \"a.py\", line 1\n```"
    expect(cleanUserText(stamp(text))).toBe(text)
  })

  it("drops a message that is only an internal block", () => {
    expect(cleanUserText(internalBlock().content[0]?.text ?? "")).toBe("")
  })

  it("leaves ordinary text alone", () => {
    expect(cleanUserText("  [1, 2, 3] is a list  ")).toBe("[1, 2, 3] is a list")
  })
})

describe("extractUserText", () => {
  it("finds the real text behind OpenClaw 2026.9's trailing internal block", () => {
    const r = extractUserText(openClaw2026("Write a haiku about rain"))
    expect(r.text).toBe("Write a haiku about rain")
    expect(r.skippedInternal).toBe(true)
  })

  it("unwraps legacy metadata envelopes", () => {
    expect(extractUserText(openClawLegacy("set an alarm for 7")).text).toBe("set an alarm for 7")
  })

  it("reads the latest user turn, not earlier ones or the assistant", () => {
    const body = openClaw2026("now summarise the article", [
      { role: "user", content: stamp("hello") },
      { role: "assistant", content: "def foo(): pass" },
      { role: "tool", tool_call_id: "1", content: "exit code 1" }
    ])
    expect(extractUserText(body).text).toBe("now summarise the article")
  })

  it("reads content parts and ignores non-text parts", () => {
    const body = { messages: [{ role: "user", content: [{ type: "text", text: "part one" }, { type: "input_audio" }, { type: "text", text: "part two" }] }] }
    expect(extractUserText(body).text).toBe("part one\npart two")
  })

  it("accepts Responses-style input and legacy prompt bodies", () => {
    expect(extractUserText({ input: "hi" }).text).toBe("hi")
    expect(extractUserText({ input: [{ role: "user", content: [{ type: "input_text", text: "yo" }] }] }).text).toBe("yo")
    expect(extractUserText({ prompt: "hey" }).text).toBe("hey")
  })

  it("never reads the system prompt", () => {
    expect(extractUserText({ messages: [{ role: "system", content: SYSTEM_PROMPT }] }).text).toBe("")
  })

  it("attaches the previous user turn to a short follow-up", () => {
    const body = openClaw2026("and in Rust?", [
      { role: "user", content: stamp("write a function that parses ISO dates in Go") },
      { role: "assistant", content: "Here you go…" }
    ])
    const r = extractUserText(body)
    expect(r.text).toBe("and in Rust?")
    expect(r.context).toBe("write a function that parses ISO dates in Go")
  })

  it("does not attach context to pleasantries or long messages", () => {
    const history = [{ role: "user", content: "write a function that parses ISO dates in Go" }]
    expect(extractUserText({ messages: [...history, { role: "user", content: "thanks!" }] }).context).toBeUndefined()
    const long = "Please write me a long and detailed essay about the history of the printing press in Europe and its effects"
    expect(extractUserText({ messages: [...history, { role: "user", content: long }] }).context).toBeUndefined()
  })
})

describe("isFollowUp", () => {
  it.each(["and in Rust?", "does it work with duplicate elements?", "what about 7 people?", "make it shorter", "why?"])("%s is a follow-up", (t) =>
    expect(isFollowUp(t)).toBe(true)
  )
  it.each(["thanks!", "ok", "set an alarm for 7", "hello there", ""])("%s is not", (t) => expect(isFollowUp(t)).toBe(false))
})
