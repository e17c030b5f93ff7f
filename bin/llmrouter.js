#!/usr/bin/env node
// Runs the compiled CLI in dist/bundle (built by `npm install` through `prepare`, or `npm run build`).
import { existsSync } from "node:fs"
import module from "node:module"
import { fileURLToPath } from "node:url"

const entry = new URL("../dist/bundle/cli.js", import.meta.url)
if (!existsSync(entry)) {
  console.error(`llmrouter: not built yet (no ${fileURLToPath(entry)}); run \`npm run build\` in ${fileURLToPath(new URL("..", import.meta.url))}`)
  process.exit(1)
}
// Node ≥ 22.1 keeps compiled code in a disk cache across runs; Node 20 has no such cache.
module.enableCompileCache?.()
await import(entry.href)
