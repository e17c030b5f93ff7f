/**
 * The `Health` service: what the router knows about each endpoint — breaker state, cooldowns,
 * last error and latency — fed by every attempt (and by active checks), read by routing (skip what
 * is open) and by `GET /health`.
 */
import { Clock, Context, Effect, Layer } from "effect"
import { Config } from "./Config.js"
import { Secrets } from "./Secrets.js"
import { CircuitOpen } from "./errors/routing.js"
import type { UpstreamError } from "./errors/upstream.js"
import { Breaker, type BreakerState } from "./health/breaker.js"

export interface EndpointHealth {
  readonly endpoint: string
  readonly state: BreakerState | "cooling"
  /** ISO time until which the endpoint is skipped (open breaker or 429 cooldown). */
  readonly until?: string
  readonly consecutiveFailures: number
  readonly lastError?: { readonly tag: string; readonly message: string; readonly at: string }
  readonly lastLatencyMs?: number
  readonly lastSuccessAt?: string
}

export interface ProviderCheck {
  readonly provider: string
  readonly ok: boolean
  readonly at: string
  readonly latencyMs: number
  readonly detail?: string
}

export interface HealthService {
  /** May a call to this endpoint go out now? Half-open breakers admit exactly one probe. */
  readonly admit: (endpoint: string) => Effect.Effect<boolean>
  /** Why an endpoint is not admitted, and for how long. */
  readonly refusal: (endpoint: string) => Effect.Effect<CircuitOpen>
  readonly success: (endpoint: string, latencyMs: number) => Effect.Effect<void>
  /** Counts toward the breaker unless it is the client's fault (4xx) or a rate limit (which cools instead). */
  readonly failure: (endpoint: string, error: UpstreamError) => Effect.Effect<void>
  /** An admitted call ended without a verdict (interrupted). */
  readonly release: (endpoint: string) => Effect.Effect<void>
  /** Whether the breaker is open or probing: then no same-endpoint retry may go out either. */
  readonly isOpen: (endpoint: string) => Effect.Effect<boolean>
  readonly providerChecked: (check: ProviderCheck, endpoints: ReadonlyArray<string>) => Effect.Effect<void>
  readonly snapshot: Effect.Effect<{ readonly endpoints: ReadonlyArray<EndpointHealth>; readonly providers: ReadonlyArray<ProviderCheck> }>
}

export class Health extends Context.Tag("llmrouter/Health")<Health, HealthService>() {}

interface Entry {
  readonly breaker: Breaker
  lastError?: { tag: string; message: string; at: number }
  lastLatencyMs?: number
  lastSuccessAt?: number
}

export const make = Effect.gen(function*() {
  const { config } = yield* Config
  // What an upstream said reaches /health, /stats and the status page: never with a secret in it.
  const secrets = yield* Secrets
  const entries = new Map<string, Entry>()
  const checks = new Map<string, ProviderCheck>()
  const entry = (endpoint: string): Entry => {
    let found = entries.get(endpoint)
    if (found === undefined) {
      found = { breaker: new Breaker(config.breaker) }
      entries.set(endpoint, found)
    }
    return found
  }

  const failure = (endpoint: string, error: UpstreamError) =>
    Effect.map(Clock.currentTimeMillis, (now) => {
      const e = entry(endpoint)
      e.lastError = { tag: error._tag, message: secrets.redact(error.message), at: now }
      switch (error._tag) {
        case "BadRequest":
        case "PaymentRequired":
          return e.breaker.release()
        case "RateLimited":
          return e.breaker.cool(now, error.retryAfterMs ?? config.breaker.cooldownMs)
        default:
          return e.breaker.failure(now)
      }
    })

  const snapshot = Effect.map(Clock.currentTimeMillis, (now) => ({
    endpoints: [...entries].map(([endpoint, e]): EndpointHealth => {
      const cooling = e.breaker.state === "closed" && e.breaker.openUntil > now
      return {
        endpoint,
        state: cooling ? "cooling" : e.breaker.state,
        ...(e.breaker.openUntil > now ? { until: new Date(e.breaker.openUntil).toISOString() } : {}),
        consecutiveFailures: e.breaker.consecutiveFailures,
        ...(e.lastError === undefined ? {} : { lastError: { ...e.lastError, at: new Date(e.lastError.at).toISOString() } }),
        ...(e.lastLatencyMs === undefined ? {} : { lastLatencyMs: e.lastLatencyMs }),
        ...(e.lastSuccessAt === undefined ? {} : { lastSuccessAt: new Date(e.lastSuccessAt).toISOString() })
      }
    }),
    providers: [...checks.values()]
  }))

  return Health.of({
    admit: (endpoint) => Effect.map(Clock.currentTimeMillis, (now) => entry(endpoint).breaker.admit(now)),
    refusal: (endpoint) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const { breaker } = entry(endpoint)
        return new CircuitOpen({
          endpoint,
          state: breaker.state === "closed" ? "cooling" : breaker.state,
          retryAfterMs: Math.max(0, breaker.openUntil - now)
        })
      }),
    success: (endpoint, latencyMs) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const e = entry(endpoint)
        e.breaker.success()
        e.lastLatencyMs = latencyMs
        e.lastSuccessAt = now
      }),
    failure,
    release: (endpoint) => Effect.sync(() => entry(endpoint).breaker.release()),
    isOpen: (endpoint) => Effect.sync(() => entry(endpoint).breaker.state !== "closed"),
    providerChecked: (check, endpoints) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        checks.set(check.provider, check.detail === undefined ? check : { ...check, detail: secrets.redact(check.detail) })
        if (check.ok) for (const endpoint of endpoints) entries.get(endpoint)?.breaker.reachable(now)
      }),
    snapshot
  })
})

export const layer = Layer.effect(Health, make)
