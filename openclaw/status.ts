/**
 * Is the router usable, and what does it offer? In the Gateway process the answer comes from the
 * in-process router (no HTTP); elsewhere (the CLI's `agent --local`, tool calls in another process)
 * from `GET /health` on the configured address, cached for `healthCheckIntervalMs` and bounded by
 * a short timeout, because a dead router must never stall an OpenClaw turn.
 */
import { processState } from "./runtime.js"
import { type PluginSettings, routerUrl } from "./settings.js"

export interface ProviderSummary {
  readonly name: string
  readonly routable: boolean
  readonly reason?: string
  readonly keySource?: string
}

export interface RouterStatus {
  /** The router answers and has at least one routable provider. */
  readonly healthy: boolean
  readonly source: "in-process" | "http"
  readonly url: string
  readonly status: "ok" | "no_providers" | "unreachable" | "failed"
  readonly providers: ReadonlyArray<ProviderSummary>
  readonly models: ReadonlyArray<string>
  readonly error?: string
}

interface CacheEntry {
  readonly at: number
  readonly status: RouterStatus
}

const cache = new Map<string, CacheEntry>()

export const routerStatus = async (
  settings: PluginSettings,
  options: { readonly fresh?: boolean; readonly timeoutMs?: number } = {}
): Promise<RouterStatus> => {
  const url = routerUrl(settings)
  const state = processState()
  if (state.running !== undefined) {
    const { pool } = state.running
    const providers = pool.providers.map(summarize)
    const ok = providers.some((p) => p.routable)
    return { healthy: ok, source: "in-process", url, status: ok ? "ok" : "no_providers", providers, models: pool.modelNames }
  }
  if (state.failure !== undefined) {
    return { healthy: false, source: "in-process", url, status: "failed", providers: [], models: [], error: state.failure }
  }
  const cached = cache.get(url)
  if (options.fresh !== true && cached !== undefined && Date.now() - cached.at < settings.healthCheckIntervalMs) {
    return cached.status
  }
  const status = await probe(url, options.timeoutMs ?? 750)
  cache.set(url, { at: Date.now(), status })
  return status
}

export const forgetStatus = () => cache.clear()

const probe = async (url: string, timeoutMs: number): Promise<RouterStatus> => {
  try {
    const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(timeoutMs) })
    const body: unknown = await response.json()
    const record = typeof body === "object" && body !== null ? (body as Record<string, unknown>) : {}
    const providers = Array.isArray(record.providers) ? record.providers.flatMap(toSummary) : []
    const models = Array.isArray(record.models) ? record.models.filter((m): m is string => typeof m === "string") : []
    const ok = response.ok && record.status === "ok"
    return { healthy: ok, source: "http", url, status: ok ? "ok" : "no_providers", providers, models }
  } catch (error) {
    return {
      healthy: false,
      source: "http",
      url,
      status: "unreachable",
      providers: [],
      models: [],
      error: `no router answers at ${url} (${error instanceof Error ? error.message : String(error)})`
    }
  }
}

const summarize = (p: { readonly name: string; readonly routable: boolean; readonly reason?: string; readonly keySource?: string }): ProviderSummary => ({
  name: p.name,
  routable: p.routable,
  ...(p.reason === undefined ? {} : { reason: p.reason }),
  ...(p.keySource === undefined ? {} : { keySource: p.keySource })
})

const toSummary = (value: unknown): Array<ProviderSummary> => {
  if (typeof value !== "object" || value === null) return []
  const p = value as Record<string, unknown>
  if (typeof p.name !== "string") return []
  return [summarize({
    name: p.name,
    routable: p.routable === true,
    ...(typeof p.reason === "string" ? { reason: p.reason } : {}),
    ...(typeof p.keySource === "string" ? { keySource: p.keySource } : {})
  })]
}
