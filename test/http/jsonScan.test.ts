/**
 * The byte scanner must accept exactly what `JSON.parse` accepts (objects nested at most the
 * limit), and the lazy object built from it must read as `JSON.parse`'s. Proven against
 * `JSON.parse` itself: hand-picked edge cases, seeded random documents in random layouts, and
 * random one-byte mutations of them (bounded in count).
 */
import { FastCheck as fc } from "effect"
import { describe, expect, it } from "vitest"
import { Kind, plainText, scanObject } from "../../src/http/jsonScan.js"
import { lazyObject } from "../../src/http/lazyJson.js"

const LIMIT = 64

/** What the scanner must say: a JSON object nested at most `LIMIT` levels. */
const oracle = (bytes: Buffer): boolean => {
  let value: unknown
  try {
    value = JSON.parse(bytes.toString("utf8"))
  } catch {
    return false
  }
  return typeof value === "object" && value !== null && !Array.isArray(value) && depthOf(value) <= LIMIT
}

const depthOf = (value: unknown): number =>
  typeof value !== "object" || value === null ? 0 : 1 + Math.max(0, ...Object.values(value).map(depthOf))

const accepts = (text: string | Buffer) => scanObject(Buffer.isBuffer(text) ? text : Buffer.from(text), LIMIT) !== undefined

