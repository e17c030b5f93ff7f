import { describe, expect, it } from "vitest"
import { hasHistory, identify, isToolResultTurn } from "../../src/conversations/identity.js"
import { PinStore } from "../../src/conversations/pins.js"
import { place, type PlacementInput } from "../../src/conversations/placement.js"
import type { ChatRequest } from "../../src/providers/Adapter.js"
import { internalBlock, openClaw2026, stamp, SYSTEM_PROMPT, wrapLegacy } from "../classifier/openclaw.js"

const request = (body: Record<string, unknown>, sessionId?: string): ChatRequest => ({
  body,
  model: "auto",
  stream: false,
  ...(sessionId === undefined ? {} : { sessionId })
})

describe("conversation identity", () => {
  it("prefers the header, then prompt_cache_key, then user, then the stable prefix", () => {
    const body = { messages: [{ role: "user", content: "hi" }], prompt_cache_key: "k", user: "u" }
    expect(identify(request(body, "s"))).toMatchObject({ source: "header", explicit: true })
    expect(identify(request(body))).toMatchObject({ source: "prompt_cache_key", explicit: true })
    expect(identify(request({ ...body, prompt_cache_key: "" }))).toMatchObject({ source: "user", explicit: false })
    expect(identify(request({ messages: body.messages }))).toMatchObject({ source: "prefix", explicit: false })
    expect(identify(request({ messages: [{ role: "system", content: "only a system prompt" }] }))).toBeUndefined()
  })

  it("keeps only a hash: the key never contains the text it came from", () => {
    const identity = identify(request({ messages: [{ role: "user", content: "my secret plan" }] }, "session-name"))
    expect(identity?.key).toMatch(/^[0-9a-f]{32}$/)
  })

  it("names an OpenClaw conversation by its first real user text, whatever the envelope of later turns", () => {
    const turn1 = openClaw2026("write a bash script") as Record<string, unknown>
    const history = [{ role: "user", content: stamp("write a bash script") }, { role: "assistant", content: "done" }]
    const turn2 = openClaw2026("thanks", history) as Record<string, unknown>
    expect(identify(request(turn2))?.key).toBe(identify(request(turn1))?.key)
    const legacy = { messages: [{ role: "system", content: SYSTEM_PROMPT }, { role: "user", content: wrapLegacy("write a bash script") }] }
    // The stripped envelope does not count: the same text under the legacy envelope is the same conversation.
    expect(identify(request(legacy))?.key).toBe(identify(request(turn1))?.key)
    const other = openClaw2026("write a python script") as Record<string, unknown>
    expect(identify(request(other))?.key).not.toBe(identify(request(turn1))?.key)
  })

  it("knows a tool-result turn (OpenClaw's trailing internal block ignored) and history", () => {
    const toolTurn = { messages: [{ role: "user", content: "x" }, { role: "assistant", tool_calls: [] }, { role: "tool", content: "r" }, internalBlock()] }
    expect(isToolResultTurn(toolTurn)).toBe(true)
    expect(isToolResultTurn({ messages: [...toolTurn.messages, { role: "user", content: "and now?" }] })).toBe(false)
    expect(hasHistory(toolTurn)).toBe(true)
    expect(hasHistory({ messages: [{ role: "user", content: "x" }] })).toBe(false)
  })
})

describe("pins", () => {
  it("forgets the least recently used beyond capacity, and expired ones", () => {
    const pins = new PinStore(2)
    const pin = (expiresAt: number) => ({ endpoint: "e", category: "simple" as const, warmUntil: expiresAt, expiresAt })
    pins.set("a", pin(100))
    pins.set("b", pin(100))
    expect(pins.get("a", 0)).toBeDefined()
    pins.set("c", pin(100))
    expect(pins.get("b", 0)).toBeUndefined()
    expect(pins.get("a", 0)).toBeDefined()
    expect(pins.get("c", 100)).toBeUndefined()
    expect(pins.size).toBe(1)
  })
})

describe("placement", () => {
  const base: PlacementInput = {
    classified: "simple",
    confident: true,
    toolLoop: false,
    pin: { endpoint: "p:coder", category: "coding", warmUntil: 1_000, expiresAt: 5_000 },
    now: 500,
    serves: () => true
  }
  it("sticks, escalates only when confident, never de-escalates while warm", () => {
    expect(place(base)).toEqual({ category: "coding", reason: "sticky", prefer: "p:coder" })
    expect(place({ ...base, classified: "reasoning" })).toEqual({ category: "reasoning", reason: "escalated", prefer: "p:coder" })
    expect(place({ ...base, classified: "reasoning", confident: false })).toMatchObject({ category: "coding", reason: "sticky" })
    expect(place({ ...base, classified: "reasoning", serves: (c) => c === "coding" })).toEqual({ category: "reasoning", reason: "escalated" })
  })
  it("starts afresh when the cache is cold or the pinned endpoint cannot serve; tool loops ignore the cache", () => {
    expect(place({ ...base, now: 1_000 })).toEqual({ category: "simple", reason: "fresh" })
    expect(place({ ...base, serves: () => false })).toEqual({ category: "simple", reason: "fresh" })
    expect(place({ ...base, now: 4_000, toolLoop: true })).toEqual({ category: "coding", reason: "tool-loop", prefer: "p:coder" })
    expect(place({ ...base, pin: undefined })).toEqual({ category: "simple", reason: "fresh" })
  })
})
