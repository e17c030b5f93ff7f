/**
 * A validating JSON scanner over bytes that builds nothing: it accepts exactly the texts
 * `JSON.parse` accepts (RFC 8259; whitespace, escapes, number grammar, no raw control characters
 * in strings) and, instead of values, records where the top-level members lie, and one level into
 * the elements of chosen top-level arrays (a chat body's `messages`). On a 45 KB OpenClaw turn,
 * decoding the bytes to text and `JSON.parse` allocate ~300 KB that outlive a young-generation
 * collection while the request is in flight, and the garbage collector's copying of them was the
 * largest single cost of the request path (`bench/`, DESIGN.md pitfalls). Values are decoded later,
 * one member at a time, only where something reads them (`lazyJson.ts`).
 *
 * Containers nested deeper than `maxDepth` (the body being level 1) and anything malformed make the
 * scan fail (`undefined`): the caller then parses the slow way, which names the problem precisely.
 * Bytes ≥ 0x80 are not checked as UTF-8: decoding turns invalid sequences into U+FFFD, which
 * `JSON.parse` accepts, so both ways agree.
 */

/** What a value is, by its first byte (`Literal`: true, false or null). */
export const Kind = { Object: 0, Array: 1, String: 2, Number: 3, Literal: 4 } as const
export type Kind = (typeof Kind)[keyof typeof Kind]

/** A value's bytes: `start` is its first byte, `end` one past its last. */
export interface Span {
  readonly start: number
  readonly end: number
  readonly kind: Kind
}

/** An object member: the key's bytes (quotes included) and the value's. */
export interface MemberSpan {
  readonly keyStart: number
  readonly keyEnd: number
  readonly value: Span
}

/** An element of an expanded array; when it is an object, its members (in order, duplicates kept). */
export interface ElementSpan extends Span {
  readonly members?: ReadonlyArray<MemberSpan>
}

export interface TopMember extends MemberSpan {
  /** For an expanded array member: its elements. */
  readonly elements?: ReadonlyArray<ElementSpan>
}

const [QUOTE, BACKSLASH, SLASH, OPEN_BRACE, CLOSE_BRACE, OPEN_BRACKET, CLOSE_BRACKET, COMMA, COLON, MINUS, PLUS, DOT] = [
  0x22, 0x5c, 0x2f, 0x7b, 0x7d, 0x5b, 0x5d, 0x2c, 0x3a, 0x2d, 0x2b, 0x2e
]
const [ZERO, NINE, LOWER_E, UPPER_E, LOWER_U] = [0x30, 0x39, 0x65, 0x45, 0x75]
const FAIL = -1
const SPACE = 0x20

/** Escape letters after `\` besides `u`: `" \ / b f n r t`. */
const SIMPLE_ESCAPE = new Uint8Array(128)
for (const c of [QUOTE, BACKSLASH, SLASH, 0x62, 0x66, 0x6e, 0x72, 0x74]) SIMPLE_ESCAPE[c] = 1
const HEX = new Uint8Array(128)
for (const c of "0123456789abcdefABCDEF") HEX[c.charCodeAt(0)] = 1

const NO_WORDS = new Uint32Array(0)

const isSpecial = (c: number) => c < SPACE || c === QUOTE || c === BACKSLASH

const LITERALS: ReadonlyArray<Uint8Array> = ["true", "false", "null"].map((word) => new TextEncoder().encode(word))

/**
 * The top-level members of a JSON object, or `undefined` when `bytes` is not a JSON object nested
 * at most `maxDepth` levels. Members whose key is in `expand` and whose value is an array also get
 * their elements (and those elements' own members).
 */
