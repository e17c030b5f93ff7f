/**
 * `npm run build` (also run by `prepare`, so `npm install` on a fresh clone builds):
 *
 * 1. `tsc -p tsconfig.build.json` → `dist/src`, `dist/openclaw`: the library and the OpenClaw plugin
 *    as plain ES modules mirroring the sources, with `.d.ts` and source maps. Embedders import these
 *    and share their own `effect` instance with ours.
 * 2. esbuild → `dist/cli/`: the `llmrouter` command as one entry plus chunks, one per command's
 *    dependencies (code splitting follows the CLI's dynamic `import()`s). Bundling is for start-up:
 *    `import "effect"` loads ~600 files (its barrel pulls in fast-check), which costs ~0.9 s CPU
 *    unbundled against ~0.25 s bundled and tree-shaken, and viem's ~450 files cost `serve` as much
 *    again (see `bench/startup.ts`). Everything but native and WASM modules goes into the bundle;
 *    the CLI is a closed program, so its copies of effect or undici meet no one else's.
 * 3. Runtime assets next to the code that reads them (`new URL("./x", import.meta.url)`), and the
 *    OpenClaw manifest next to the compiled plugin entry.
 */
import { build } from "esbuild"
import { execFileSync } from "node:child_process"
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
const dist = Path.join(root, "dist")

/** Files read at run time; each lands beside its compiled module, and beside the CLI chunks. */
const ASSETS = ["src/http/status.html"] as const

/** Loaded from node_modules at run time: native and WASM modules cannot be bundled. */
const EXTERNAL = ["better-sqlite3", "node-sqlite3-wasm"]

const step = async (name: string, run: () => unknown) => {
  const started = performance.now()
  await run()
  console.log(`build: ${name} (${((performance.now() - started) / 1000).toFixed(1)} s)`)
}

await step("tsc → dist/src, dist/openclaw", () =>
  execFileSync(process.execPath, [Path.join(root, "node_modules", "typescript", "bin", "tsc"), "-p", Path.join(root, "tsconfig.build.json")], {
    cwd: root,
    stdio: "inherit"
  }))

await step("esbuild → dist/cli", async () => {
  rmSync(Path.join(dist, "cli"), { recursive: true, force: true }) // chunk names change with their content
  const result = await build({
    absWorkingDir: root,
    entryPoints: ["src/cli.ts"],
    outdir: "dist/cli",
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    sourcemap: true,
    sourcesContent: false, // the package ships src/
    minifySyntax: true,
    external: EXTERNAL,
    // Bundled CommonJS (ws, under @effect/platform-node) calls `require` for Node built-ins.
    banner: { js: `import { createRequire as __llmrouterRequire } from "node:module"; const require = __llmrouterRequire(import.meta.url);` },
    logLevel: "warning",
    metafile: true
  })
  // What each chunk contains and imports: test/build.test.ts checks that commands load only what they use.
  writeFileSync(Path.join(dist, "cli-meta.json"), JSON.stringify(result.metafile))
})

// The plugin manifest beside the compiled entry, so `dist/openclaw` is a plugin root of its own.
const manifest = JSON.parse(readFileSync(Path.join(root, "openclaw.plugin.json"), "utf8")) as Record<string, unknown>
writeFileSync(Path.join(dist, "openclaw", "openclaw.plugin.json"), `${JSON.stringify({ ...manifest, skills: ["../../"] }, null, 2)}\n`)

for (const asset of ASSETS) {
  for (const target of [Path.join(dist, asset), Path.join(dist, "cli", Path.basename(asset))]) {
    mkdirSync(Path.dirname(target), { recursive: true })
    copyFileSync(Path.join(root, asset), target)
  }
}
