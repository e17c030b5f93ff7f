/** Medians across rounds, the goals, and the printed table. */
import type { Sample } from "./load.js"

/** Issue 14: router ≥ 0.33 of the floor's throughput (stretch 0.5); RSS idle ≤ 100 MB, under load ≤ 200 MB. */
export const GOALS = { throughputRatio: 0.33, stretchRatio: 0.5, idleRssMb: 100, loadRssMb: 200 } as const

export const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].filter((v) => !Number.isNaN(v)).sort((a, b) => a - b)
  if (sorted.length === 0) return NaN
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid] as number : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

export interface TargetSummary {
  readonly rps: number
  readonly p50: number
  readonly p99: number
  /** Summed over all rounds (any error at all matters). */
  readonly errors: number
  readonly non2xx: number
  readonly cpuPerRequest: number
}

export const summarize = (samples: ReadonlyArray<Sample>): TargetSummary => ({
  rps: median(samples.map((s) => s.rps)),
  p50: median(samples.map((s) => s.p50)),
  p99: median(samples.map((s) => s.p99)),
  errors: samples.reduce((n, s) => n + s.errors, 0),
  non2xx: samples.reduce((n, s) => n + s.non2xx, 0),
  cpuPerRequest: median(samples.map((s) => s.cpuPerRequest))
})

export interface Verdict {
  /** Median over rounds of C/B throughput (each round's B and C ran back to back). */
  readonly ratio: number
  /** Median over rounds of C p50 − B p50, ms. */
  readonly addedP50: number
  /** Median over rounds of the router's CPU per request over the floor's (noise-robust). */
  readonly cpuRatio: number
  readonly errors: number
  readonly ratioMet: boolean
  readonly stretchMet: boolean
  readonly errorsMet: boolean
}

export const verdict = (floor: ReadonlyArray<Sample>, router: ReadonlyArray<Sample>, allErrors: number): Verdict => {
  const pairs = router.flatMap((c, i) => {
    const b = floor[i]
    return b === undefined ? [] : [{ b, c }]
  })
  const ratio = median(pairs.map(({ b, c }) => c.rps / b.rps))
  const addedP50 = median(pairs.map(({ b, c }) => c.p50 - b.p50))
  const cpuRatio = median(pairs.map(({ b, c }) => c.cpuPerRequest / b.cpuPerRequest))
  return {
    ratio,
    addedP50,
    cpuRatio,
    errors: allErrors,
    ratioMet: ratio >= GOALS.throughputRatio,
    stretchMet: ratio >= GOALS.stretchRatio,
    errorsMet: allErrors === 0
  }
}

const pad = (s: string, n: number) => s.padEnd(n)
const left = (s: string, n: number) => s.padStart(n)
const ms = (v: number) => (Number.isNaN(v) ? "—" : v.toFixed(2))
const met = (ok: boolean) => (ok ? "met" : "MISSED")

export const header = () =>
  `${pad("scenario", 16)}${pad("target", 16)}${left("req/s", 9)}${left("p50 ms", 9)}${left("p99 ms", 9)}${left("errors", 8)}` +
  `${left("non2xx", 8)}${left("cpu µs/req", 12)}`

export const row = (scenario: string, target: string, s: TargetSummary) =>
  `${pad(scenario, 16)}${pad(target, 16)}${left(Math.round(s.rps).toString(), 9)}${left(ms(s.p50), 9)}` +
  `${left(ms(s.p99), 9)}${left(String(s.errors), 8)}${left(String(s.non2xx), 8)}` +
  `${left(Number.isNaN(s.cpuPerRequest) ? "—" : Math.round(s.cpuPerRequest).toString(), 12)}`

export const verdictLine = (v: Verdict) =>
  `${pad("", 16)}C/B throughput ${v.ratio.toFixed(2)} (≥ ${GOALS.throughputRatio}: ${met(v.ratioMet)}; ` +
  `stretch ${GOALS.stretchRatio}: ${met(v.stretchMet)}) · C−B p50 ${v.addedP50 >= 0 ? "+" : ""}${ms(v.addedP50)} ms · ` +
  `errors ${v.errors} (0: ${met(v.errorsMet)}) · CPU/req C/B ${v.cpuRatio.toFixed(1)}×`

const pairRatio = (num: ReadonlyArray<Sample>, den: ReadonlyArray<Sample>, field: "rps" | "cpuPerRequest") =>
  median(num.flatMap((n, i) => {
    const d = den[i]
    return d === undefined ? [] : [n[field] / d[field]]
  }))

/** Where the router's cost sits: the platform's share (P vs B) and ours (C vs P), as in-round ratios. */
export const ceilingLine = (floor: ReadonlyArray<Sample>, platform: ReadonlyArray<Sample>, router: ReadonlyArray<Sample> | undefined) =>
  `${pad("", 16)}platform ceiling P/B throughput ${pairRatio(platform, floor, "rps").toFixed(2)}, CPU/req P/B ` +
  `${pairRatio(platform, floor, "cpuPerRequest").toFixed(1)}×` +
  (router === undefined ? "" : ` · router vs ceiling C/P throughput ${pairRatio(router, platform, "rps").toFixed(2)}, CPU/req C/P ` +
    `${pairRatio(router, platform, "cpuPerRequest").toFixed(1)}×`)

/** The router against a reference build (C/R, in-round ratios), and the reference's own share of the floor. */
export const referenceLine = (router: ReadonlyArray<Sample>, reference: ReadonlyArray<Sample>, floor: ReadonlyArray<Sample> | undefined) =>
  `${pad("", 16)}vs reference C/R throughput ${pairRatio(router, reference, "rps").toFixed(2)}, CPU/req C/R ` +
  `${pairRatio(router, reference, "cpuPerRequest").toFixed(2)}×` +
  (floor === undefined ? "" : ` · reference R/B throughput ${pairRatio(reference, floor, "rps").toFixed(2)}`)

export const roundsLine = (floor: ReadonlyArray<Sample>, router: ReadonlyArray<Sample>) =>
  `${pad("", 16)}rounds C/B: ${router.map((c, i) => (c.rps / (floor[i]?.rps ?? NaN)).toFixed(2)).join(" ")}`
