/**
 * How our programs are bundled (esbuild): by `npm run build` for the `llmrouter` command and the
 * OpenClaw plugin, and by the bench for the router it measures, so the bench runs what users run.
 */
import type { BuildOptions } from "esbuild"
import { bundleCuts } from "./bundleCuts.js"
import { requireBuiltins } from "./requireBuiltins.js"

/**
 * Loaded from node_modules at run time: native and WASM modules cannot be bundled, `pg` (CommonJS
 * with optional native parts) is loaded only for a Postgres store, and the OpenClaw host resolves
 * `openclaw/plugin-sdk/*` for the plugins it loads.
 */
const EXTERNAL = ["better-sqlite3", "node-sqlite3-wasm", "pg", "pg-cursor", "openclaw", "openclaw/*"]

/** Entries plus shared chunks split along their dynamic `import()`s: each program loads only what it uses. */
export const bundleOptions = (root: string, entryPoints: Record<string, string>, outdir: string): BuildOptions => ({
  absWorkingDir: root,
  entryPoints,
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  sourcemap: true,
  sourcesContent: false, // the package ships src/ and openclaw/
  minifySyntax: true,
  // V8 keeps every loaded chunk's source for the life of the process, as a two-byte string if one
  // character is beyond Latin-1 (comments were full of them). Without comments and indentation the
  // chunks `serve` loads hold ~2.5 MB less; stack traces map back through the source maps
  // (`node --enable-source-maps`). Identifiers stay unminified: names in traces and logs stay readable.
  minifyWhitespace: true,
  external: EXTERNAL,
  // Bundled CommonJS (undici) calls `require` for Node built-ins, and so do our bundles (requireBuiltins.ts).
  banner: { js: `import { createRequire as __llmrouterRequire } from "node:module"; const require = __llmrouterRequire(import.meta.url);` },
  // Dependency code our programs never run is left out (bundleCuts.ts).
  plugins: [bundleCuts(root), requireBuiltins],
  logLevel: "warning",
  metafile: true
})
