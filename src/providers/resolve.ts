/**
 * Turns provider and endpoint specs from the config into routable endpoints, or into the reason
 * they are not routable. A provider is routable only with a key (unless it says it needs none), so
 * nothing silently falls through to a provider the user did not set up.
 */
import { Redacted } from "effect"
import type { Category, EndpointSpec, ProviderKind, ProviderSpec, RouterConfig } from "../config/schema.js"
import type { ResolvedEndpoint } from "./Adapter.js"
import { builtinProviders, defaultContinuation } from "./builtins.js"
import { adapters } from "./registry.js"
import { thinkingProfile } from "../reasoning/profiles.js"

export interface ProviderStatus {
  readonly name: string
  readonly kind: ProviderKind
  readonly apiBase: string
  readonly builtin: boolean
  readonly routable: boolean
  /** Why it is not routable. */
  readonly reason?: string
  /** Where the key came from, e.g. `env:OPENAI_API_KEY` (never the key). */
  readonly keySource?: string
  /** Internal: the key itself. Not serialised anywhere. */
  readonly apiKey: Redacted.Redacted<string> | undefined
  readonly headers: Readonly<Record<string, string>>
  readonly continuation: "prefill" | "restart"
  /** Internal: not routable only for want of a key (an endpoint that brings its own key may still use it). */
  readonly keyMissing: boolean
}

type Env = Readonly<Record<string, string>>

export type KeyLookup =
  | { readonly _tag: "Found"; readonly key: Redacted.Redacted<string>; readonly source: string }
  | { readonly _tag: "Missing"; readonly reason: string }

const ENV_REFERENCE = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/

/** A literal key, or `${VAR}` read from the environment (process env over `.env`). */
export const lookupKey = (value: string, env: Env, where: string): KeyLookup => {
  const reference = ENV_REFERENCE.exec(value)
  if (reference === null) return { _tag: "Found", key: Redacted.make(value), source: where }
  const name = reference[1] ?? ""
  const found = env[name]
  return found !== undefined && found !== ""
    ? { _tag: "Found", key: Redacted.make(found), source: `env:${name}` }
    : { _tag: "Missing", reason: `${where} refers to \${${name}}, which is not set` }
}

/** `my-vllm` → `MY_VLLM`: the default `envPrefix` of a custom provider. */
export const defaultEnvPrefix = (name: string) => name.toUpperCase().replace(/[^A-Z0-9]+/g, "_")

export const resolveProvider = (name: string, spec: ProviderSpec | undefined, env: Env): ProviderStatus | string => {
  const builtin = builtinProviders[name]
  const kind = spec?.derives ?? builtin?.kind
  if (kind === undefined) return `providers.${name}: a custom provider needs "derives" (openai | anthropic | google)`
  const envBase = builtin?.apiBaseEnv === undefined ? undefined : env[builtin.apiBaseEnv.variable]
  const apiBase = (spec?.apiBase ?? (envBase ? builtin?.apiBaseEnv?.toApiBase(envBase) : undefined) ?? builtin?.apiBase)?.replace(/\/+$/, "")
  if (apiBase === undefined) return `providers.${name}: a custom provider needs "apiBase"`
  if (!/^https?:\/\/[^/]/.test(apiBase)) return `providers.${name}.apiBase: expected an http(s) URL, got "${apiBase}"`
  const base = {
    name,
    kind,
    apiBase,
    builtin: builtin !== undefined,
    headers: spec?.headers ?? {},
    continuation: spec?.continuation ?? builtin?.continuation ?? defaultContinuation(kind)
  }
  const envKeys = [
    ...(builtin?.envKeys ?? []),
    ...(spec?.envPrefix !== undefined || builtin === undefined ? [`${spec?.envPrefix ?? defaultEnvPrefix(name)}_API_KEY`] : [])
  ]
  const lookup = findKey(spec, envKeys, env, `providers.${name}.apiKey`)
  const requiresKey = spec?.requiresKey ?? builtin?.requiresKey ?? true
  const blocked = spec?.enabled === false
    ? "disabled in config"
    : adapters[kind] === undefined
    ? `no adapter for the "${kind}" wire format yet`
    : undefined
  const missingKey = blocked === undefined && requiresKey && lookup._tag === "Missing" ? lookup.reason : undefined
  const refusal = blocked ?? missingKey
  return {
    ...base,
    routable: refusal === undefined,
    keyMissing: missingKey !== undefined,
    ...(refusal === undefined ? {} : { reason: refusal }),
    ...(lookup._tag === "Found" ? { keySource: lookup.source } : {}),
    apiKey: lookup._tag === "Found" ? lookup.key : undefined
  }
}

const findKey = (spec: ProviderSpec | undefined, envKeys: ReadonlyArray<string>, env: Env, where: string): KeyLookup => {
  if (spec?.apiKey !== undefined) return lookupKey(spec.apiKey, env, where)
  for (const variable of envKeys) {
    const value = env[variable]
    if (value !== undefined && value !== "") return { _tag: "Found", key: Redacted.make(value), source: `env:${variable}` }
  }
  return { _tag: "Missing", reason: `no API key (set ${envKeys.join(" or ")})` }
}

/** All providers: the built-ins plus every configured one. */
export const resolveProviders = (config: RouterConfig, env: Env) => {
  const names = new Set([...Object.keys(builtinProviders), ...Object.keys(config.providers)])
  const providers = new Map<string, ProviderStatus>()
  const problems: Array<string> = []
  for (const name of names) {
    const resolved = resolveProvider(name, config.providers[name], env)
    if (typeof resolved === "string") problems.push(resolved)
    else providers.set(name, resolved)
  }
  return { providers, problems }
}

/** An endpoint of a route, or why it cannot be tried. */
export type Candidate =
  | { readonly _tag: "Ready"; readonly endpoint: ResolvedEndpoint }
  | { readonly _tag: "Skipped"; readonly id: string; readonly reason: string }

export const resolveEndpoint = (
  spec: EndpointSpec,
  providers: ReadonlyMap<string, ProviderStatus>,
  config: RouterConfig,
  env: Env,
  category?: Category
): Candidate => {
  const id = `${spec.provider}:${spec.modelId}`
  const provider = providers.get(spec.provider)
  if (provider === undefined) return { _tag: "Skipped", id, reason: `unknown provider "${spec.provider}"` }
  const override = spec.apiKey === undefined ? undefined : lookupKey(spec.apiKey, env, `endpoint ${id} apiKey`)
  if (override?._tag === "Missing") return { _tag: "Skipped", id, reason: override.reason }
  if (!provider.routable && !(override !== undefined && provider.keyMissing)) {
    return { _tag: "Skipped", id, reason: `provider ${provider.name}: ${provider.reason ?? "not routable"}` }
  }
  return {
    _tag: "Ready",
    endpoint: {
      id,
      provider: provider.name,
      kind: provider.kind,
      modelId: spec.modelId,
      apiBase: spec.apiBase?.replace(/\/+$/, "") ?? provider.apiBase,
      apiKey: override?._tag === "Found" ? override.key : provider.apiKey,
      headers: provider.headers,
      timeouts: {
        ...config.timeouts,
        ...(category === undefined ? {} : config.categoryTimeouts[category]),
        ...spec.timeouts
      },
      continuation: provider.continuation,
      thinking: thinkingProfile(provider.kind, spec.modelId, spec.thinking)
    }
  }
}
