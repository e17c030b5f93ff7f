/**
 * `npm run build` (also run by `prepare`, so `npm install` on a fresh clone builds):
 *
 * 1. `tsc -p tsconfig.build.json` → `dist/src`, `dist/openclaw`: the library and the plugin as plain
 *    ES modules mirroring the sources, with `.d.ts` and source maps. Embedders import these
 *    (`exports`) and share their own `effect` with ours.
 * 2. esbuild → `dist/bundle/`: the two programs we start ourselves, the `llmrouter` command
 *    (`cli.js`) and the OpenClaw plugin entry (`plugin.js`), as entries plus shared chunks split
 *    along their dynamic `import()`s, so each command (and the plugin's catalog, hook and service)
 *    loads only what it uses. Bundling is for start-up: unbundled, `import "effect"` evaluates ~600
 *    files (its barrel pulls in fast-check) and viem ~450, about 0.9 s and 1 s of CPU, against
 *    ~0.25 s for the tree-shaken bundle of both (see `bench/startup.ts`). Both programs are closed
 *    (no caller shares their effect or undici), so a private copy inside the bundle is safe.
 * 3. Runtime assets beside the code that reads them (`new URL("./x", import.meta.url)`).
 */
import { build } from "esbuild"
import { execFileSync } from "node:child_process"
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { bundleOptions } from "./bundleOptions.js"

const root = fileURLToPath(new URL("..", import.meta.url))
const dist = Path.join(root, "dist")
const bundleDir = Path.join(dist, "bundle")

/** Files read at run time; each lands beside its compiled module and beside the bundle's chunks. */
const ASSETS = ["src/http/status.html"] as const

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

await step("esbuild → dist/bundle", async () => {
  rmSync(bundleDir, { recursive: true, force: true }) // chunk names change with their content
  const result = await build(bundleOptions(root, { cli: "src/cli.ts", plugin: "openclaw/index.ts" }, bundleDir))
  // What each chunk holds and imports: test/build.test.ts checks that commands load only what they use.
  writeFileSync(Path.join(dist, "bundle-meta.json"), JSON.stringify(result.metafile))
})

for (const asset of ASSETS) {
  for (const target of [Path.join(dist, asset), Path.join(bundleDir, Path.basename(asset))]) {
    mkdirSync(Path.dirname(target), { recursive: true })
    copyFileSync(Path.join(root, asset), target)
  }
}
