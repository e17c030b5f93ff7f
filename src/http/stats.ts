/**
 * What `GET /stats`, `GET /metrics`, the status page and `llmrouter status` show: the request
 * figures from `Metrics`, plus what other services know at this moment — endpoint health,
 * providers, routes, the payment ledger's spend (when a ledger exists) and the wallet (when a key
 * exists; looking never creates one). Nothing secret: no keys, no request content.
 */
import { Effect, Option } from "effect"
import { existsSync } from "node:fs"
import { Accounts, type KeyView } from "../Accounts.js"
import { Config } from "../Config.js"
import { Health, type EndpointHealth, type ProviderCheck } from "../Health.js"
import { Metrics, type MetricsSnapshot } from "../Metrics.js"
import { formatMicroUsd, networkLabel } from "../payments/networks.js"
import { Payments } from "../Payments.js"
import type { Candidate } from "../providers/resolve.js"
import { ProviderPool } from "../ProviderPool.js"
import { Store } from "../Store.js"
import { CATEGORIES, logicalModelName } from "../providers/logicalModels.js"
import { VERSION } from "../version.js"
import { Wallet } from "../Wallet.js"
import { WALLET_KEY_ENV, walletKeyPath } from "../wallet/keyFile.js"
import { type BalanceReading, makeBalanceWatch } from "../payments/balanceWatch.js"
import { walletBalance } from "../payments/walletStatus.js"
import { CONTENT_TYPE, Exposition } from "../metrics/exposition.js"

export { VERSION }

export interface ChainLink {
  readonly endpoint: string
  readonly ready: boolean
  readonly reason?: string
}

export interface RouteInfo {
  readonly model: string
  readonly kind: "auto" | "category" | "virtual"
  readonly strategy: string
  readonly chain: ReadonlyArray<ChainLink>
}

export interface EndpointInfo extends Omit<EndpointHealth, "state"> {
  /** `unused`: no call yet. */
  readonly state: EndpointHealth["state"] | "unused"
}

export interface ProviderInfo {
  readonly name: string
  readonly kind: string
  readonly routable: boolean
  readonly reason?: string
  readonly keySource?: string
  /** A built-in provider that needs no key pays per request (x402) from the router's wallet: ready only with one. */
  readonly paysFromWallet: boolean
  readonly check: ProviderCheck | null
  readonly endpoints: ReadonlyArray<EndpointInfo>
}

export interface Stats extends MetricsSnapshot {
  readonly version: string
  /**
   * Which router these figures describe: requests, health and breakers are this instance's own;
   * spend and key usage come from the store every instance shares.
   */
  readonly instance: { readonly id: string; readonly startedAt: string }
  readonly store: { readonly kind: "sqlite" | "postgres"; readonly location: string }
  readonly now: string
  readonly listen: { readonly host: string; readonly port: number }
  readonly status: "ok" | "degraded" | "no_providers"
  readonly providers: ReadonlyArray<ProviderInfo>
  readonly routes: ReadonlyArray<RouteInfo>
  /** From the payment ledger (all x402 payments, across restarts); null when there is no ledger yet. */
  readonly spend: {
    readonly last24hUsd: string
    readonly dailyCapUsd: string
    readonly byUpstream: ReadonlyArray<{ readonly upstream: string; readonly payments: number; readonly last24hUsd: string; readonly totalUsd: string }>
  } | null
  readonly wallet: {
    readonly address: string
    readonly network: string
    readonly networkLabel: string
    readonly qrSvg: string
    /** The last balance reading (refreshed in the background every minute); null before the first. */
    readonly balance: BalanceReading | null
  } | null
  /** Scoped keys with their usage and remaining budget (never the token); null when none were ever minted. */
  readonly keys: ReadonlyArray<KeyView> | null
}

/** How old the status page's wallet balance may be before it is read again. */
const BALANCE_TTL_MS = 60_000

