/**
 * Node's built-ins taken through `require` in our bundles (esbuild plugin), not `import`: to build
 * a built-in's ES-module facade, Node reads every export, which evaluates the lazy ones.
 * `import … from "node:http"` loads Node's internal undici for `http.WebSocket` on Node ≥ 22 (74
 * internal modules, ~3.5 MB RSS on Node 24), `node:fs` its promises API, `node:util` dozens more.
 * Through `require` (the bundles' banner provides one, see `bundleOptions.ts`), an export is read
 * when the code uses it. `bin/llmrouter.js` uses `process.getBuiltinModule` for the same reason.
 */
import type { Plugin } from "esbuild"
import { builtinModules } from "node:module"

const NAMESPACE = "llmrouter-builtin"

/** `node:x`, and the bare names Node also accepts (`fs`, `stream/promises`). */
const BUILTIN = new RegExp(`^(?:node:.+|${builtinModules.filter((name) => !name.startsWith("node:")).map((name) => name.replace(/[/]/g, "\\/")).join("|")})$`)

export const requireBuiltins: Plugin = {
  name: "llmrouter-require-builtins",
  setup(build) {
    // Static imports only: a dynamic `import()` already happens when the code needs the module.
    build.onResolve({ filter: BUILTIN }, (args) =>
      args.kind === "import-statement" ? { path: args.path.replace(/^node:/, ""), namespace: NAMESPACE } : undefined)
    build.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(`node:${args.path}`)})`,
      loader: "js"
    }))
  }
}
