/**
 * A JSON object built from a scan (`jsonScan.ts`) whose large members are decoded only when first
 * read: a chat body's `messages` and `tools` (tens of KB in an OpenClaw turn) are never decoded
 * when the request is forwarded as it came, and decoded once (then kept) when the classifier, a
 * translating adapter or anything else reads them. Small members are decoded at once. To its
 * readers it is a plain object: the same keys in the same order as `JSON.parse` gives (a repeated
 * key keeps its first place and its last value), enumerable, writable, deletable; spreading it or
 * `JSON.stringify` decodes what they touch. A scanned text is valid JSON, so decoding never throws.
 */
import { type MemberSpan, plainText } from "./jsonScan.js"

/** Members up to this many bytes are decoded at once: a lazy member costs more than decoding a short one. */
const EAGER_BYTES = 512

/** `bytes` must be the text the members were scanned from. */
export const lazyObject = (bytes: Buffer, members: ReadonlyArray<MemberSpan>): Record<string, unknown> => {
  const object: Record<string, unknown> = {}
  for (const member of members) {
    const key = plainText(bytes, member.keyStart, member.keyEnd) ?? (JSON.parse(bytes.toString("utf8", member.keyStart, member.keyEnd)) as string)
    const { start, end } = member.value
    if (end - start <= EAGER_BYTES) define(object, key, decode(bytes, start, end))
    else defineLazy(object, key, () => decode(bytes, start, end))
  }
  return object
}

const decode = (bytes: Buffer, start: number, end: number): unknown => JSON.parse(bytes.toString("utf8", start, end))

/**
 * Assignment (the fast way), except for a member named `__proto__`, which `JSON.parse` makes an own
 * property and assignment would take for the prototype. Assigning over a lazy member (a repeated
 * key) goes through its setter, which makes it plain.
 */
const define = (object: Record<string, unknown>, key: string, value: unknown) => {
  if (key === "__proto__") Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true })
  else object[key] = value
}

const definePlain = (object: Record<string, unknown>, key: string, value: unknown) => {
  Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true })
}

const defineLazy = (object: Record<string, unknown>, key: string, read: () => unknown) => {
  Object.defineProperty(object, key, {
    enumerable: true,
    configurable: true,
    get: () => {
      const value = read()
      definePlain(object, key, value)
      return value
    },
    set: (value: unknown) => definePlain(object, key, value)
  })
}
