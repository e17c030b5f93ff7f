/**
 * The router the bench measures, bundled as `npm run build` bundles the `llmrouter` command (same
 * esbuild options, split chunks, lazy imports): `bench/router.ts` → `dist/bench/router.js`. Run
 * through the TypeScript loader instead, a child would carry ~100 MB of loader and unbundled
 * modules that users never load, and its memory figures would say nothing about the product.
 */
import { build } from "esbuild"
import { copyFileSync, mkdirSync, rmSync } from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { bundleOptions } from "../scripts/bundleOptions.js"

const root = fileURLToPath(new URL("..", import.meta.url))

/** Builds the bundle and returns the entry's path. */
export const buildRouter = async (): Promise<string> => {
  const outdir = Path.join(root, "dist", "bench")
  rmSync(outdir, { recursive: true, force: true })
  mkdirSync(outdir, { recursive: true })
  await build({ ...bundleOptions(root, { router: "bench/router.ts" }, outdir), metafile: false })
  // Read at run time beside the code (`new URL("./status.html", import.meta.url)`).
  copyFileSync(Path.join(root, "src", "http", "status.html"), Path.join(outdir, "status.html"))
  return Path.join(outdir, "router.js")
}
