/**
 * `npm run bench`: the stub upstream hit directly (A), through a bare Node pipe proxy (B, the
 * floor), through a bare `@effect/platform-node` proxy (P, the platform ceiling) and through the
 * router (C), JSON and streaming, small and OpenClaw-shaped requests, at
 * 50 connections, in interleaved rounds (A, B, P, C, A, B, P, C, …); medians across rounds. See
 * bench/README.md. Knobs (env): BENCH_SECONDS (per round, default 2), BENCH_ROUNDS (4),
 * BENCH_WARMUP (seconds per target per scenario, 1), BENCH_CONNECTIONS (50), BENCH_PROBE (seconds
 * of the 1-connection latency probe per target per round, 0.5; 0 = off), BENCH_SCENARIOS (e.g.
 * "sse-openclaw,json-small"), BENCH_TARGETS (e.g. "B,C"), BENCH_MODEL ("bench", or "auto" to route
 * through the classifier), BENCH_PROFILE (a directory: the router
 * child is CPU-profiled from the end of the first warm-up to the end; see bench/profile.ts),
 * BENCH_ROUTER_ENTRY (by default the router is bundled first, as `npm run build` bundles the command:
 * bench/buildRouter.ts; "source" runs bench/router.ts through the TypeScript loader; or a built file),
 * BENCH_REFERENCE_ENTRY (another built router, target R, e.g. the same bundle from main: the change
 * measured against it in the same run, C/R).
 */
import { mkdirSync } from "node:fs"
import * as Path from "node:path"
import { cpus } from "node:os"
import { buildRouter } from "./buildRouter.js"
import { type Child, startChild } from "./child.js"
import { check, load, type Sample } from "./load.js"
import { describePayloads, MODEL, type Payload, payloads } from "./payloads.js"
import { ceilingLine, GOALS, header, median, referenceLine, roundsLine, row, summarize, verdict, verdictLine } from "./report.js"

const num = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback)
  return Number.isFinite(value) && value >= 0 ? value : fallback
}
const list = (name: string) => (process.env[name] ?? "").split(",").map((s) => s.trim()).filter((s) => s !== "")

const seconds = num("BENCH_SECONDS", 2)
const rounds = Math.max(1, Math.round(num("BENCH_ROUNDS", 4)))
const warmup = num("BENCH_WARMUP", 1)
const connections = Math.max(1, Math.round(num("BENCH_CONNECTIONS", 50)))
const probe = num("BENCH_PROBE", 0.5)
const profileDir = process.env["BENCH_PROFILE"]

interface Scenario {
  readonly name: string
  readonly stream: boolean
  readonly payload: Payload
}
const allScenarios: ReadonlyArray<Scenario> = [
  { name: "json-small", stream: false, payload: payloads.small(false) },
  { name: "sse-small", stream: true, payload: payloads.small(true) },
  { name: "json-openclaw", stream: false, payload: payloads.openclaw(false) },
  { name: "sse-openclaw", stream: true, payload: payloads.openclaw(true) }
]
const scenarioFilter = list("BENCH_SCENARIOS")
const scenarios = allScenarios.filter((s) => scenarioFilter.length === 0 || scenarioFilter.includes(s.name))
const targetFilter = list("BENCH_TARGETS").map((t) => t.toUpperCase())

const listed = (name: string) => process.env[name]?.split(/\s+/).filter((flag) => flag !== "")
const traceGc = process.env["BENCH_TRACE_GC"] ? ["--trace-gc"] : []
/** What `bin/llmrouter.js` starts `serve` with: 8 MB semi-spaces where it can restart in place (Node ≥ 23.11), else Node's defaults. */
const serveFlags = listed("BENCH_SERVE_FLAGS") ?? (typeof (process as { execve?: unknown }).execve === "function" ? ["--max-semi-space-size=8"] : [])
const SERVE_FLAGS = [...serveFlags, ...traceGc]
/** The reference's flags: by default the router's (the same flags, another build); or others, to compare flags on one build. */
const REFERENCE_FLAGS = [...(listed("BENCH_REFERENCE_FLAGS") ?? serveFlags), ...traceGc]

