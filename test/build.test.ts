/**
 * The built package (`npm run build`, run by `npm test` first): what `exports`, `bin` and the
 * OpenClaw entry point at exists and loads under plain Node, a missing build gets one clear line,
 * and each command's bundle holds only what that command uses (from esbuild's metafile).
 */
import { execFile } from "node:child_process"
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { describe, expect, it } from "vitest"

const root = fileURLToPath(new URL("..", import.meta.url))
const pkg = JSON.parse(readFileSync(Path.join(root, "package.json"), "utf8")) as {
  main: string
  types: string
  bin: Record<string, string>
  exports: { ".": { types: string; import: string } }
  openclaw: { extensions: Array<string> }
  dependencies: Record<string, string>
}

const node = (args: ReadonlyArray<string>, cwd = root) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, args, { cwd, env: { PATH: process.env.PATH ?? "", HOME: mkdtempSync(Path.join(tmpdir(), "llmrouter-build-")) }, timeout: 20_000 },
      (error, stdout, stderr) => resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stdout, stderr }))
  })

describe("the built package", () => {
  it("points main, types, exports and the OpenClaw entry at compiled files that exist", () => {
    const targets = [pkg.main, pkg.types, pkg.exports["."].types, pkg.exports["."].import, ...pkg.openclaw.extensions]
    for (const target of targets) {
      expect(target, target).toMatch(/^(\.\/)?dist\/.*\.(js|d\.ts)$/)
      expect(existsSync(Path.join(root, target)), `${target} (run npm run build)`).toBe(true)
    }
    expect(pkg.dependencies.tsx, "tsx is not needed at run time").toBeUndefined()
  })

  it("loads through its package name under plain Node (no TypeScript loader)", async () => {
    const probe = `const m = await import("llmrouter"); console.log(JSON.stringify([import.meta.resolve("llmrouter"), typeof m.routerFromConfig, typeof m.classify, m.classify("write a python function").category]))`
    const { code, stdout, stderr } = await node(["--input-type=module", "-e", probe])
    expect(code, stderr).toBe(0)
    const [resolved, fromConfig, classify, category] = JSON.parse(stdout) as [string, string, string, string]
    expect(fileURLToPath(resolved)).toBe(Path.join(root, "dist", "src", "index.js"))
    expect([fromConfig, classify, category]).toEqual(["function", "function", "coding"])
  })

  it("loads the OpenClaw entry as plain JavaScript", async () => {
    // The host resolves `openclaw/plugin-sdk/*`; here a resolve hook hands the entry a stand-in definePluginEntry.
    const dir = mkdtempSync(Path.join(tmpdir(), "llmrouter-plugin-"))
    const standIn = `data:text/javascript,${encodeURIComponent("export const definePluginEntry = (entry) => entry")}`
    writeFileSync(Path.join(dir, "hooks.mjs"), `export const resolve = (specifier, context, next) =>
  specifier === "openclaw/plugin-sdk/plugin-entry" ? { url: ${JSON.stringify(standIn)}, shortCircuit: true } : next(specifier, context)`)
    writeFileSync(Path.join(dir, "hook.mjs"), `import { register } from "node:module"\nregister(${JSON.stringify(pathToFileURL(Path.join(dir, "hooks.mjs")).href)})`)
    const probe = `const { register } = await import(${JSON.stringify(Path.join(root, pkg.openclaw.extensions[0] ?? ""))}).then((m) => m.default); console.log(typeof register)`
    const { code, stdout, stderr } = await node(["--input-type=module", "--import", Path.join(dir, "hook.mjs"), "-e", probe], dir)
    expect(code, stderr).toBe(0)
    expect(stdout.trim()).toBe("function")
  })

  it("says in one line to build when dist/ is missing", async () => {
    const dir = mkdtempSync(Path.join(tmpdir(), "llmrouter-unbuilt-"))
    mkdirSync(Path.join(dir, "bin"))
    copyFileSync(Path.join(root, pkg.bin.llmrouter ?? ""), Path.join(dir, "bin", "llmrouter.js"))
    const { code, stderr } = await node([Path.join(dir, "bin", "llmrouter.js"), "--help"])
    expect(code).toBe(1)
    expect(stderr.trim().split("\n")).toHaveLength(1)
    expect(stderr).toContain("npm run build")
  })
})

