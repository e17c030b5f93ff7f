/**
 * One bounded load run with autocannon (programmatic API) against one target, plus a one-shot
 * correctness check. Latencies are recorded here from autocannon's `response` events at full
 * (sub-millisecond) precision: autocannon's own histogram has 1 ms resolution, too coarse for an
 * "added p50 ≤ 1 ms" goal.
 */
import autocannon from "autocannon"
import type { Payload } from "./payloads.js"

export interface Sample {
  /** Completed 2xx responses per second. */
  readonly rps: number
  readonly p50: number
  readonly p99: number
  /** Connection errors and timeouts. */
  readonly errors: number
  readonly non2xx: number
  /** CPU time the target's own process spent per 2xx response, µs (NaN when not measured). */
  readonly cpuPerRequest: number
}

export interface LoadOptions {
  readonly connections: number
  readonly seconds: number
}

export const chatUrl = (baseUrl: string) => `${baseUrl}/chat/completions`

/** `cpu` reads the target process's CPU time (µs); sampled before and after the run. */
export const load = async (
  baseUrl: string,
  payload: Payload,
  options: LoadOptions,
  cpu?: () => Promise<number>
): Promise<Sample> => {
  const before = await cpu?.()
  const sample = await run(baseUrl, payload, options)
  const after = await cpu?.()
  const requests = sample.rps * sample.duration
  return {
    rps: sample.rps,
    p50: sample.p50,
    p99: sample.p99,
    errors: sample.errors,
    non2xx: sample.non2xx,
    cpuPerRequest: before === undefined || after === undefined || requests === 0 ? NaN : (after - before) / requests
  }
}

const run = (baseUrl: string, payload: Payload, options: LoadOptions) =>
  new Promise<Omit<Sample, "cpuPerRequest"> & { readonly duration: number }>((resolve, reject) => {
    const latencies: Array<number> = []
    let ok = 0
    const instance = autocannon({
      url: chatUrl(baseUrl),
      method: "POST",
      headers: { "content-type": "application/json" },
      body: payload.body,
      connections: options.connections,
      duration: options.seconds,
      timeout: 10
    }, (error, result) => {
      if (error !== null) return reject(error)
      latencies.sort((a, b) => a - b)
      resolve({
        rps: ok / result.duration,
        p50: percentile(latencies, 0.5),
        p99: percentile(latencies, 0.99),
        errors: result.errors,
        non2xx: result.non2xx,
        duration: result.duration
      })
    })
    instance.on("response", (_client, status, _bytes, ms) => {
      if (status >= 200 && status < 300) ok++
      latencies.push(ms)
    })
  })

const percentile = (sorted: ReadonlyArray<number>, q: number): number =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number

/** One request: `undefined` when the answer is what a client expects, else what is wrong. */
export const check = async (baseUrl: string, payload: Payload, stream: boolean): Promise<string | undefined> => {
  const response = await fetch(chatUrl(baseUrl), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: payload.body
  })
  const text = await response.text()
  if (response.status !== 200) return `status ${response.status}: ${text.slice(0, 200)}`
  if (stream) {
    const events = text.split("\n\n").filter((e) => e.trim() !== "")
    if (events.at(-1) !== "data: [DONE]") return `stream did not end with [DONE]: …${text.slice(-200)}`
    if (text.includes("event: error")) return `stream carried an error event`
    if (events.length < 20) return `stream had only ${events.length} events`
    return undefined
  }
  try {
    const parsed = JSON.parse(text) as { choices?: unknown }
    return Array.isArray(parsed.choices) ? undefined : "JSON without choices"
  } catch {
    return `not JSON: ${text.slice(0, 200)}`
  }
}
