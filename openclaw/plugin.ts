/**
 * `register(api)`: maps OpenClaw's plugin API onto llmrouter. It only registers things; it never
 * starts a server (OpenClaw calls `register` many times, in CLI and Gateway processes). The router
 * itself starts in the registered service, which only the Gateway runs.
 */
import { ensureAccessKey } from "./files.js"
import { makeModelHook } from "./hook.js"
import { makeProvider } from "./provider.js"
import { processState, startRouter, stopRouter } from "./runtime.js"
import type { OpenClawConfig, PluginApi, PluginService } from "./sdk.js"
import { readSettings, type PluginSettings } from "./settings.js"
import { makeTools, walletCommand } from "./tools.js"

export const PLUGIN_ID = "llmrouter"

/** `plugins.entries.llmrouter.hooks.allowConversationAccess` in OpenClaw's config. */
export const hookAllowed = (config: OpenClawConfig): boolean => {
  const entry = path(config, ["plugins", "entries", PLUGIN_ID, "hooks"])
  return typeof entry === "object" && entry !== null && (entry as { allowConversationAccess?: unknown }).allowConversationAccess === true
}

const path = (value: unknown, keys: ReadonlyArray<string>): unknown =>
  keys.reduce<unknown>((v, key) => (typeof v === "object" && v !== null ? (v as Record<string, unknown>)[key] : undefined), value)

const WARNED = Symbol.for("llmrouter.openclaw.hookWarning")

export const makeService = (settings: PluginSettings): PluginService => ({
  id: PLUGIN_ID,
  start: async (ctx) => {
    if (!settings.autoStart) {
      ctx.logger.info(`llmrouter: autoStart is off; start the router yourself (llmrouter serve --port ${settings.port})`)
      return
    }
    const running = await startRouter(settings, ensureAccessKey(settings.dataDir), ctx.logger)
    if (running === undefined) ctx.serviceHealth?.reportFailure(new Error(processState().failure ?? "llmrouter did not start"))
    else ctx.serviceHealth?.clearFailure()
  },
  stop: async (ctx) => {
    await stopRouter(ctx.logger)
  }
})

/**
 * Zero-config auth. OpenClaw 2026.9.6 refuses a turn on a provider without a credential, and in
 * Gateway turns it takes neither the catalog's `apiKey` nor the provider's synthetic-auth hooks
 * (verified in the e2e); it does read the provider's env var. So, unless the user set one, the
 * generated key is exported as LLMROUTER_API_KEY in this process only (never written to a file or
 * the user's shell). The in-process router accepts exactly this key.
 */
export const exportAccessKey = (settings: PluginSettings, env: NodeJS.ProcessEnv = process.env) => {
  if (env.LLMROUTER_API_KEY === undefined || env.LLMROUTER_API_KEY.trim() === "") {
    env.LLMROUTER_API_KEY = ensureAccessKey(settings.dataDir)
  }
}

export const register = (api: PluginApi): void => {
  const settings = readSettings(api.pluginConfig)
  const allowed = () => hookAllowed(api.config)

  api.registerProvider(makeProvider(settings, api.logger))
  api.registerService(makeService(settings))
  for (const tool of makeTools({ settings, hookAllowed: allowed })) api.registerTool(tool, { optional: true })
  api.registerCommand(walletCommand(settings))
  api.on("before_model_resolve", makeModelHook(settings, (message) => api.logger.debug?.(message)))

  if (api.registrationMode === "full") exportAccessKey(settings)

  const holder = globalThis as { [WARNED]?: boolean }
  if (api.registrationMode === "full" && !allowed() && holder[WARNED] !== true) {
    holder[WARNED] = true
    api.logger.warn(
      "llmrouter: the model hook is not allowed, so OpenClaw drops it. Set plugins.entries.llmrouter.hooks.allowConversationAccess " +
        "to true (openclaw config set plugins.entries.llmrouter.hooks.allowConversationAccess true) to classify llmrouter/auto from " +
        "your prompt and redirect routed models."
    )
  }
}
