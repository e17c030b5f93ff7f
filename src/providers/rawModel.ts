/**
 * Replacing the top-level `"model"` of a JSON body without re-serialising it: on a 40 KB OpenClaw
 * turn, `JSON.stringify` costs several times more than this scan. The pattern
 * `"model" : <the client's model as JSON>` cannot occur inside a JSON string (its quotes would be
 * escaped there), and the top-level one must be in the text; so when it occurs exactly once, that
 * is the one to replace. Anything else (twice, or spelled with escapes) → `undefined`: re-serialise.
 */
const KEY = `"model"`

export const replaceModel = (raw: string, from: string, to: string): string | undefined => {
  const value = JSON.stringify(from)
  let found: { readonly start: number; readonly end: number } | undefined
  for (let at = raw.indexOf(KEY); at !== -1; at = raw.indexOf(KEY, at + KEY.length)) {
    let i = skipSpace(raw, at + KEY.length)
    if (raw[i] !== ":") continue
    i = skipSpace(raw, i + 1)
    if (!raw.startsWith(value, i)) continue
    if (found !== undefined) return undefined
    found = { start: i, end: i + value.length }
  }
  return found === undefined ? undefined : `${raw.slice(0, found.start)}${JSON.stringify(to)}${raw.slice(found.end)}`
}

const skipSpace = (text: string, from: number) => {
  let i = from
  while (text[i] === " " || text[i] === "\n" || text[i] === "\r" || text[i] === "\t") i++
  return i
}
