/**
 * The `Config` service: the effective, validated configuration plus the environment provider keys
 * are read from. Built from files and env (`layer`) or from a value in code (`layerFromValue`).
 */
import { Context, Effect, Layer } from "effect"
import * as Path from "node:path"
import { defaultDataDir, decodeConfig, loadConfig, type ConfigSources, type LoadedConfig } from "./config/load.js"
import type { RouterConfigInput } from "./config/schema.js"

export class Config extends Context.Tag("llmrouter/Config")<Config, LoadedConfig>() {}

/** defaults ← config file ← environment ← overrides. Fails with `ConfigError`. */
export const layer = (sources: ConfigSources) => Layer.effect(Config, loadConfig(sources))

export interface FromValueOptions {
  /** Where provider keys are looked up. Nothing is read from `process.env` unless passed here. */
  readonly env?: Readonly<Record<string, string>>
  /** Used when the value has no `dataDir`. Default `~/.openclaw/llmrouter`. */
  readonly homeDir?: string
}

/** For embedding: a config value in code, decoded by the same schema (same error messages). */
export const layerFromValue = (input: RouterConfigInput, options: FromValueOptions = {}) =>
  Layer.effect(
    Config,
    Effect.map(decodeConfig(input), (config): LoadedConfig => ({
      config,
      dataDir: config.dataDir ?? defaultDataDir(options.homeDir ?? Path.resolve(process.env.HOME ?? ".")),
      env: options.env ?? {},
      file: undefined
    }))
  )

export type { ConfigSources, LoadedConfig }
