/**
 * Replacing the top-level `"model"` of a JSON body without re-serialising it, on its bytes: on a
 * 40 KB OpenClaw turn, `JSON.stringify` (or decoding to text and encoding back, with non-ASCII
 * text) costs several times more than this scan. The pattern
 * `"model" : <the client's model as JSON>` cannot occur inside a JSON string (its quotes would be
 * escaped there), and the top-level one must be in the text; so when it occurs exactly once, that
 * is the one to replace. Anything else (twice, or spelled with escapes) → `undefined`: re-serialise.
 */
const KEY = Buffer.from(`"model"`)
const [SPACE, NEWLINE, RETURN, TAB, COLON] = [0x20, 0x0a, 0x0d, 0x09, 0x3a]

export const replaceModel = (raw: Uint8Array | string, from: string, to: string): Buffer | undefined => {
  const bytes = typeof raw === "string" ? Buffer.from(raw) : Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength)
  const value = Buffer.from(JSON.stringify(from))
  let found: { readonly start: number; readonly end: number } | undefined
  for (let at = bytes.indexOf(KEY); at !== -1; at = bytes.indexOf(KEY, at + KEY.length)) {
    let i = skipSpace(bytes, at + KEY.length)
    if (bytes[i] !== COLON) continue
    i = skipSpace(bytes, i + 1)
    if (bytes.compare(value, 0, value.length, i, i + value.length) !== 0) continue
    if (found !== undefined) return undefined
    found = { start: i, end: i + value.length }
  }
  return found === undefined
    ? undefined
    : Buffer.concat([bytes.subarray(0, found.start), Buffer.from(JSON.stringify(to)), bytes.subarray(found.end)])
}

const skipSpace = (bytes: Uint8Array, from: number) => {
  let i = from
  while (bytes[i] === SPACE || bytes[i] === NEWLINE || bytes[i] === RETURN || bytes[i] === TAB) i++
  return i
}
