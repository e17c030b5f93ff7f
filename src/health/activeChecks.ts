/**
 * Active health checks: every `healthCheckIntervalMs` each routable provider gets one cheap,
 * unbilled call (its models listing). A provider that cannot be reached counts as a failure of
 * each endpoint routes use on it, so breakers open before a user's request pays for finding out;
 * a reachable one lets open breakers probe at once. Results show in `GET /health`.
 */
import { Effect, Layer, Logger, Schedule } from "effect"
import { Config } from "../Config.js"
import { toLogLevel } from "../config/logLevel.js"
import { Unavailable } from "../errors/upstream.js"
import { Health } from "../Health.js"
import { adapters } from "../providers/registry.js"
import { ProviderPool } from "../ProviderPool.js"
import { UpstreamClient } from "../transport/UpstreamClient.js"

export const layer = Layer.scopedDiscard(Effect.gen(function*() {
  const { config } = yield* Config
  if (config.healthCheckIntervalMs <= 0) return
  const pool = yield* ProviderPool
  const client = yield* UpstreamClient
  const health = yield* Health

  const checkAll = Effect.forEach(pool.healthTargets, ({ endpoints, probe, provider }) => {
    const adapter = adapters[probe.kind]
    if (adapter === undefined) return Effect.void
    const at = () => new Date().toISOString()
    return client.probe(probe, adapter.healthCheck(probe)).pipe(
      Effect.flatMap(({ latencyMs, status }) => {
        const ok = status >= 200 && status < 300
        const check = {
          provider,
          ok,
          at: at(),
          latencyMs,
          ...(ok ? {} : { detail: status === 401 || status === 403 ? `HTTP ${status}: the key was rejected` : `HTTP ${status}` })
        }
        const down = status >= 500
          ? Effect.forEach(endpoints, (id) => health.failure(id, new Unavailable({ endpoint: id, status, message: `health check: HTTP ${status}` })))
          : Effect.void
        return Effect.zipRight(down, health.providerChecked(check, endpoints))
      }),
      Effect.catchAll((error) =>
        Effect.zipRight(
          Effect.forEach(endpoints, (id) => health.failure(id, error)),
          health.providerChecked({ provider, ok: false, at: at(), latencyMs: 0, detail: error.message }, endpoints)
        )
      )
    )
  }, { concurrency: "unbounded", discard: true })

  yield* checkAll.pipe(
    Effect.repeat(Schedule.spaced(config.healthCheckIntervalMs)),
    Logger.withMinimumLogLevel(toLogLevel(config.logLevel)),
    Effect.forkScoped
  )
}))