describe("scanObject", () => {
  it.each([
    `{}`, ` \t\r\n{ } \n`, `{"a":1}`, `{"a":-0}`, `{"a":0.5e-7}`, `{"a":1E+5}`, `{"a":12.25}`, `{"a":[]}`, `{"a":[1,[2,{}]]}`,
    `{"a":true,"b":false,"c":null}`, `{"a":"\\u00e9\\n\\t\\"\\\\\\/\\b\\f\\r"}`, `{"a":"\u007f"}`, `{"é":"ü"}`, `{"a":1,"a":2}`,
    `{"__proto__":{"x":1}}`, `{"":""}`
  ])("accepts %s", (text) => {
    expect(oracle(Buffer.from(text))).toBe(true)
    expect(accepts(text)).toBe(true)
  })

  it.each([
    ``, ` `, `[]`, `"a"`, `1`, `null`, `{`, `}`, `{"a"}`, `{"a":}`, `{"a":1,}`, `{,}`, `{"a":1 "b":2}`, `{a:1}`, `{'a':1}`,
    `{"a":01}`, `{"a":1.}`, `{"a":.5}`, `{"a":-}`, `{"a":1e}`, `{"a":+1}`, `{"a":0x1}`, `{"a":NaN}`, `{"a":tru}`, `{"a":nul}`,
    `{"a":"\\x"}`, `{"a":"\\u12G4"}`, `{"a":"\\u12"}`, `{"a":"\u0001"}`, `{"a":"\n"}`, `{"a":"open}`, `{"a":1}x`, `{"a":1}{}`,
    `{"a":[1,]}`, `{"a":[,1]}`, `{"a" : [1 2]}`, `\ufeff{}`, `{"a":1}\u00a0`
  ])("refuses %s", (text) => {
    expect(oracle(Buffer.from(text))).toBe(false)
    expect(accepts(text)).toBe(false)
  })

  it("accepts bytes that are not UTF-8 inside strings, as JSON.parse of their decoding does", () => {
    const bytes = Buffer.concat([Buffer.from(`{"a":"`), Buffer.from([0xff, 0xc3, 0x28]), Buffer.from(`"}`)])
    expect(oracle(bytes)).toBe(true)
    expect(accepts(bytes)).toBe(true)
  })

  it("refuses nesting past the limit, at exactly the limit", () => {
    const nested = (levels: number) => `${"{\"a\":".repeat(levels - 1)}{}${"}".repeat(levels - 1)}`
    expect(accepts(nested(LIMIT))).toBe(true)
    expect(accepts(nested(LIMIT + 1))).toBe(false)
    const arrays = (levels: number) => `{"a":${"[".repeat(levels - 1)}${"]".repeat(levels - 1)}}`
    expect(accepts(arrays(LIMIT))).toBe(true)
    expect(accepts(arrays(LIMIT + 1))).toBe(false)
    expect(accepts(`{"a":${"[".repeat(100_000)}`)).toBe(false)
  })

  it("finds every quote, backslash and control character in long strings, at every alignment", () => {
    const specials = ["\"", "\\", "\u0001", "\n", "\u001f", "é", " ", "!", "#", "[", "]", "\u007f"]
    for (let offset = 0; offset < 4; offset++) {
      for (let at = 0; at < 40; at++) {
        for (const special of specials) {
          const value = `${"a".repeat(at)}${special}${"b".repeat(45 - at)}`
          // Escaped (valid JSON) and raw (invalid where the character must be escaped).
          for (const text of [JSON.stringify({ k: value, n: [value] }), `{"k":"${value}"}`]) {
            const padded = Buffer.alloc(Buffer.byteLength(text) + offset)
            padded.write(text, offset)
            const bytes = padded.subarray(offset)
            expect(accepts(bytes)).toBe(oracle(bytes))
          }
        }
      }
    }
    for (let length = 0; length < 12; length++) {
      const tiny = Buffer.alloc(16)
      Buffer.from("{}".padEnd(length, " ")).copy(tiny, 16 - length)
      expect(accepts(tiny.subarray(16 - length))).toBe(length >= 2)
    }
  })

  it("records the members, and the members of an expanded array's elements", () => {
    const text = Buffer.from(` {"model" : "m", "messages":[{"role":"user","content":"hi"}, 3, {"role":"tool"}], "n":[1]}`)
    const members = scanObject(text, LIMIT, new Set(["messages"]))
    expect(members?.map((m) => plainText(text, m.keyStart, m.keyEnd))).toEqual(["model", "messages", "n"])
    expect(members?.map((m) => text.toString("utf8", m.value.start, m.value.end))).toEqual([`"m"`, expect.stringMatching(/^\[.*\]$/), "[1]"])
    const elements = members?.[1]?.elements ?? []
    expect(elements.map((e) => e.kind)).toEqual([Kind.Object, Kind.Number, Kind.Object])
    expect(elements[0]?.members?.map((m) => text.toString("utf8", m.value.start, m.value.end))).toEqual([`"user"`, `"hi"`])
    expect(members?.[2]?.elements).toBeUndefined()
  })

  it("agrees with JSON.parse on random documents in random layouts, and on one-byte mutations of them", () => {
    const space = fc.constantFrom("", " ", "\n", "\t", "\r\n  ")
    const document = fc.tuple(fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 5 }), { maxKeys: 6 }), space, fc.nat(3))
    fc.assert(
      fc.property(document, ([value, gap, indent]) => {
        const text = JSON.stringify(value, null, indent).replace(/\n/g, `\n${gap}`)
        const bytes = Buffer.from(`${gap}${text}${gap}`)
        const parsed: unknown = JSON.parse(bytes.toString("utf8"))
        // Flat, and with every array member expanded into lazy elements.
        for (const expand of [new Set<string>(), new Set(Object.keys(value))]) {
          const members = scanObject(bytes, LIMIT, expand)
          expect(members).toBeDefined()
          const lazy = lazyObject(bytes, members ?? [])
          expect(lazy).toEqual(parsed)
          expect(JSON.stringify(lazy)).toBe(JSON.stringify(parsed))
        }
      }),
      { seed: 14, numRuns: 300 }
    )
    const mutation = fc.tuple(fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 4 }), { maxKeys: 4 }), fc.nat(), fc.constantFrom(
      ..."{}[]:,\"\\ 0123456789.eE+-tfnrlsua\t\n\u0001\u007f".split(""),
      "delete"
    ))
    fc.assert(
      fc.property(mutation, ([value, at, change]) => {
        const text = JSON.stringify(value)
        const where = at % (text.length + 1)
        const mutated = change === "delete" ? text.slice(0, where) + text.slice(where + 1) : text.slice(0, where) + change + text.slice(where)
        const bytes = Buffer.from(mutated)
        expect(accepts(bytes)).toBe(oracle(bytes))
      }),
      { seed: 14, numRuns: 3000 }
    )
  })
})

