#!/usr/bin/env node
// Runs the compiled CLI in dist/bundle (built by `npm install` through `prepare`, or `npm run build`).
// Built-ins through getBuiltinModule, not `import`: building an ES-module facade evaluates every
// lazy export (`node:fs` loads its promises API and more), memory the router would keep.
const { existsSync } = process.getBuiltinModule("node:fs")
const module = process.getBuiltinModule("node:module")
const { fileURLToPath } = process.getBuiltinModule("node:url")

const entry = new URL("../dist/bundle/cli.js", import.meta.url)
if (!existsSync(entry)) {
  console.error(`llmrouter: not built yet (no ${fileURLToPath(entry)}); run \`npm run build\` in ${fileURLToPath(new URL("..", import.meta.url))}`)
  process.exit(1)
}
// Node ≥ 22 sizes V8's young generation from the machine's memory (semi-spaces up to 64 MB on a
// 24 GB machine: well over 100 MB of garbage between scavenges under load); the long-running
// `serve` keeps 8 MB semi-spaces instead: a request leaves little garbage since chat bodies are
// scanned, not parsed, and the bench measured the same CPU per request with less memory than 16
// (bench/README.md). `process.execve` (Node ≥ 23.11) restarts in place: the same pid, so a
// supervisor's signals reach the server. A flag the user set (command line or NODE_OPTIONS) wins.
const SEMI_SPACE_FLAG = "--max-semi-space-size"
if (
  process.argv[2] === "serve" && typeof process.execve === "function" &&
  ![...process.execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\s+/)].some((arg) => arg.startsWith(SEMI_SPACE_FLAG))
) {
  try {
    process.execve(process.execPath, [process.execPath, `${SEMI_SPACE_FLAG}=8`, ...process.execArgv, ...process.argv.slice(1)], process.env)
  } catch {
    // not replaced: serve with Node's default sizing
  }
}
// Node ≥ 22.1 keeps compiled code in a disk cache across runs; Node 20 has no such cache. `serve`
// keeps its own: the chunks it shares with the short commands would otherwise hold whichever
// command ran last, and a `serve` that starts from `classify`'s cache compiles most of its code
// again (~13 MB more idle RSS on Node 24). NODE_COMPILE_CACHE, when set, wins.
const { tmpdir } = process.getBuiltinModule("node:os")
const { join } = process.getBuiltinModule("node:path")
module.enableCompileCache?.(process.env.NODE_COMPILE_CACHE ?? join(tmpdir(), "node-compile-cache", process.argv[2] === "serve" ? "llmrouter-serve" : "llmrouter"))
await import(entry.href)
