/**
 * Target C, the router (a child process), started from the public API as an embedder would, with
 * the start-up `llmrouter serve` has (no young-generation growth until it listens): `fromConfig`
 * with the virtual model `bench` → `openai:gpt-4o-mini` on the stub (and every category on it too,
 * so `BENCH_MODEL=auto` measures the classifier), port 0, logging off. `BENCH_UPSTREAM` is the
 * stub's base URL.
 */
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { holdYoungGeneration, releaseYoungGeneration } from "../src/cli/startupHeap.js"
import { serveChild } from "./child.js"

// As `llmrouter serve` starts (src/cli.ts): the young generation does not grow while the modules
// load and the layers are built, so the idle figure is the command's.
holdYoungGeneration()
const { Context, Effect, Exit, Layer, Scope } = await import("effect")
const { fromConfig } = await import("../src/layers.js")
const { Server } = await import("../src/Server.js")

const scope = Effect.runSync(Scope.make())
const layer = fromConfig({
  host: "127.0.0.1",
  port: 0,
  dataDir: mkdtempSync(Path.join(tmpdir(), "llmrouter-bench-")),
  logLevel: "none",
  providers: { openai: { apiBase: process.env["BENCH_UPSTREAM"] ?? "" } },
  models: { bench: { strategy: "priority", endpoints: ["openai:gpt-4o-mini"] } },
  categories: {
    simple: ["openai:gpt-4o-mini"],
    coding: ["openai:gpt-4o-mini"],
    reasoning: ["openai:gpt-4o-mini"],
    vision: ["openai:gpt-4o-mini"]
  }
}, { env: { OPENAI_API_KEY: "bench" } })

const context = await Effect.runPromise(Layer.buildWithScope(layer, scope))
const info = Context.get(context, Server)
releaseYoungGeneration()
serveChild("router", `${info.url}/v1`, () => Effect.runPromise(Scope.close(scope, Exit.void)))
