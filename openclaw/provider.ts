/**
 * The `llmrouter` provider as OpenClaw sees it: an OpenAI-compatible endpoint on the local router,
 * its logical and virtual models, and zero-config auth (the catalog hands OpenClaw the generated
 * local access key, which the in-process router requires).
 */
import { Effect } from "effect"
import { homedir } from "node:os"
import { EFFORTS } from "../src/config/thinking.js"
import { authMethod } from "./auth.js"
import { ensureAccessKey } from "./files.js"
import { loadConfigLoader } from "./lib.js"
import { processState } from "./runtime.js"
import type { CatalogContext, ModelDefinition, PluginLogger, ProviderConfig, ProviderPlugin, RuntimeModel, SyntheticAuth } from "./sdk.js"
import { type PluginSettings, routerUrl } from "./settings.js"

export const PROVIDER_ID = "llmrouter"

const ZERO_COST = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 }

const LOGICAL: ReadonlyArray<{ id: string; name: string; reasoning: boolean; image: boolean }> = [
  { id: "auto", name: "llmrouter auto (classified per turn)", reasoning: true, image: true },
  { id: "simple", name: "llmrouter simple", reasoning: false, image: false },
  { id: "coding", name: "llmrouter coding", reasoning: true, image: false },
  { id: "reasoning", name: "llmrouter reasoning", reasoning: true, image: false },
  { id: "vision", name: "llmrouter vision", reasoning: false, image: true }
]

export const LOGICAL_IDS = LOGICAL.map((m) => m.id)

/**
 * OpenClaw treats any configured base URL that is not OpenAI's as a proxy and, unless told
 * otherwise, sends it no `reasoning_effort` (so `/think high` never reached the router) and, off
 * loopback, no `stream_options.include_usage` (so streamed cost was estimated). The router accepts
 * every effort (mapping it per upstream) and reports usage whenever it is asked.
 */
const compatFor = (reasoning: boolean): NonNullable<ModelDefinition["compat"]> =>
  reasoning
    ? { supportsReasoningEffort: true, supportedReasoningEfforts: [...EFFORTS], supportsUsageInStreaming: true }
    : { supportsUsageInStreaming: true }

const model = (id: string, name = `llmrouter ${id}`, reasoning = true, image = false): ModelDefinition => ({
  id,
  name,
  reasoning,
  input: image ? ["text", "image"] : ["text"],
  cost: ZERO_COST,
  contextWindow: 200_000,
  maxTokens: 32_000,
  compat: compatFor(reasoning)
})

export const modelDefinitions = (virtual: ReadonlyArray<string>): Array<ModelDefinition> => [
  ...LOGICAL.map((m) => model(m.id, m.name, m.reasoning, m.image)),
  ...virtual.filter((name) => !LOGICAL_IDS.includes(name)).map((name) => model(name))
]

/** Virtual model names: from the running router, else from the config (file + plugin config). */
const virtualModels = async (settings: PluginSettings, env: NodeJS.ProcessEnv): Promise<ReadonlyArray<string>> => {
  const running = processState().running
  if (running !== undefined) return running.pool.modelNames.map((n) => n.replace(/^llmrouter\//, ""))
  const { loadConfig } = await loadConfigLoader()
  const loaded = await Effect.runPromise(
    Effect.either(loadConfig({ env, homeDir: env.HOME ?? homedir(), overrides: settings.router }))
  )
  return loaded._tag === "Right" ? Object.keys(loaded.right.config.models) : Object.keys(settings.router.models ?? {})
}

export const providerConfig = (settings: PluginSettings, apiKey: string, models: Array<ModelDefinition>): ProviderConfig => ({
  baseUrl: `${routerUrl(settings)}/v1`,
  api: "openai-completions",
  apiKey,
  // Raises OpenClaw's idle watchdog: reasoning models can think for minutes before the first token.
  timeoutSeconds: 600,
  models
})

const syntheticAuth = (settings: PluginSettings, provider: string): SyntheticAuth | null =>
  provider === PROVIDER_ID
    ? { apiKey: ensureAccessKey(settings.dataDir), source: `llmrouter local access key (${settings.dataDir})`, mode: "api-key" }
    : null

export const makeProvider = (settings: PluginSettings, logger: PluginLogger): ProviderPlugin => ({
  id: PROVIDER_ID,
  label: "llmrouter",
  envVars: ["LLMROUTER_API_KEY"],
  auth: [authMethod(settings)],
  catalog: {
    order: "simple",
    run: async (ctx: CatalogContext) => {
      const failure = processState().failure
      if (failure !== undefined) {
        logger.warn(`llmrouter: provider disabled: ${failure}`)
        return null
      }
      const key = ensureAccessKey(settings.dataDir)
      return { provider: providerConfig(settings, key, modelDefinitions(await virtualModels(settings, ctx.env))) }
    }
  },
  // Zero-config auth. OpenClaw refuses a turn on a provider without a credential and does not
  // take the catalog's `apiKey` as one (verified, 2026.9.6): it asks this hook, after auth profiles
  // and env vars, so a key the user pasted or LLMROUTER_API_KEY still wins (the router accepts both).
  // Turns run in worker threads that only see *prepared* synthetic auth, hence both hooks.
  resolveSyntheticAuth: (ctx) => syntheticAuth(settings, ctx.provider),
  prepareSyntheticAuth: async (ctx) => syntheticAuth(settings, ctx.provider),
  // Any `llmrouter/<name>` resolves (virtual models added later, `llmrouter/openai:gpt-4o`): the
  // router answers 404 model_not_found for names it does not know, listing what exists.
  resolveDynamicModel: (ctx) => {
    if (ctx.provider !== PROVIDER_ID || ctx.modelId === "") return null
    const logical = LOGICAL.find((m) => m.id === ctx.modelId)
    const definition = logical === undefined ? model(ctx.modelId) : model(logical.id, logical.name, logical.reasoning, logical.image)
    const runtime: RuntimeModel = { ...definition, provider: PROVIDER_ID, api: "openai-completions", baseUrl: `${routerUrl(settings)}/v1` }
    return runtime
  }
})
