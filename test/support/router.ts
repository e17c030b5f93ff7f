/**
 * Starts the real router (all layers, real HTTP server) on 127.0.0.1:0 from a config value, for
 * tests. Provider keys come only from `env`; the data dir is a fresh temporary directory, so a
 * developer's own `~/.openclaw` is never read.
 */
import { Context, Effect, Exit, Layer, Scope } from "effect"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import type { RouterConfigInput } from "../../src/config/schema.js"
import { fromConfig } from "../../src/layers.js"
import { Server, type ServerInfo } from "../../src/Server.js"

export interface RunningRouter {
  readonly baseUrl: string
  readonly info: ServerInfo
  close(): Promise<void>
}

export const startRouter = async (
  input: RouterConfigInput = {},
  options: { readonly env?: Readonly<Record<string, string>> } = {}
): Promise<RunningRouter> => {
  const dataDir = mkdtempSync(Path.join(tmpdir(), "llmrouter-test-"))
  const scope = Effect.runSync(Scope.make())
  // Active health checks would show up as extra upstream calls; tests of them turn them on.
  const layer = fromConfig({ host: "127.0.0.1", port: 0, dataDir, logLevel: "none", healthCheckIntervalMs: 0, ...input }, { env: options.env ?? {} })
  const context = await Effect.runPromise(Layer.buildWithScope(layer, scope))
  const info = Context.get(context, Server)
  return {
    baseUrl: `${info.url}/v1`,
    info,
    close: () => Effect.runPromise(Scope.close(scope, Exit.void))
  }
}