export const makeStats = Effect.gen(function*() {
  const { config, dataDir, env } = yield* Config
  const pool = yield* ProviderPool
  const health = yield* Health
  const metrics = yield* Metrics
  const payments = yield* Payments
  const wallet = yield* Wallet
  const store = yield* Store
  // Only with the HTTP server (scoped keys are enforced there); an embedder's bare app has none.
  const accounts = yield* Effect.serviceOption(Accounts)

  const link = (c: Candidate): ChainLink =>
    c._tag === "Ready" ? { endpoint: c.endpoint.id, ready: true } : { endpoint: c.id, ready: false, reason: c.reason }
  const routes: ReadonlyArray<RouteInfo> = [
    { model: logicalModelName("auto"), kind: "auto", strategy: "classify", chain: [] },
    ...CATEGORIES.map((category): RouteInfo => ({
      model: logicalModelName(category),
      kind: "category",
      strategy: "priority",
      chain: pool.categoryRoute(category, category).candidates.map(link)
    })),
    ...pool.modelNames.filter((n) => !n.startsWith("llmrouter/")).flatMap((name): Array<RouteInfo> => {
      const target = pool.resolve(name)
      return target._tag === "Right" && target.right._tag === "Route"
        ? [{ model: name, kind: "virtual", strategy: target.right.route.strategy, chain: target.right.route.candidates.map(link) }]
        : []
    })
  ]
  const routed = [...new Set(routes.flatMap((r) => r.chain.filter((l) => l.ready).map((l) => l.endpoint)))]

  const spend = Effect.suspend(() =>
    store.exists("ledger")
      ? payments.spend.pipe(
        Effect.map((report): Stats["spend"] => ({
          last24hUsd: formatMicroUsd(report.last24hMicroUsd),
          dailyCapUsd: formatMicroUsd(report.dailyCapMicroUsd),
          byUpstream: report.byUpstream.map((u) => ({
            upstream: u.upstream,
            payments: u.payments,
            last24hUsd: formatMicroUsd(u.last24hMicroUsd),
            totalUsd: formatMicroUsd(u.totalMicroUsd)
          }))
        })),
        Effect.orElseSucceed(() => null)
      )
      : Effect.succeed(null)
  )

  let qr: { readonly address: string; readonly svg: string } | undefined
  const qrFor = (address: string) =>
    qr?.address === address
      ? Effect.succeed(qr.svg)
      // The QR library loads when the status page first shows a wallet.
      : Effect.tryPromise(() => import("qrcode").then((QRCode) => QRCode.default.toString(address, { type: "svg", margin: 1, errorCorrectionLevel: "M" }))).pipe(
        Effect.tap((svg) => Effect.sync(() => (qr = { address, svg })))
      )
  const balanceOf = makeBalanceWatch((address) => walletBalance(config, address), BALANCE_TTL_MS)
  const walletInfo = Effect.suspend((): Effect.Effect<Stats["wallet"]> => {
    const exists = (env[WALLET_KEY_ENV] ?? "").trim() !== "" || existsSync(walletKeyPath(dataDir))
    if (!exists) return Effect.succeed(null)
    return wallet.info.pipe(
      Effect.flatMap(({ address }) => Effect.zipWith(qrFor(address), balanceOf(address), (qrSvg, balance) => ({
        address,
        network: config.wallet.network,
        networkLabel: networkLabel(config.wallet.network),
        qrSvg,
        balance: balance ?? null
      }))),
      Effect.orElseSucceed(() => null)
    )
  })

  // Looking never creates the key store: only read it once a key was minted.
  const keysNow = Effect.suspend((): Effect.Effect<Stats["keys"]> =>
    Option.isSome(accounts) && store.exists("keys")
      ? accounts.value.listKeys.pipe(Effect.orElseSucceed(() => null))
      : Effect.succeed(null)
  )

  const providersNow = Effect.map(health.snapshot, (snapshot) => {
    const byId = new Map(snapshot.endpoints.map((e) => [e.endpoint, e]))
    const ids = [...new Set([...routed, ...byId.keys()])]
    return pool.providers.map((p): ProviderInfo => ({
      name: p.name,
      kind: p.kind,
      routable: p.routable,
      ...(p.reason === undefined ? {} : { reason: p.reason }),
      ...(p.keySource === undefined ? {} : { keySource: p.keySource }),
      paysFromWallet: p.builtin && p.routable && p.keySource === undefined,
      check: snapshot.providers.find((c) => c.provider === p.name) ?? null,
      endpoints: ids.filter((id) => id.startsWith(`${p.name}:`)).map((id): EndpointInfo =>
        byId.get(id) ?? { endpoint: id, state: "unused", consecutiveFailures: 0 }
      )
    }))
  })

  const stats: Effect.Effect<Stats> = Effect.gen(function*() {
    const [snapshot, providers, ledger, walletNow, keys] = yield* Effect.all([metrics.snapshot, providersNow, spend, walletInfo, keysNow])
    const routable = providers.filter((p) => p.routable).length
    return {
      version: VERSION,
      instance: { id: store.instance.id, startedAt: new Date(store.instance.startedAt).toISOString() },
      store: { kind: store.kind, location: store.location },
      now: new Date().toISOString(),
      listen: { host: config.host, port: config.port },
      status: routable === 0 ? "no_providers" : providers.some((p) => p.endpoints.some((e) => e.state === "open")) ? "degraded" : "ok",
      ...snapshot,
      providers,
      routes,
      spend: ledger,
      wallet: walletNow,
      keys
    }
  })

  /** `/metrics`: the request families plus health and build gauges. */
  const prometheus: Effect.Effect<string> = Effect.gen(function*() {
    const [requests, providers, ledger] = yield* Effect.all([metrics.exposition, providersNow, spend])
    const out = new Exposition()
    out.family("llmrouter_build_info", "gauge", "The running llmrouter's version (always 1).").sample("llmrouter_build_info", { version: VERSION }, 1)
    out.family("llmrouter_provider_routable", "gauge", "1 when the provider has what it needs to be routed to (a key, a base URL).")
    for (const p of providers) out.sample("llmrouter_provider_routable", { provider: p.name }, p.routable ? 1 : 0)
    out.family("llmrouter_provider_check_up", "gauge", "The provider's last active health check: 1 passed, 0 failed.")
    for (const p of providers) if (p.check !== null) out.sample("llmrouter_provider_check_up", { provider: p.name }, p.check.ok ? 1 : 0)
    out.family("llmrouter_endpoint_circuit_state", "gauge", "Circuit breaker state per endpoint: 1 for the current state (closed, open, half-open, cooling).")
    for (const p of providers) {
      for (const e of p.endpoints) {
        if (e.state === "unused") continue
        for (const state of ["closed", "open", "half-open", "cooling"]) {
          out.sample("llmrouter_endpoint_circuit_state", { endpoint: e.endpoint, state }, e.state === state ? 1 : 0)
        }
      }
    }
    out.family("llmrouter_endpoint_consecutive_failures", "gauge", "Consecutive failures counted by the endpoint's breaker.")
    for (const p of providers) for (const e of p.endpoints) if (e.state !== "unused") out.sample("llmrouter_endpoint_consecutive_failures", { endpoint: e.endpoint }, e.consecutiveFailures)
    if (ledger !== null) {
      out.family("llmrouter_payments_last_24h_usd", "gauge", "x402 spend in the last 24 hours, from the payment ledger (all runs).")
      out.sample("llmrouter_payments_last_24h_usd", {}, Number(ledger.last24hUsd))
      out.family("llmrouter_payments_daily_cap_usd", "gauge", "The configured x402 daily cap (payments.maxDailyUsd).")
      out.sample("llmrouter_payments_daily_cap_usd", {}, Number(ledger.dailyCapUsd))
    }
    return requests + out.toString()
  })

  return { stats, prometheus, contentType: CONTENT_TYPE }
})
