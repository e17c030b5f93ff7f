/**
 * A JSON object built from a scan (`jsonScan.ts`) whose large members are decoded only when first
 * read: a chat body's `messages` and `tools` (tens of KB in an OpenClaw turn) are never decoded
 * when the request is forwarded as it came, and decoded once (then kept) when the classifier, a
 * translating adapter or anything else reads them. Small members are decoded at once. To its
 * readers it is a plain object: the same keys in the same order as `JSON.parse` gives (a repeated
 * key keeps its first place and its last value), enumerable, writable, deletable; spreading it or
 * `JSON.stringify` decodes what they touch. A scanned text is valid JSON, so decoding never throws.
 */
import { type ElementSpan, type MemberSpan, plainText } from "./jsonScan.js"

/** Members up to this many bytes are decoded at once: a lazy member costs more than decoding a short one. */
const EAGER_BYTES = 512

/** A member, and for an expanded array (a chat body's `messages`), its elements' members. */
type Member = MemberSpan & { readonly elements?: ReadonlyArray<ElementSpan> }

/**
 * `bytes` must be the text the members were scanned from. An expanded array decodes into lazy
 * objects of its own: reading one message's `content` decodes that content, not the conversation.
 */
export const lazyObject = (bytes: Buffer, members: ReadonlyArray<Member>): Record<string, unknown> => {
  const object: Record<string, unknown> = {}
  for (const member of members) {
    const key = stringAt(bytes, member.keyStart, member.keyEnd)
    const { start, end } = member.value
    const elements = member.elements
    if (end - start <= EAGER_BYTES) define(object, key, decode(bytes, start, end))
    else if (elements !== undefined) defineLazy(object, key, () => elements.map((element) => element.members === undefined ? decode(bytes, element.start, element.end) : lazyObject(bytes, element.members)))
    else defineLazy(object, key, () => decode(bytes, start, end))
  }
  return object
}

/** A scanned JSON string (quotes included in the span) as text: by hand when it is plain ASCII, else decoded. */
export const stringAt = (bytes: Buffer, start: number, end: number): string =>
  plainText(bytes, start, end) ?? (JSON.parse(bytes.toString("utf8", start, end)) as string)

const QUOTE = 0x22

const decode = (bytes: Buffer, start: number, end: number): unknown =>
  bytes[start] === QUOTE && end - start >= SHARED_FROM_BYTES ? sharedString(bytes, start, end) : JSON.parse(bytes.toString("utf8", start, end))

/**
 * Long strings that come again and again (a client's system prompt, tens of KB, resent with every
 * turn) are decoded once and the same string handed out while their bytes are the same: comparing
 * bytes costs a fraction of decoding them, and one long-lived string replaces a fresh copy per
 * request that the garbage collector would copy and promote. Bounded: a few strings, each at most
 * `SHARED_MAX_BYTES`; strings are immutable, so sharing them between requests changes nothing.
 */
const SHARED_FROM_BYTES = 4 * 1024
const SHARED_MAX_BYTES = 256 * 1024
const SHARED_ENTRIES = 4
const shared: Array<{ readonly bytes: Buffer; readonly text: string }> = []

const sharedString = (bytes: Buffer, start: number, end: number): string => {
  const length = end - start
  for (let i = 0; i < shared.length; i++) {
    const entry = shared[i] as (typeof shared)[number]
    if (entry.bytes.length === length && bytes.compare(entry.bytes, 0, length, start, end) === 0) {
      if (i > 0) shared.unshift(...shared.splice(i, 1))
      return entry.text
    }
  }
  const text = JSON.parse(bytes.toString("utf8", start, end)) as string
  if (length <= SHARED_MAX_BYTES) {
    // A copy: the request's buffer must not be kept alive by the cache.
    shared.unshift({ bytes: Buffer.from(bytes.subarray(start, end)), text })
    if (shared.length > SHARED_ENTRIES) shared.pop()
  }
  return text
}

/**
 * Assignment (the fast way), except for a member named `__proto__`, which `JSON.parse` makes an own
 * property and assignment would take for the prototype. Assigning over a lazy member (a repeated
 * key) goes through its setter, which makes it plain.
 */
const define = (object: Record<string, unknown>, key: string, value: unknown) => {
  if (key === "__proto__") definePlain(object, key, value)
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
