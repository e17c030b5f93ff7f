/**
 * V8 grows its young generation (the semi-spaces) when most of what a scavenge visits survives.
 * While `serve` starts, nearly everything survives (module code, layers, tables: they live as long
 * as the process), so the growth is a misprediction: it doubles the young generation to its
 * maximum (see bin/llmrouter.js) and leaves it committed while the router
 * idles, ~14 MB of RSS, until V8's memory reducer shrinks it some 15 s later. Holding the growth
 * during start-up keeps the initial young generation (start-up CPU measured unchanged); it grows
 * as usual once requests come (`npm run bench:startup` prints idle RSS).
 *
 * Only for the process `llmrouter serve` owns: an embedder's or the OpenClaw Gateway's heap is
 * theirs to tune.
 */
import { setFlagsFromString } from "node:v8"

const FLAG = "--semi-space-growth-factor"
/** V8's default (Node 20 to 24). */
const DEFAULT_GROWTH = 2

let held = false

/** Before `serve`'s modules load. A growth factor the user set on Node's command line wins. */
export const holdYoungGeneration = (): void => {
  if (held || process.execArgv.some((arg) => arg.startsWith(FLAG))) return
  setFlagsFromString(`${FLAG}=1`)
  held = true
}

/** Once the server listens: the young generation grows under load as V8 decides. */
export const releaseYoungGeneration = (): void => {
  if (!held) return
  setFlagsFromString(`${FLAG}=${DEFAULT_GROWTH}`)
  held = false
}
