/**
 * The `Metrics` service: the one place every request reports to. The Router calls `report` once
 * per request, when it ends (answered, failed, or its stream closed), with a `RequestRecord`
 * (`metrics/records.ts`); the figures (for `GET /metrics`, `GET /stats` and the status page) are
 * derived by the recorder (`metrics/recorder.ts`), and the request's log line is written here.
 * Nothing here ever sees message content.
 */
import { Context, Effect, Layer, LogLevel } from "effect"
import { Config } from "./Config.js"
import { toLogLevel } from "./config/logLevel.js"
import { picoToUsd } from "./metrics/prices.js"
import { makeRecorder } from "./metrics/recorder.js"
import type { MetricsSnapshot, RequestRecord } from "./metrics/records.js"

export type { Decision, MetricsSnapshot, ModelToday, RequestRecord } from "./metrics/records.js"
export { makeRecorder } from "./metrics/recorder.js"

export interface MetricsService {
  /** A finished request: counters, windows, decisions, and its log line at info. */
  readonly report: (record: RequestRecord) => Effect.Effect<void>
  readonly snapshot: Effect.Effect<MetricsSnapshot>
  /** The request metric families in Prometheus text format (the HTTP route adds health gauges). */
  readonly exposition: Effect.Effect<string>
}

export class Metrics extends Context.Tag("llmrouter/Metrics")<Metrics, MetricsService>() {}

/** The request's log line: the routing decision, no content, no secrets. */
const logLine = (r: RequestRecord) =>
  Effect.logInfo(`${r.error === undefined ? "routed" : "failed"} ${r.model} → ${r.endpoint ?? "-"}`, {
    model: r.model,
    category: r.category ?? null,
    ...(r.reason === undefined ? {} : { reason: r.reason }),
    endpoint: r.endpoint ?? null,
    stream: r.stream,
    attempts: r.attempts,
    failovers: r.failovers,
    error: r.error ?? null,
    ttfb_ms: r.ttfbMs ?? null,
    ms: r.totalMs,
    tokens_in: r.tokensIn,
    tokens_out: r.tokensOut,
    ...(r.tokensCached === undefined || r.tokensCached === 0 ? {} : { tokens_cached: r.tokensCached }),
    ...(r.costPicoUsd === undefined ? {} : { cost_usd: picoToUsd(r.costPicoUsd) }),
    ...(r.paid ? { payment_usd: r.paymentMicroUsd / 1e6 } : {})
  })

export const make = Effect.gen(function*() {
  const { config } = yield* Config
  const recorder = makeRecorder()
  // The request line is at info: below that level, reporting is only the counters.
  const logs = LogLevel.lessThanEqual(toLogLevel(config.logLevel), LogLevel.Info)
  return Metrics.of({
    report: logs
      ? (record) => Effect.suspend(() => {
        recorder.record(record)
        return logLine(record)
      })
      : (record) => Effect.sync(() => recorder.record(record)),
    snapshot: Effect.sync(recorder.snapshot),
    exposition: Effect.sync(recorder.exposition)
  })
})

export const layer = Layer.effect(Metrics, make)