const children: Array<Child> = []
const stopAll = () => Promise.all(children.splice(0).reverse().map((c) => c.stop()))

const main = async () => {
  const started = Date.now()
  const stub = await startChild("stub", "stub")
  children.push(stub)
  const env = { BENCH_UPSTREAM: stub.url }
  if (profileDir !== undefined) mkdirSync(profileDir, { recursive: true })
  const floor = await startChild("floor", "floor", {
    env: profileDir === undefined ? env : { ...env, BENCH_PROFILE: profileDir }
  })
  children.push(floor)
  const platform = await startChild("platform", "platform", {
    env: profileDir === undefined ? env : { ...env, BENCH_PROFILE: profileDir }
  })
  children.push(platform)
  const routerEntry = process.env["BENCH_ROUTER_ENTRY"] ?? await buildRouter()
  const router = await startChild("router", routerEntry === "source" ? "router" : routerEntry, {
    env: profileDir === undefined ? env : { ...env, BENCH_PROFILE: profileDir },
    execArgv: SERVE_FLAGS
  })
  children.push(router)
  const referenceEntry = process.env["BENCH_REFERENCE_ENTRY"]
  const reference = referenceEntry === undefined ? undefined : await startChild("reference", referenceEntry, { env, execArgv: REFERENCE_FLAGS })
  if (reference !== undefined) children.push(reference)
  const targets = [
    { key: "A", label: "A direct", url: stub.url, process: stub },
    { key: "B", label: "B floor proxy", url: floor.url, process: floor },
    { key: "P", label: "P platform", url: platform.url, process: platform },
    { key: "C", label: "C router", url: router.url, process: router },
    ...(reference === undefined ? [] : [{ key: "R", label: "R reference", url: reference.url, process: reference }])
  ].filter((t) => targetFilter.length === 0 || targetFilter.includes(t.key) || t.key === "R")

  console.log(`llmrouter bench · node ${process.version} · ${cpus().length} cores · ${connections} connections · ` +
    `${rounds} rounds × ${seconds} s per target, ${warmup} s warm-up · medians across rounds`)
  console.log(`processes: load generator (this, pid ${process.pid}) · stub ${stub.pid} · floor ${floor.pid} · platform ${platform.pid} · ` +
    `router ${router.pid} (${routerEntry === "source" ? "bench/router.ts, TypeScript loader" : Path.relative(process.cwd(), routerEntry)})` + (reference === undefined ? "" : ` · reference ${reference.pid} (${referenceEntry})`))
  console.log(`requests: ${describePayloads()} · model "${MODEL}"`)
  if (profileDir !== undefined) console.log(`profiling the router into ${profileDir}`)
  console.log("")
  const idleRss = new Map(await Promise.all(targets.map(async (t) => [t.key, await t.process.rss()] as const)))
  const peakRss = new Map(idleRss)
  const sampleRss = async (target: (typeof targets)[number]) => {
    const rss = await target.process.rss()
    peakRss.set(target.key, Math.max(peakRss.get(target.key) ?? 0, rss))
  }
  console.log(header())

  const verdicts: Array<{ scenario: string; met: boolean; stretch: boolean }> = []
  for (const scenario of scenarios) {
    for (const target of targets) {
      const problem = await check(target.url, scenario.payload, scenario.stream)
      if (problem !== undefined) throw new Error(`${scenario.name} via ${target.label}: ${problem}`)
      if (warmup > 0) await load(target.url, scenario.payload, { connections, seconds: warmup })
    }
    if (profileDir !== undefined) {
      router.profile()
      platform.profile()
      floor.profile()
    }
    const samples = new Map<string, Array<Sample>>(targets.map((t) => [t.key, []]))
    const probes = new Map<string, Array<number>>(targets.map((t) => [t.key, []]))
    for (let round = 0; round < rounds; round++) {
      for (const target of targets) {
        samples.get(target.key)?.push(await load(target.url, scenario.payload, { connections, seconds }, target.process.cpu))
        await sampleRss(target)
      }
      if (probe > 0) {
        for (const target of targets) {
          probes.get(target.key)?.push((await load(target.url, scenario.payload, { connections: 1, seconds: probe })).p50)
        }
      }
    }
    const errors = [...samples.values()].flat().reduce((n, s) => n + s.errors + s.non2xx, 0)
    for (const [i, target] of targets.entries()) {
      console.log(row(i === 0 ? scenario.name : "", target.label, summarize(samples.get(target.key) ?? [])))
    }
    const floorSamples = samples.get("B")
    const routerSamples = samples.get("C")
    const platformSamples = samples.get("P")
    if (floorSamples !== undefined && routerSamples !== undefined) {
      const v = verdict(floorSamples, routerSamples, errors)
      console.log(verdictLine(v))
      console.log(roundsLine(floorSamples, routerSamples))
      verdicts.push({ scenario: scenario.name, met: v.ratioMet && v.errorsMet, stretch: v.stretchMet })
    }
    if (floorSamples !== undefined && platformSamples !== undefined) console.log(ceilingLine(floorSamples, platformSamples, routerSamples))
    const referenceSamples = samples.get("R")
    if (routerSamples !== undefined && referenceSamples !== undefined) console.log(referenceLine(routerSamples, referenceSamples, floorSamples))
    if (probe > 0) {
      const p = (key: string) => median(probes.get(key) ?? [])
      const has = (key: string) => targets.some((t) => t.key === key)
      console.log(`${"".padEnd(16)}1 connection p50: ${targets.map((t) => `${t.key} ${p(t.key).toFixed(3)}`).join(" · ")} ms` +
        (has("B") && has("C") ? ` · added C−B ${(p("C") - p("B")).toFixed(3)} ms` : "") +
        (has("P") && has("C") ? ` · C−P ${(p("C") - p("P")).toFixed(3)} ms` : ""))
    }
  }

  console.log("")
  const mb = (bytes: number | undefined) => `${((bytes ?? NaN) / 1024 / 1024).toFixed(0)} MB`
  const endRss = new Map(await Promise.all(targets.map(async (t) => [t.key, await t.process.rss()] as const)))
  console.log(`RSS (idle at start → peak sampled after each round → after the bench): ` +
    targets.map((t) => `${t.key} ${mb(idleRss.get(t.key))} → ${mb(peakRss.get(t.key))} → ${mb(endRss.get(t.key))}`).join(" · "))
  const routerIdle = idleRss.get("C")
  const routerPeak = peakRss.get("C")
  if (routerIdle !== undefined && routerPeak !== undefined) {
    console.log(`router memory: idle ${mb(routerIdle)} (≤ ${GOALS.idleRssMb} MB: ${routerIdle <= GOALS.idleRssMb * 1024 * 1024 ? "met" : "MISSED"}) · ` +
      `under load ${mb(routerPeak)} (≤ ${GOALS.loadRssMb} MB: ${routerPeak <= GOALS.loadRssMb * 1024 * 1024 ? "met" : "MISSED"})`)
  }
  console.log(`goals (at ${connections} connections): router ≥ ${GOALS.throughputRatio} of floor throughput (stretch ${GOALS.stretchRatio}), ` +
    `zero errors; CPU per request and added p50 at 1 connection reported`)
  for (const v of verdicts) console.log(`  ${v.scenario.padEnd(16)}${v.met ? "met" : "NOT met"}${v.stretch ? " (stretch met)" : ""}`)
  console.log(`total ${((Date.now() - started) / 1000).toFixed(0)} s`)
}

try {
  await main()
} finally {
  await stopAll()
}
