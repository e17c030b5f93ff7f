/**
 * `llmrouter status [--url URL] [--config PATH] [--json] [--last N]`: what a running router is
 * doing, from its `GET /stats` — health, routes, the last routing decisions, today's tokens and
 * spend. The URL defaults to the configured host and port; the first configured access key is
 * sent when there is one. Says so plainly when no router answers there.
 */
import { Effect } from "effect"
import { homedir } from "node:os"
import { loadConfig } from "../config/load.js"
import type { Stats } from "../http/stats.js"
import { parse, UsageError } from "./args.js"
import { runCli } from "./run.js"

class StatusError {
  readonly _tag = "StatusError"
  constructor(readonly message: string) {}
}

export const status = (argv: ReadonlyArray<string>) => {
  const { values } = parse(argv, {
    url: { type: "string" },
    config: { type: "string" },
    json: { type: "boolean" },
    last: { type: "string" }
  })
  const last = values.last === undefined ? 10 : Number(values.last)
  if (!Number.isInteger(last) || last < 0 || last > 50) throw new UsageError(`--last: expected 0 to 50, got "${values.last}"`)
  return runCli(Effect.gen(function*() {
    const loaded = yield* loadConfig({ configPath: values.config, env: process.env, homeDir: homedir() }).pipe(
      Effect.mapError((error) => new StatusError(error.message))
    )
    const { accessKeys, host, port } = loaded.config
    const base = (values.url ?? `http://${connectHost(host)}:${port}`).replace(/\/+$/, "").replace(/\/(v1|stats)$/, "")
    const key = process.env["LLMROUTER_ACCESS_KEY"] ?? accessKeys[0]
    const stats = yield* fetchStats(base, key)
    yield* Effect.sync(() => console.log(values.json === true ? JSON.stringify({ ...stats, wallet: stats.wallet === null ? null : { ...stats.wallet, qrSvg: undefined } }, null, 2) : formatStatus(stats, base, last)))
  }))
}

/** Where to connect for a listen address: a wildcard means this machine. */
const connectHost = (host: string) => {
  if (host === "0.0.0.0" || host === "::" || host === "[::]") return "127.0.0.1"
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host
}