export const scanObject = (
  bytes: Uint8Array,
  maxDepth: number,
  expand: ReadonlySet<string> = NONE
): ReadonlyArray<TopMember> | undefined => {
  const scanner = new Scanner(bytes, maxDepth)
  const start = scanner.space(0)
  if (bytes[start] !== OPEN_BRACE) return undefined
  /** Scans a member's value at `depth` and records it in `into`. */
  const recordInto = (into: Array<MemberSpan>, depth: number): OnMember => (keyStart, keyEnd, at) => {
    const valueEnd = scanner.value(at, depth)
    if (valueEnd !== FAIL) into.push({ keyStart, keyEnd, value: { start: at, end: valueEnd, kind: kindAt(bytes, at) } })
    return valueEnd
  }
  const members: Array<TopMember> = []
  const recordTop = recordInto(members, 1)
  const end = scanner.object(start, 1, (keyStart, keyEnd, at) => {
    const expanded = expand.size > 0 && bytes[at] === OPEN_BRACKET && expand.has(plainText(bytes, keyStart, keyEnd) ?? "")
    if (!expanded) return recordTop(keyStart, keyEnd, at)
    const elements: Array<ElementSpan> = []
    const valueEnd = scanner.array(at, 2, (element) => {
      const objectElement = bytes[element] === OPEN_BRACE
      const inner: Array<MemberSpan> = []
      const elementEnd = objectElement ? scanner.object(element, 3, recordInto(inner, 3)) : scanner.value(element, 2)
      if (elementEnd !== FAIL) {
        elements.push(objectElement ? { start: element, end: elementEnd, kind: Kind.Object, members: inner } : { start: element, end: elementEnd, kind: kindAt(bytes, element) })
      }
      return elementEnd
    })
    if (valueEnd !== FAIL) members.push({ keyStart, keyEnd, value: { start: at, end: valueEnd, kind: Kind.Array }, elements })
    return valueEnd
  })
  if (end === FAIL || scanner.space(end) !== bytes.length) return undefined
  return members
}

const NONE: ReadonlySet<string> = new Set()
/** Past this many bytes, building the text a character at a time costs more than decoding. */
const PLAIN_TEXT_LIMIT = 256

/**
 * The text of a short JSON string (quotes included in `start`..`end`) made only of ASCII without
 * escapes, the common case of keys and names; `undefined` otherwise (decode it with `JSON.parse`).
 */
export const plainText = (bytes: Uint8Array, start: number, end: number): string | undefined => {
  if (end - start > PLAIN_TEXT_LIMIT) return undefined
  let text = ""
  for (let i = start + 1; i < end - 1; i++) {
    const c = bytes[i] as number
    if (c === BACKSLASH || c >= 0x80) return undefined
    text += String.fromCharCode(c)
  }
  return text
}

const kindAt = (bytes: Uint8Array, at: number): Kind => {
  const c = bytes[at]
  return c === OPEN_BRACE ? Kind.Object : c === OPEN_BRACKET ? Kind.Array : c === QUOTE ? Kind.String : c === MINUS || (c !== undefined && c >= ZERO && c <= NINE) ? Kind.Number : Kind.Literal
}

/** Called with a member's key span and the position of its value (after the colon and spaces); returns the value's end or FAIL. */
type OnMember = (keyStart: number, keyEnd: number, valueAt: number) => number
/** Called with the position of an element; returns its end or FAIL. */
type OnElement = (at: number) => number

/** Every method takes the position of a value's first byte and returns one past its last byte, or FAIL. */
class Scanner {
  private readonly length: number
  /** The bytes from `wordStart` on (the first 4-byte aligned one), as 32-bit words. */
  private readonly wordStart: number
  private readonly words: Uint32Array
  constructor(private readonly bytes: Uint8Array, private readonly maxDepth: number) {
    this.length = bytes.length
    this.wordStart = (4 - (bytes.byteOffset & 3)) & 3
    const count = this.length > this.wordStart ? (this.length - this.wordStart) >> 2 : 0
    this.words = count === 0 ? NO_WORDS : new Uint32Array(bytes.buffer, bytes.byteOffset + this.wordStart, count)
  }

  space(from: number): number {
    const bytes = this.bytes
    let i = from
    while (i < this.length) {
      const c = bytes[i]
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break
      i++
    }
    return i
  }

  value(at: number, depth: number): number {
    const c = this.bytes[at]
    if (c === QUOTE) return this.string(at)
    if (c === OPEN_BRACE) return this.object(at, depth + 1, undefined)
    if (c === OPEN_BRACKET) return this.array(at, depth + 1, undefined)
    if (c === MINUS || (c !== undefined && c >= ZERO && c <= NINE)) return this.number(at)
    return this.literal(at)
  }