describe("lazyObject", () => {
  const big = "x".repeat(2_000)
  const text = Buffer.from(JSON.stringify({ model: "m", messages: [{ role: "user", content: big }], n: 1 }))
  const build = () => lazyObject(text, scanObject(text, LIMIT) ?? [])

  it("decodes a large member once, when first read, and keeps it", () => {
    const body = build()
    expect(Object.getOwnPropertyDescriptor(body, "messages")?.get).toBeDefined()
    const first = body["messages"]
    expect(first).toEqual([{ role: "user", content: big }])
    expect(body["messages"]).toBe(first)
    expect(Object.getOwnPropertyDescriptor(body, "messages")?.value).toBe(first)
  })

  it("reads like a plain object: keys in order, spread, assignment, delete", () => {
    const body = build()
    expect(Object.keys(body)).toEqual(["model", "messages", "n"])
    expect({ ...body, n: 2 }).toEqual({ model: "m", messages: [{ role: "user", content: big }], n: 2 })
    const replaced = build()
    replaced["messages"] = []
    expect(replaced["messages"]).toEqual([])
    const deleted = build()
    delete deleted["messages"]
    expect(Object.keys(deleted)).toEqual(["model", "n"])
  })

  it("decodes an expanded array's elements one member at a time", () => {
    const bytes = Buffer.from(JSON.stringify({ messages: [{ role: "system", content: big }, { role: "user", content: big.toUpperCase() }, 7] }))
    const body = lazyObject(bytes, scanObject(bytes, LIMIT, new Set(["messages"])) ?? [])
    const messages = body["messages"] as Array<Record<string, unknown>>
    expect(Object.getOwnPropertyDescriptor(messages[0], "content")?.get).toBeDefined()
    expect(messages[0]?.["role"]).toBe("system")
    expect(messages[1]?.["content"]).toBe(big.toUpperCase())
    expect(Object.getOwnPropertyDescriptor(messages[0], "content")?.get).toBeDefined()
    expect(messages[2]).toBe(7)
  })

  it("reads a long string sent again the same, a different one as its own, whatever happens to the first request's bytes", () => {
    const prompt = `${"system prompt é ".repeat(400)}\n`
    const first = Buffer.from(JSON.stringify({ system: prompt }))
    const again = Buffer.from(` ${JSON.stringify({ system: prompt })}`)
    const other = Buffer.from(JSON.stringify({ system: prompt.replace("é", "e") }))
    const read = (bytes: Buffer) => lazyObject(bytes, scanObject(bytes, LIMIT) ?? [])["system"]
    const a = read(first)
    expect(a).toBe(prompt)
    expect(read(again)).toBe(a)
    expect(read(other)).toBe(prompt.replace("é", "e"))
    first.fill(0)
    expect(read(again)).toBe(prompt)
  })

  it("keeps a repeated key at its first place with its last value, and __proto__ as an own member", () => {
    const repeated = Buffer.from(`{"a":${JSON.stringify(big)},"b":1,"a":2,"__proto__":{"polluted":true}}`)
    const body = lazyObject(repeated, scanObject(repeated, LIMIT) ?? [])
    const parsed = JSON.parse(repeated.toString("utf8")) as Record<string, unknown>
    expect(Object.keys(body)).toEqual(Object.keys(parsed))
    expect(body["a"]).toBe(2)
    expect(Object.getPrototypeOf(body)).toBe(Object.prototype)
    expect(Object.getOwnPropertyDescriptor(body, "__proto__")?.value).toEqual({ polluted: true })
  })
})
