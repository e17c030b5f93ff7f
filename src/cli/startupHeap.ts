/**
 * What `serve` does for its own process once it listens (V8's heap, Node's compile cache).
 *
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

/**
 * Node ≥ 22.1 keeps compiled code in a disk cache (bin/llmrouter.js enables it) but writes it only
 * at a clean exit: a router only ever stopped by SIGKILL or a crash never wrote one. Written once
 * listening, every later start deserializes its code instead of parsing and compiling it: a faster
 * start, and on Node 24 ~12 MB less idle RSS (the compilers' memory and code pages).
 */
export const saveCompileCache = (): void => {
  const { flushCompileCache } = process.getBuiltinModule("node:module") as { flushCompileCache?: () => void }
  try {
    flushCompileCache?.()
  } catch {
    // A cache that cannot be written costs only the next start's time.
  }
}
