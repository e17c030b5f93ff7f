/**
 * `llmrouter serve`: load the config, start the server, print where it listens and what it can
 * route, and stop gracefully on SIGINT/SIGTERM (in-flight answers get `shutdownGraceMs`).
 */
import { NodeRuntime } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { homedir } from "node:os"
import { loadConfig } from "../config/load.js"
import { fromLoaded } from "../layers.js"
import { ProviderPool } from "../ProviderPool.js"
import { Server } from "../Server.js"
import { parse, portFlag, UsageError } from "./args.js"
import { describeRoutes } from "./describe.js"
import { releaseYoungGeneration, saveCompileCache } from "./startupHeap.js"

export const serve = (argv: ReadonlyArray<string>) => {
  const { values } = parse(argv, {
    config: { type: "string" },
    host: { type: "string" },
    port: { type: "string" },
    "log-format": { type: "string" }
  })
  const port = portFlag(values.port)
  const logFormat = values["log-format"]
  if (logFormat !== undefined && logFormat !== "text" && logFormat !== "json") {
    throw new UsageError(`--log-format: expected "text" or "json", got "${logFormat}"`)
  }
  const program = Effect.gen(function*() {
    const loaded = yield* loadConfig({
      configPath: values.config,
      env: process.env,
      homeDir: homedir(),
      overrides: {
        ...(values.host === undefined ? {} : { host: values.host }),
        ...(port === undefined ? {} : { port }),
        ...(logFormat === undefined ? {} : { logFormat })
      }
    })
    yield* Effect.sync(() => boundShutdown(loaded.config.shutdownGraceMs))
    const announce = Layer.effectDiscard(Effect.gen(function*() {
      const server = yield* Server
      const pool = yield* ProviderPool
      yield* Effect.sync(() => {
        releaseYoungGeneration()
        saveCompileCache()
        console.log(`llmrouter listening on ${server.url} (OpenAI base URL: ${server.url}/v1)`)
        console.log(`status page: ${server.url}/ · Prometheus: ${server.url}/metrics · JSON: ${server.url}/stats`)
        if (loaded.file !== undefined) console.log(`config: ${loaded.file}`)
        console.log(describeRoutes(pool))
      })
    }))
    yield* Layer.launch(announce.pipe(Layer.provide(fromLoaded(loaded))))
  })
  NodeRuntime.runMain(program.pipe(Effect.catchTags({
    ConfigError: (error) => fail(error.message),
    ServeError: (error) => fail(describeServeError(error.cause))
  })), { disableErrorReporting: false, disablePrettyLogger: true })
}

/** runMain interrupts the program on a signal, which closes the server; this bounds the wait for in-flight answers. */
const boundShutdown = (graceMs: number) => {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      console.log(`llmrouter: ${signal}, finishing in-flight requests (at most ${graceMs} ms)`)
      setTimeout(() => process.exit(0), graceMs).unref()
    })
  }
}

const fail = (message: string) =>
  Effect.sync(() => {
    console.error(`llmrouter: ${message}`)
    process.exitCode = 1
  })

const describeServeError = (cause: unknown) => {
  const code = (cause as { code?: string } | undefined)?.code
  if (code === "EADDRINUSE") return "the port is already in use (choose another with --port or \"port\" in the config)"
  if (code === "EACCES") return "not allowed to listen on that port"
  return `cannot listen: ${String((cause as Error | undefined)?.message ?? cause)}`
}