interface Metafile {
  readonly outputs: Record<string, {
    readonly entryPoint?: string
    readonly imports: ReadonlyArray<{ readonly path: string; readonly kind: string }>
    readonly inputs: Record<string, unknown>
  }>
}

describe("the CLI bundle loads only what a command uses", () => {
  const meta = JSON.parse(readFileSync(Path.join(root, "dist", "bundle-meta.json"), "utf8")) as Metafile
  /** The chunk of `entry` and the chunks it imports statically (what loading it evaluates). */
  const loadedChunks = (entry: string) => {
    const seen = new Set<string>()
    const visit = (output: string) => {
      if (seen.has(output)) return
      seen.add(output)
      for (const i of meta.outputs[output]?.imports ?? []) if (i.kind === "import-statement" && i.path in meta.outputs) visit(i.path)
    }
    const start = Object.keys(meta.outputs).find((o) => meta.outputs[o]?.entryPoint === entry && o.endsWith(".js"))
    expect(start, entry).toBeDefined()
    visit(start ?? "")
    return [...seen]
  }
  /** Every input in those chunks. */
  const loaded = (entry: string) => loadedChunks(entry).flatMap((o) => Object.keys(meta.outputs[o]?.inputs ?? {}))
  const packages = (inputs: ReadonlyArray<string>) =>
    new Set(inputs.flatMap((i) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(i)?.[1] ?? []))

  it("--help and the dispatcher: nothing from node_modules", () => {
    expect([...packages(loaded("src/cli.ts"))]).toEqual([])
  })

  it("classify: the classifier and config, not the HTTP stack, viem or SQLite", () => {
    const used = packages(loaded("src/cli/classify.ts"))
    expect(used.has("effect")).toBe(true)
    for (const heavy of ["@effect/platform-node", "@effect/platform", "viem", "undici", "jose", "qrcode", "better-sqlite3"]) {
      expect(used.has(heavy), heavy).toBe(false)
    }
  })

  it("the OpenClaw plugin: register loads neither the router nor the classifier; the catalog's config read no HTTP stack or viem", () => {
    const entry = packages(loaded("openclaw/index.ts"))
    for (const heavy of ["@effect/platform-node", "@effect/platform", "viem", "undici", "jose", "better-sqlite3"]) expect(entry.has(heavy), heavy).toBe(false)
    expect(loaded("openclaw/index.ts").some((i) => i.includes("src/classifier/weights"))).toBe(false)
    const catalog = packages(loaded("src/config/load.ts"))
    for (const heavy of ["@effect/platform-node", "viem", "better-sqlite3"]) expect(catalog.has(heavy), heavy).toBe(false)
  })

  it("serve: undici's client without its fetch, WebSocket or caches; no ws, mime or fast-check (scripts/bundleCuts.ts)", () => {
    const inputs = loaded("src/cli/serve.ts")
    expect(inputs.some((i) => i.endsWith("undici/lib/dispatcher/agent.js")), "undici's Agent").toBe(true)
    for (const cut of ["undici/index.js", "undici/lib/web/websocket/", "undici/lib/cache/", "undici/lib/mock/", "/ws/", "/mime/", "/fast-check/", "/pure-rand/"]) {
      expect(inputs.filter((i) => i.includes(cut)), cut).toEqual([])
    }
  })

  it("serve: every chunk it loads is Latin-1, so V8 holds its source at one byte per character", () => {
    for (const chunk of loadedChunks("src/cli/serve.ts")) {
      const text = readFileSync(Path.join(root, chunk), "utf8")
      const wide = /[^\u0000-\u00ff]/.exec(text)
      expect(wide === null ? undefined : text.slice(Math.max(0, wide.index - 60), wide.index + 20), chunk).toBeUndefined()
    }
  })

  it("status: an HTTP client of /stats, not the server, viem or the classifier", () => {
    const inputs = loaded("src/cli/status.ts")
    const used = packages(inputs)
    for (const heavy of ["@effect/platform-node", "viem", "better-sqlite3"]) expect(used.has(heavy), heavy).toBe(false)
    expect(inputs.some((i) => i.includes("src/classifier/weights"))).toBe(false)
  })
})
