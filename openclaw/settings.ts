/**
 * `plugins.entries.llmrouter.config` split in two: the plugin's own switches (start the server?
 * redirect every model? how often to check health) and everything else, which is the router's
 * configuration and goes to `loadConfig` as overrides (validated there, by the router's schema).
 */
import { homedir } from "node:os"
import * as Path from "node:path"
import type { RouterConfigInput } from "../src/index.js"

export interface PluginSettings {
  /** Start the in-process router when the Gateway starts. */
  readonly autoStart: boolean
  /** Redirect every model (not only configured routes) to llmrouter. */
  readonly interceptAllModels: boolean
  /** How long a health answer is trusted before the router is asked again (also the router's own check interval). */
  readonly healthCheckIntervalMs: number
  /** Router config overrides (host, port, providers, models, categories, ...). */
  readonly router: Partial<RouterConfigInput>
  /** Where the access key, `.env` and config live. */
  readonly dataDir: string
  readonly host: string
  readonly port: number
}

export const PLUGIN_ONLY_KEYS = ["autoStart", "interceptAllModels"] as const

const DEFAULT_PORT = 8787

type Env = Readonly<Record<string, string | undefined>>

export const readSettings = (pluginConfig: Record<string, unknown> | undefined, env: Env = process.env): PluginSettings => {
  const raw = pluginConfig ?? {}
  const router: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(raw)) {
    if (!(PLUGIN_ONLY_KEYS as ReadonlyArray<string>).includes(key) && value !== undefined) router[key] = value
  }
  const host = stringSetting(raw.host) ?? env.LLMROUTER_HOST ?? env.LLM_ROUTER_HOST ?? "127.0.0.1"
  const port = portSetting(raw.port) ?? portSetting(env.LLMROUTER_PORT) ?? portSetting(env.LLM_ROUTER_PORT) ?? DEFAULT_PORT
  const dataDir = typeof raw.dataDir === "string" && raw.dataDir !== ""
    ? raw.dataDir
    : env.LLMROUTER_DATA_DIR ?? Path.join(env.HOME ?? homedir(), ".openclaw", "llmrouter")
  return {
    autoStart: raw.autoStart !== false,
    interceptAllModels: raw.interceptAllModels === true,
    healthCheckIntervalMs: typeof raw.healthCheckIntervalMs === "number" && raw.healthCheckIntervalMs > 0
      ? raw.healthCheckIntervalMs
      : 30_000,
    // The plugin decides host and port (OpenClaw's provider URL must match in every process).
    router: { ...router, dataDir, host, port } as Partial<RouterConfigInput>,
    dataDir,
    host,
    port
  }
}

/** The address OpenClaw calls: a wildcard listen address is reached through loopback. */
export const clientHost = (host: string) =>
  host === "0.0.0.0" || host === "::" || host === "[::]" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host

export const routerUrl = (settings: Pick<PluginSettings, "host" | "port">) =>
  `http://${clientHost(settings.host)}:${settings.port}`

const stringSetting = (value: unknown) => (typeof value === "string" && value !== "" ? value : undefined)

const portSetting = (value: unknown) => {
  const port = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value
  return typeof port === "number" && Number.isInteger(port) && port > 0 && port < 65536 ? port : undefined
}
