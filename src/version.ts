/**
 * llmrouter's version, from its package.json: the nearest one named "llmrouter" above this module,
 * which is two levels up from `src/`, three from the compiled `dist/src/`, two from the bundled
 * `dist/bundle/`. Read once, at first import.
 */
import { readFileSync } from "node:fs"

const find = (): string => {
  let dir = new URL(".", import.meta.url)
  for (let depth = 0; depth < 4; depth++, dir = new URL("..", dir)) {
    try {
      const pkg = JSON.parse(readFileSync(new URL("package.json", dir), "utf8")) as { name?: unknown; version?: unknown }
      if (pkg.name === "llmrouter") return typeof pkg.version === "string" ? pkg.version : "unknown"
    } catch {
      // no (readable) package.json here: look further up
    }
  }
  return "unknown"
}

export const VERSION: string = find()
