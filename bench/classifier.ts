/**
 * Classifier latency: per-call p50 / p99 / max after warm-up, for prompts of
 * several lengths up to 8,000 characters, on both `classifyText` and
 * `classifyRequest` (an OpenClaw-shaped body with a 30 KB system prompt).
 *
 *   node --import tsx bench/classifier.ts
 *
 * Target (issue #3): p99 ≤ 100 µs per call at 8,000 characters.
 */
import { classifyRequest, classifyText } from "../src/Classifier.js"

const SAMPLES = [
  "hi there, how are you today?",
  "Write a python function that returns the n-th Fibonacci number using memoization.",
  "A farmer has 17 sheep. All but 9 run away. He then buys 3 times as many as he has left. How many sheep does he have now?",
  "fix my code pls\n\nfunction sum(xs) {\n  let t = 0;\n  for (let i = 0; i <= xs.length; i++) t += xs[i];\n  return t;\n}\n",
  "Please write a thoughtful essay about the history of public libraries, their role in communities, and how they are adapting to the digital age. ",
  "Let $f(x) = x^2 + 3x - 4$. Find all real $x$ such that $f(f(x)) = 0$ and prove there are no others. "
]

const makeText = (len: number, seed: number): string => {
  let s = ""
  let i = seed
  while (s.length < len) s += `${SAMPLES[i++ % SAMPLES.length] ?? ""}\n`
  return s.slice(0, len)
}

const openClawBody = (text: string): unknown => ({
  model: "auto",
  stream: true,
  messages: [
    { role: "system", content: "You are a personal assistant running inside OpenClaw. ".repeat(550) },
    { role: "user", content: `[Wed 2026-11-25 11:36 UTC] ${text}\nRuntime: agent=main | host=box | model=llmrouter/auto` },
    {
      role: "user",
      content: [{ type: "text", text: "<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>>\nActive exec sessions: none\n<<<END_OPENCLAW_INTERNAL_CONTEXT>>>" }]
    }
  ]
})

const percentile = (sorted: Float64Array, p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0

const measure = (label: string, inputs: ReadonlyArray<unknown>, fn: (x: unknown) => unknown, iterations: number): void => {
  for (let i = 0; i < 3000; i++) fn(inputs[i % inputs.length]) // warm-up: let V8 optimise
  const times = new Float64Array(iterations)
  let sink = 0
  const cpu0 = process.cpuUsage()
  for (let i = 0; i < iterations; i++) {
    const x = inputs[i % inputs.length]
    const t0 = process.hrtime.bigint()
    const d = fn(x)
    times[i] = Number(process.hrtime.bigint() - t0) / 1000
    if (d !== undefined) sink++
  }
  const cpu = process.cpuUsage(cpu0)
  times.sort()
  const us = (v: number): string => `${v.toFixed(1).padStart(7)} µs`
  console.log(
    `${label.padEnd(36)} p50 ${us(percentile(times, 0.5))}  p99 ${us(percentile(times, 0.99))}  max ${us(times[times.length - 1] ?? 0)}  cpu/call ${us((cpu.user + cpu.system) / iterations)}  (n=${iterations}${sink === iterations ? "" : "!"})`
  )
}

// On a busy machine wall-clock p99 mostly measures preemption; cpu/call (process CPU time per call) does not.
console.log(`node ${process.version}, ${process.arch}, load average ${(await import("node:os")).loadavg()[0]?.toFixed(2)}`)
for (const len of [100, 500, 2000, 4000, 8000]) {
  const texts = Array.from({ length: 16 }, (_, i) => makeText(len, i))
  measure(`classifyText ${len} chars`, texts, (x) => classifyText(x as string), 20000)
}
const bodies = Array.from({ length: 16 }, (_, i) => openClawBody(makeText(8000, i)))
measure("classifyRequest OpenClaw 8000 chars", bodies, classifyRequest, 20000)
const huge = [makeText(200_000, 1)]
measure("classifyText 200,000 chars (capped)", huge, (x) => classifyText(x as string), 5000)
