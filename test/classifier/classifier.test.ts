import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { Classifier, classifyRequest, classifyText, layer } from "../../src/Classifier.js"
import { DENSE_NAMES } from "../../src/classifier/features.js"
import { weightsMismatch } from "../../src/classifier/weights-codec.js"
import { WEIGHTS } from "../../src/classifier/weights.js"
import { openClaw2026, openClawLegacy, stamp } from "./openclaw.js"

// Clear cases written for these tests (not taken from the dev set).
const CASES: Record<"simple" | "coding" | "reasoning", ReadonlyArray<string>> = {
  simple: [
    "hey! how was your weekend?",
    "what's the capital of Canada?",
    "write a short poem about the sea at night",
    "remind me to water the plants at 6pm",
    "summarise this paragraph in one sentence: The council met on Tuesday and agreed to extend library hours over the summer.",
    "Write a warm thank-you note to my neighbour for feeding the cat while we were away"
  ],
  coding: [
    "write a python function that checks whether a string is a palindrome",
    "fix my code pls\n\nfunction total(xs) {\n  let s = 0;\n  for (let i = 0; i <= xs.length; i++) s += xs[i];\n  return s;\n}",
    "Traceback (most recent call last):\n  File \"main.py\", line 3, in <module>\n    import requests\nModuleNotFoundError: No module named 'requests'",
    "how do I configure nginx as a reverse proxy for two node apps on different ports",
    "write a bash script that deletes log files older than 7 days",
    "SQL query that returns the second highest salary from the employees table"
  ],
  reasoning: [
    "A shop sells pens at $3 each and notebooks at $5 each. Maria buys 4 more pens than notebooks and spends $60. How many notebooks did she buy?",
    "Prove that the product of any three consecutive integers is divisible by 6.",
    "What is the probability of rolling a total of 9 with two fair dice?",
    "If all wugs are blicks and no blicks are daxes, can any wug be a dax? Explain.",
    "Solve for x: 5x - 7 = 3x + 9",
    "Plan a 4-day trip from Denver to Austin for 3 people with a total budget of $2,000, flying out Friday and back Monday."
  ]
}

// The costly boundary: hard questions that do not look like benchmarks, and easy ones that merely
// mention numbers or ask "why". Also written for these tests (not in dev or the training files).
const BOUNDARY: Record<"simple" | "reasoning", ReadonlyArray<string>> = {
  reasoning: [
    "roughly how many window cleaners work in Paris? walk me through the estimate",
    "How many basketballs would it take to fill a hot air balloon?",
    "Three sisters: the eldest always lies, the youngest always tells the truth, the middle one answers at random. With two yes/no questions, how do I find the youngest?",
    "We can rent a GPU at $2.10/hour or buy one for $9,000 that lasts 3 years with $40/month of power. We need it about 10 hours a day. Which is cheaper?"
  ],
  simple: [
    "how many moons does saturn have?",
    "why do dogs wag their tails",
    "just finished a 5k in 31 minutes, feeling great!",
    "Write a strategy memo on how our bookshop can compete with online retailers."
  ]
}

describe("classifyText", () => {
  for (const [label, texts] of Object.entries(BOUNDARY))
    for (const text of texts)
      it(`boundary ${label}: ${text.slice(0, 60)}`, () => {
        const d = classifyText(text)
        expect(d.category, JSON.stringify(d)).toBe(label)
      })

  for (const [label, texts] of Object.entries(CASES))
    for (const text of texts)
      it(`${label}: ${text.slice(0, 60)}`, () => {
        const d = classifyText(text)
        expect(d.category, JSON.stringify(d)).toBe(label)
      })

  it("is deterministic", () => {
    for (const texts of Object.values(CASES)) for (const t of texts) expect(classifyText(t)).toEqual(classifyText(t))
  })

  it("returns confidence in [0, 1] and explanatory signals", () => {
    for (const texts of Object.values(CASES))
      for (const t of texts) {
        const d = classifyText(t)
        expect(d.confidence).toBeGreaterThanOrEqual(0)
        expect(d.confidence).toBeLessThanOrEqual(1)
        expect(d.signals.length).toBeGreaterThan(0)
      }
    expect(classifyText("Traceback (most recent call last):\n  File \"x.py\", line 2\nKeyError: 'a'").signals).toContain("stack-trace")
  })

  it("never throws on odd input", () => {
    const odd: ReadonlyArray<unknown> = [undefined, null, 42, {}, [], "", "   ", "\u0000\uffff\ud800", "😀".repeat(5000), "{".repeat(100_000), "a\n".repeat(50_000)]
    for (const x of odd) {
      const d = classifyText(x as string)
      expect(["simple", "coding", "reasoning"]).toContain(d.category)
      expect(Number.isFinite(d.confidence)).toBe(true)
    }
  })
})

describe("classifyRequest", () => {
  it("classifies the real user text of OpenClaw requests, not the system prompt", () => {
    expect(classifyRequest(openClaw2026("hi, how are you?")).category).toBe("simple")
    expect(classifyRequest(openClaw2026("write a Go function that reverses a slice in place")).category).toBe("coding")
    expect(classifyRequest(openClaw2026("A train leaves at 3pm at 60 km/h and another at 4pm at 90 km/h. When does the second catch up?")).category).toBe("reasoning")
    expect(classifyRequest(openClawLegacy("what's the weather in Paris tomorrow?")).category).toBe("simple")
    expect(classifyRequest(openClawLegacy("docker compose file for postgres and redis")).category).toBe("coding")
  })

  it("borrows the previous user turn for a short follow-up", () => {
    const body = openClaw2026("does it work with duplicate elements?", [
      { role: "user", content: stamp("write a python function that returns the k largest elements of a list") },
      { role: "assistant", content: "Sure: ..." }
    ])
    const d = classifyRequest(body)
    expect(d.category).toBe("coding")
    expect(d.signals).toContain("follow-up-context")
  })

  it("never throws on malformed bodies", () => {
    const bad: ReadonlyArray<unknown> = [
      undefined, null, "text", 7, [], {}, { messages: "nope" }, { messages: [null, 1, "x", { role: 5 }] },
      { messages: [{ role: "user", content: 42 }] }, { messages: [{ role: "user", content: [null, 3, { type: "text", text: 9 }] }] },
      { messages: [{ role: "user" }] }, { messages: [{ role: "user", content: { weird: true } }] },
      { messages: [{ role: "user", content: "x".repeat(500_000) }] }
    ]
    for (const b of bad) {
      const d = classifyRequest(b)
      expect(["simple", "coding", "reasoning", "vision"]).toContain(d.category)
      expect(d.confidence).toBeGreaterThanOrEqual(0)
      expect(d.confidence).toBeLessThanOrEqual(1)
    }
  })
})

describe("Classifier service", () => {
  it("is provided by the layer", async () => {
    const d = await Effect.runPromise(
      Effect.gen(function* () {
        const c = yield* Classifier
        return c.classify({ messages: [{ role: "user", content: "write a regex that matches an IPv4 address" }] })
      }).pipe(Effect.provide(layer))
    )
    expect(d.category).toBe("coding")
  })
})

describe("committed weights", () => {
  it("match this build's features", () => {
    expect(weightsMismatch(WEIGHTS)).toBeUndefined()
    expect(WEIGHTS.denseNames).toEqual(DENSE_NAMES)
  })
})