const fetchStats = (base: string, key: string | undefined) =>
  Effect.tryPromise({
    try: async () => {
      const response = await fetch(`${base}/stats`, {
        headers: { accept: "application/json", ...(key === undefined ? {} : { authorization: `Bearer ${key}` }) },
        signal: AbortSignal.timeout(5_000)
      })
      const text = await response.text()
      if (!response.ok) {
        const message = (() => {
          try {
            return (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? text
          } catch {
            return text
          }
        })()
        throw new StatusError(`${base}/stats answered ${response.status}: ${message.slice(0, 300)}`)
      }
      return JSON.parse(text) as Stats
    },
    catch: (error) => {
      if (error instanceof StatusError) return error
      const code = (error as { cause?: { code?: string } }).cause?.code
      if (code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "EHOSTUNREACH") {
        return new StatusError(`no llmrouter is running at ${base} (start one with \`llmrouter serve\`, or pass --url)`)
      }
      if ((error as Error).name === "TimeoutError") return new StatusError(`${base} did not answer within 5 s`)
      return new StatusError(`cannot read ${base}/stats: ${(error as Error).message}`)
    }
  })

const ms = (v: number | null | undefined) => (v === null || v === undefined ? "-" : v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`)
const int = (v: number) => v.toLocaleString("en-US")
const usd = (v: number) => `$${v.toFixed(v > 0 && v < 0.01 ? 6 : 2)}`
const duration = (s: number) =>
  s < 60 ? `${s} s` : s < 3600 ? `${Math.floor(s / 60)} min` : `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`
const time = (iso: string) => new Date(iso).toLocaleTimeString("en-GB", { hour12: false })

/** The terminal picture of `/stats`. */
export const formatStatus = (stats: Stats, url: string, last = 10): string => {
  const lines: Array<string> = []
  const { last1h, last5m, sinceStart } = stats.windows
  lines.push(`llmrouter ${stats.version} at ${url}: ${stats.status.replace("_", " ")}, up ${duration(stats.uptimeSeconds)}`)
  // Requests and health below are this instance's; spend and keys come from the store it shares.
  if (stats.instance !== undefined) lines.push(`instance ${stats.instance.id} · ${stats.store.kind} store (${stats.store.location})`)
  lines.push(
    `requests: last 5 min ${int(last5m.requests)} (${last5m.errors} failed, p50 ${ms(last5m.latencyMs.p50)}, p95 ${ms(last5m.latencyMs.p95)})` +
      ` · last hour ${int(last1h.requests)} (${last1h.errors} failed, ${last1h.failovers} failovers) · since start ${int(sinceStart.requests)}`
  )
  lines.push("", "providers:")
  for (const p of stats.providers) {
    const check = p.check === null ? "" : p.check.ok ? `, check ok (${ms(p.check.latencyMs)})` : `, check failed${p.check.detail === undefined ? "" : `: ${p.check.detail}`}`
    lines.push(`  ${p.name.padEnd(12)} ${p.routable ? `ready${check}` : `not routable: ${p.reason ?? "unknown"}`}`)
    for (const e of p.endpoints) {
      const error = e.lastError === undefined ? "" : `  last error ${e.lastError.tag}: ${e.lastError.message.slice(0, 120)} (${time(e.lastError.at)})`
      lines.push(`    ${e.endpoint.padEnd(36)} ${e.state.padEnd(9)}${error}`)
    }
  }
  lines.push("", "routes:")
  for (const r of stats.routes) {
    const chain = r.kind === "auto"
      ? "classify → a category route"
      : r.chain.length === 0
      ? "(no endpoints)"
      : r.chain.map((c) => (c.ready ? c.endpoint : `${c.endpoint} (skipped)`)).join(", ")
    lines.push(`  ${r.model.padEnd(20)} → ${r.kind === "virtual" ? `${r.strategy}: ` : ""}${chain}`)
  }
  if (last > 0) {
    lines.push("", `last ${Math.min(last, stats.decisions.length)} of ${stats.decisions.length} decisions (newest first):`)
    if (stats.decisions.length === 0) lines.push("  none yet")
    for (const d of stats.decisions.slice(0, last)) {
      const category = d.category === null ? "" : ` (${d.category}${d.confidence === null ? "" : ` ${d.confidence.toFixed(2)}`})`
      const outcome = d.error === null ? "ok" : d.error
      lines.push(
        `  ${time(d.time)}  ${d.model}${category} → ${d.endpoint ?? "-"}  ${outcome}  ${d.attempts} attempt${d.attempts === 1 ? "" : "s"}` +
          `${d.failovers > 0 ? ` (${d.failovers} failover${d.failovers === 1 ? "" : "s"})` : ""}  ${ms(d.latencyMs)}  ${d.tokensIn}/${d.tokensOut} tokens` +
          `${d.paymentUsd > 0 ? `  paid ${usd(d.paymentUsd)}` : ""}`
      )
    }
  }
  lines.push("", `today (${stats.today.date}):`)
  if (stats.today.models.length === 0) lines.push("  nothing routed yet")
  else {
    lines.push(`  ${"model".padEnd(36)} ${"requests".padStart(8)} ${"tokens in".padStart(11)} ${"tokens out".padStart(11)} ${"spend".padStart(10)}`)
    for (const m of stats.today.models) {
      lines.push(
        `  ${m.endpoint.padEnd(36)} ${int(m.requests).padStart(8)} ${int(m.tokensIn).padStart(11)} ${int(m.tokensOut).padStart(11)} ${usd(m.spendUsd).padStart(10)}`
      )
    }
  }
  lines.push(stats.spend === null
    ? "x402 spend: no payments recorded"
    : `x402 spend: ${stats.spend.last24hUsd} USD in the last 24 h (daily cap ${stats.spend.dailyCapUsd} USD)`)
  if (stats.wallet !== null) lines.push(`wallet: ${stats.wallet.address} (${stats.wallet.networkLabel})`)
  return lines.join("\n")
}
