/**
 * Writes `openclaw.plugin.json`. Its `configSchema` is the router's config schema
 * (`src/config/schema.ts`, encoded side) plus the plugin's own switches, with a description and
 * the default on every top-level field, so OpenClaw validates plugin config the way the router
 * will. `test/openclaw/manifest.test.ts` fails when the committed file is stale:
 *
 *   node --import tsx scripts/openclaw-manifest.ts
 */
import { JSONSchema, Schema } from "effect"
import { writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { TOOL_NAMES } from "../openclaw/tools.js"
import { RouterConfig } from "../src/config/schema.js"

type Json = null | boolean | number | string | ReadonlyArray<Json> | { readonly [key: string]: Json }

/** Top-level descriptions. A router field missing here fails the manifest test. */
export const DESCRIPTIONS: Readonly<Record<string, string>> = {
  autoStart: "Start the router inside the OpenClaw Gateway when the Gateway starts.",
  interceptAllModels: "Redirect every model to llmrouter (not only models with a configured route). Needs the model hook.",
  host: "Listen address of the in-process router. Keep 127.0.0.1 unless other machines must reach it.",
  port: "Listen port of the in-process router; OpenClaw's llmrouter provider points at it.",
  dataDir: "Where the router keeps .env (provider keys), config.json, the local access key and the wallet. Default ~/.openclaw/llmrouter.",
  maxBodyBytes: "Largest request body accepted, in bytes.",
  providers: "Upstream providers by name: built-ins (openai, anthropic, google, openrouter) are detected from their API key env vars; add custom ones with derives + apiBase.",
  models: "Virtual models: a name (usable as llmrouter/<name>) mapped to endpoints ('provider:model') and a strategy (priority or load_balance).",
  categories: "Candidate chains per category used by llmrouter/auto and llmrouter/<category>, e.g. { coding: ['anthropic:claude-sonnet-4-5', 'openai:gpt-4.1'] }.",
  timeouts: "Upstream deadlines in milliseconds: connect, first token, idle stream, response, total.",
  categoryTimeouts: "Per-category overrides of timeouts (reasoning gets longer budgets by default).",
  auto: "llmrouter/auto: below minConfidence the classifier's choice is replaced by fallbackCategory.",
  conversations: "Conversation memory for llmrouter/auto: stay on the endpoint whose prompt cache is warm (cacheTtlMs per provider), send tool results back to the model that called the tool.",
  prices: "Per-model prices in USD per million tokens (input, output, cachedInput, cacheWrite) over the built-in table: cost and savings in /stats.",
  limits: "What one client may hold of the server: header and whole-request deadlines (408), the open-connection cap (503), the keep-alive idle timeout.",
  reasoning: "Thinking: the effort used per category when a request asks for none (default: reasoning at medium), and the bounds of the in-memory store of thinking blocks kept for tool loops.",
  storedResponses: "Responses API (POST /v1/responses): how long stored responses can be continued with previous_response_id, and how many / how many MiB are kept.",
  failoverOnContentFilter: "Fail over to the next candidate when a provider refuses a prompt on content-policy grounds.",
  retry: "Retry and failover policy: attempts, same-endpoint retries, backoff, longest Retry-After waited out.",
  breaker: "Circuit breaker per endpoint: failures that open it and how long it stays open.",
  healthCheckIntervalMs: "Interval of the router's active provider checks, and how long the plugin trusts a health answer; 0 disables active checks.",
  corsOrigins: "Browser origins allowed to call the router. Empty: browsers are refused.",
  allowedHosts: "Extra Host header names accepted besides localhost and the listen address.",
  accessKeys: "Extra access keys accepted by the router. The plugin always adds its generated local key, which OpenClaw sends.",
  requireKeys: "Require a key on every request but /health. The plugin always turns this on: OpenClaw sends its generated key.",
  logLevel: "Router log level.",
  logFormat: "Router log lines as readable text or JSON lines.",
  shutdownGraceMs: "How long stopping waits for in-flight answers.",
  wallet: "The router's x402 wallet: network and balance RPC. The private key lives in the data dir or LLM_ROUTER_WALLET_KEY, never here.",
  payments: "x402 payments: per-request and daily caps, allowed payees/networks, authorization lifetime.",
  store: "Where the payment ledger and scoped keys live: SQLite files in the data dir (default) or one Postgres shared by several routers ({ kind: \"postgres\", url: \"${DATABASE_URL}\" })."
}

const PLUGIN_FIELDS: Readonly<Record<string, Json>> = {
  autoStart: { type: "boolean", default: true, description: DESCRIPTIONS.autoStart ?? "" },
  interceptAllModels: { type: "boolean", default: false, description: DESCRIPTIONS.interceptAllModels ?? "" }
}

/** The plugin decides these (the provider URL must be the same in every OpenClaw process). */
const PLUGIN_DEFAULTS: Readonly<Record<string, Json>> = { host: "127.0.0.1", port: 8787 }

const strip = (value: Json): Json => {
  if (Array.isArray(value)) return value.map(strip)
  if (typeof value !== "object" || value === null) return value
  const out: Record<string, Json> = {}
  for (const [key, v] of Object.entries(value)) {
    if (key === "$schema" || (key === "required" && Array.isArray(v) && v.length === 0)) continue
    out[key] = strip(v as Json)
  }
  return out
}

/** `skills` is relative to the plugin root: the package root, or `openclaw/` when that folder is linked alone. */
export const buildManifest = (skillsDir: string) => {
  const generated = strip(JSONSchema.make(Schema.encodedSchema(RouterConfig)) as unknown as Json) as {
    readonly properties: Readonly<Record<string, Json>>
  }
  const defaults = Schema.encodeSync(RouterConfig)(Schema.decodeSync(RouterConfig)({})) as Readonly<Record<string, Json>>
  const properties: Record<string, Json> = { ...PLUGIN_FIELDS }
  for (const [name, schema] of Object.entries(generated.properties)) {
    const fallback = name in PLUGIN_DEFAULTS ? PLUGIN_DEFAULTS[name] : defaults[name]
    properties[name] = {
      ...(schema as Record<string, Json>),
      description: DESCRIPTIONS[name] ?? "",
      ...(fallback === undefined || name === "accessKeys" ? {} : { default: fallback })
    }
  }
  if (typeof properties.port === "object" && properties.port !== null && !Array.isArray(properties.port)) {
    properties.port = { ...properties.port, type: "integer", minimum: 1, maximum: 65535 }
  }
  return {
    id: "llmrouter",
    name: "llmrouter",
    description: "Local OpenAI-compatible LLM router: picks the right upstream model for each turn (llmrouter/auto), fails over, pays x402 once.",
    version: "0.1.0",
    categories: ["models"],
    providers: ["llmrouter"],
    activation: { onStartup: true },
    contracts: { tools: [...TOOL_NAMES] },
    setup: {
      providers: [{ id: "llmrouter", envVars: ["LLMROUTER_API_KEY"] }]
    },
    skills: [skillsDir],
    uiHints: {
      autoStart: { label: "Start with the Gateway" },
      interceptAllModels: { label: "Route every model through llmrouter" },
      host: { label: "Listen address", placeholder: "127.0.0.1" },
      port: { label: "Port", placeholder: "8787" },
      dataDir: { label: "Data directory", placeholder: "~/.openclaw/llmrouter" },
      accessKeys: { label: "Extra access keys", sensitive: true },
      providers: { label: "Upstream providers" },
      models: { label: "Virtual models" },
      categories: { label: "Category chains" },
      payments: { label: "x402 payment caps" }
    },
    configSchema: { type: "object", additionalProperties: false, properties }
  }
}

/**
 * OpenClaw reads the manifest from the plugin root: the package root, for npm installs and
 * `openclaw plugins install -l ./` (its entry is package.json's `openclaw.extensions`: the compiled, bundled
 * `dist/bundle/plugin.js`, so OpenClaw loads plain JavaScript and never transpiles our sources).
 */
export const manifests = [
  { path: fileURLToPath(new URL("../openclaw.plugin.json", import.meta.url)), skillsDir: "./" }
] as const

export const manifestText = (skillsDir: string) => `${JSON.stringify(buildManifest(skillsDir), null, 2)}\n`

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const { path, skillsDir } of manifests) {
    writeFileSync(path, manifestText(skillsDir))
    console.log(`wrote ${path}`)
  }
}
