/**
 * A small `.env` reader: `KEY=value`, optional `export `, `#` comments, single or double quotes.
 * Only what provider keys need; values are never logged.
 */
export const parseDotenv = (text: string): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim()
    if (line === "" || line.startsWith("#")) continue
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line)
    if (match === null) continue
    const [, key, rest] = match as unknown as [string, string, string]
    out[key] = unquote(rest)
  }
  return out
}

const unquote = (value: string): string => {
  const quote = value[0]
  if ((quote === `"` || quote === `'`) && value.length >= 2) {
    const end = value.indexOf(quote, 1)
    if (end > 0) {
      const inner = value.slice(1, end)
      return quote === `"` ? inner.replace(/\\n/g, "\n").replace(/\\"/g, `"`) : inner
    }
  }
  // Unquoted: an inline comment starts at " #".
  const hash = value.indexOf(" #")
  return (hash >= 0 ? value.slice(0, hash) : value).trim()
}