  object(at: number, depth: number, onMember: OnMember | undefined): number {
    if (depth > this.maxDepth) return FAIL
    const bytes = this.bytes
    let i = this.space(at + 1)
    if (bytes[i] === CLOSE_BRACE) return i + 1
    for (;;) {
      if (bytes[i] !== QUOTE) return FAIL
      const keyEnd = this.string(i)
      if (keyEnd === FAIL) return FAIL
      const colon = this.space(keyEnd)
      if (bytes[colon] !== COLON) return FAIL
      const valueAt = this.space(colon + 1)
      const valueEnd = onMember === undefined ? this.value(valueAt, depth) : onMember(i, keyEnd, valueAt)
      if (valueEnd === FAIL) return FAIL
      i = this.space(valueEnd)
      const c = bytes[i]
      if (c === CLOSE_BRACE) return i + 1
      if (c !== COMMA) return FAIL
      i = this.space(i + 1)
    }
  }

  array(at: number, depth: number, onElement: OnElement | undefined): number {
    if (depth > this.maxDepth) return FAIL
    const bytes = this.bytes
    let i = this.space(at + 1)
    if (bytes[i] === CLOSE_BRACKET) return i + 1
    for (;;) {
      const valueEnd = onElement === undefined ? this.value(i, depth) : onElement(i)
      if (valueEnd === FAIL) return FAIL
      i = this.space(valueEnd)
      const c = bytes[i]
      if (c === CLOSE_BRACKET) return i + 1
      if (c !== COMMA) return FAIL
      i = this.space(i + 1)
    }
  }

  string(at: number): number {
    const bytes = this.bytes
    let i = at + 1
    for (;;) {
      i = this.nextSpecial(i)
      const c = bytes[i]
      if (c === QUOTE) return i + 1
      // A control character, or the end of the text, inside a string.
      if (c !== BACKSLASH) return FAIL
      const escaped = bytes[i + 1]
      if (escaped === LOWER_U) {
        if (!(HEX[bytes[i + 2] ?? 0] === 1 && HEX[bytes[i + 3] ?? 0] === 1 && HEX[bytes[i + 4] ?? 0] === 1 && HEX[bytes[i + 5] ?? 0] === 1)) return FAIL
        i += 6
      } else if (escaped !== undefined && SIMPLE_ESCAPE[escaped] === 1) i += 2
      else return FAIL
    }
  }

  /**
   * From `from`, the position of the first quote, backslash or control character (or the length).
   * Strings are most of a chat body (a system prompt is tens of KB of text): where the bytes are
   * aligned they are tested four at a time (SWAR: a byte below 0x20, equal to 0x22 or to 0x5c in a
   * 32-bit word), byte by byte only around the one found.
   */
  private nextSpecial(from: number): number {
    const bytes = this.bytes
    const length = this.length
    const start = this.wordStart
    let i = from
    const aligned = Math.min(length, i <= start ? start : start + ((i - start + 3) & ~3))
    // (With no words, `start` may lie past the end: the loops below then stop at the length.)
    for (; i < aligned; i++) if (isSpecial(bytes[i] as number)) return i
    const words = this.words
    let k = (i - start) >> 2
    for (; k < words.length; k++) {
      const word = words[k] as number
      const quote = word ^ 0x22222222
      const backslash = word ^ 0x5c5c5c5c
      if ((((word - 0x20202020) & ~word) | ((quote - 0x01010101) & ~quote) | ((backslash - 0x01010101) & ~backslash)) & 0x80808080) break
    }
    for (i = Math.max(i, start + k * 4); i < length; i++) if (isSpecial(bytes[i] as number)) return i
    return length
  }

  /** `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?` */
  number(at: number): number {
    const bytes = this.bytes
    let i = at
    if (bytes[i] === MINUS) i++
    if (bytes[i] === ZERO) i++
    else {
      const first = i
      i = this.digits(i)
      if (i === first) return FAIL
    }
    if (bytes[i] === DOT) {
      const first = i + 1
      i = this.digits(first)
      if (i === first) return FAIL
    }
    if (bytes[i] === LOWER_E || bytes[i] === UPPER_E) {
      i++
      if (bytes[i] === PLUS || bytes[i] === MINUS) i++
      const first = i
      i = this.digits(i)
      if (i === first) return FAIL
    }
    return i
  }

  private digits(from: number): number {
    const bytes = this.bytes
    let i = from
    while (i < this.length) {
      const c = bytes[i] as number
      if (c < ZERO || c > NINE) break
      i++
    }
    return i
  }

  literal(at: number): number {
    for (const word of LITERALS) {
      if (this.bytes[at] !== word[0]) continue
      for (let k = 1; k < word.length; k++) if (this.bytes[at + k] !== word[k]) return FAIL
      return at + word.length
    }
    return FAIL
  }
}
