/**
 * Start-up of the built `llmrouter` command (`npm run bench:startup`; run `npm run build` first):
 * cold processes, interleaved per round — `node -e 0` (the floor: Node itself), `--help`,
 * `classify "…"`, and `serve` until `GET /health` answers. Prints the median of 5 rounds (or
 * STARTUP_ROUNDS) per command, wall time and the process's own CPU time (user + system, from
 * /proc: less sensitive to a busy machine than wall time), and each over the floor.
 *
 * Targets (issue 14): `--help` ≤ 0.3 s, `classify` ≤ 0.5 s, `serve` answering `/health` ≤ 1 s.
 * Then idle memory: the RSS of `serve` 3 s after `/health` answers (STARTUP_IDLE_MS) beside an idle
 * bare `node` after as long (the floor), medians of the same rounds; target ≤ 100 MB.
 * Every run gets an empty HOME, so no developer config or keys are read and nothing is written
 * outside a temp dir.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { median } from "./report.js"

/** `STARTUP_BIN=/other/checkout/bin/llmrouter.js` measures another build (e.g. an older commit) the same way. */
const BIN = process.env.STARTUP_BIN ?? fileURLToPath(new URL("../bin/llmrouter.js", import.meta.url))
const ROUNDS = Number(process.env.STARTUP_ROUNDS ?? 5)
const TARGETS: Readonly<Record<string, number | undefined>> = { help: 0.3, classify: 0.5, serve: 1 }
const IDLE_MS = Number(process.env.STARTUP_IDLE_MS ?? 3000)
const IDLE_RSS_TARGET_MB = 100

interface Run {
  readonly wallMs: number
  readonly cpuMs: number
}

/** utime + stime of a live process, in ms (Linux; NaN elsewhere). */
const cpuOf = (pid: number | undefined): number => {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? []
    return (Number(fields[11]) + Number(fields[12])) * 10
  } catch {
    return NaN
  }
}

/** Resident set size of a live process, in MB (Linux; NaN elsewhere). */
const rssMbOf = (pid: number | undefined): number => {
  try {
    return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]) / 1024
  } catch {
    return NaN
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Children are reaped by `exited`; `/proc/<pid>/stat` is read just before the exit is collected. */
const watch = (child: ChildProcess) => {
  let cpuMs = NaN
  const poll = setInterval(() => {
    const value = cpuOf(child.pid)
    if (!Number.isNaN(value)) cpuMs = value
  }, 10)
  const exited = new Promise<number>((resolve, reject) => {
    child.on("error", reject)
    child.on("exit", (code) => {
      clearInterval(poll)
      resolve(code ?? 1)
    })
  })
  return { exited, cpu: () => cpuMs }
}

const oneShot = async (args: ReadonlyArray<string>, home: string): Promise<Run> => {
  const started = performance.now()
  const child = spawn(process.execPath, args, { stdio: "ignore", env: { PATH: process.env.PATH ?? "", HOME: home } })
  const { exited, cpu } = watch(child)
  const code = await exited
  if (code !== 0) throw new Error(`${args.join(" ")} exited with ${code}`)
  return { wallMs: performance.now() - started, cpuMs: cpu() }
}

/** An idle bare `node`: the floor of idle memory. */
const idleNode = async (home: string): Promise<number> => {
  const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 600_000)"], { stdio: "ignore", env: { PATH: process.env.PATH ?? "", HOME: home } })
  const { exited } = watch(child)
  try {
    await sleep(IDLE_MS)
    return rssMbOf(child.pid)
  } finally {
    child.kill("SIGKILL")
    await exited
  }
}

/** With `idleRss`, the server is left idle IDLE_MS after answering `/health` and its RSS read (timings are taken before). */
const serveUntilHealthy = async (home: string, idleRss?: Array<number>): Promise<Run> => {
  const started = performance.now()
  const child = spawn(process.execPath, [BIN, "serve", "--port", "0"], { stdio: ["ignore", "pipe", "inherit"], env: { PATH: process.env.PATH ?? "", HOME: home } })
  const { exited } = watch(child)
  try {
    let output = ""
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout?.on("data", (chunk: Buffer) => {
        output += chunk.toString()
        const match = /listening on (http:\/\/\S+)/.exec(output)
        if (match?.[1] !== undefined) resolve(match[1])
      })
      void exited.then((code) => reject(new Error(`serve exited with ${code} before listening:\n${output}`)))
    })
    for (;;) {
      const ok = await fetch(`${url}/health`).then((r) => r.ok, () => false)
      if (ok) break
    }
    const run = { wallMs: performance.now() - started, cpuMs: cpuOf(child.pid) }
    if (idleRss !== undefined) {
      await sleep(IDLE_MS)
      idleRss.push(rssMbOf(child.pid))
    }
    return run
  } finally {
    child.kill("SIGKILL")
    await exited
  }
}

if (process.env.STARTUP_BIN === undefined && !existsSync(new URL("../dist/bundle/cli.js", import.meta.url))) {
  console.error("bench:startup: no build found; run `npm run build` first")
  process.exit(1)
}

const home = mkdtempSync(Path.join(tmpdir(), "llmrouter-startup-"))
const commands: ReadonlyArray<readonly [string, () => Promise<Run>]> = [
  ["node -e 0", () => oneShot(["-e", "0"], home)],
  ["help", () => oneShot([BIN, "--help"], home)],
  ["classify", () => oneShot([BIN, "classify", "Write a TypeScript function that parses a CSV file into typed rows."], home)],
  ["serve", () => serveUntilHealthy(home, serveIdleRss)]
]
const runs = new Map<string, Array<Run>>(commands.map(([name]) => [name, []]))
const nodeIdleRss: Array<number> = []
const serveIdleRss: Array<number> = []
try {
  await serveUntilHealthy(home) // first run creates the data dir (access key, wallet): not what a start costs
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, run] of commands) runs.get(name)?.push(await run())
    nodeIdleRss.push(await idleNode(home))
  }
} finally {
  rmSync(home, { recursive: true, force: true })
}

const medianOf = (name: string, key: keyof Run) => median((runs.get(name) ?? []).map((r) => r[key]))
const floorWall = medianOf("node -e 0", "wallMs")
const floorCpu = medianOf("node -e 0", "cpuMs")
console.log(`${BIN}: start-up, median of ${ROUNDS} cold runs (node ${process.version}, load average ${(await import("node:os")).loadavg()[0]?.toFixed(1)})`)
console.log(`${"command".padEnd(10)} ${"wall".padStart(8)} ${"× floor".padStart(8)} ${"cpu".padStart(8)} ${"× floor".padStart(8)}  target`)
for (const [name] of commands) {
  const wall = medianOf(name, "wallMs")
  const cpu = medianOf(name, "cpuMs")
  const target = TARGETS[name]
  const verdict = target === undefined ? "" : `≤ ${target} s ${wall / 1000 <= target ? "met" : "MISSED"}`
  console.log(
    `${name.padEnd(10)} ${`${(wall / 1000).toFixed(2)} s`.padStart(8)} ${(wall / floorWall).toFixed(1).padStart(8)} ` +
      `${`${(cpu / 1000).toFixed(2)} s`.padStart(8)} ${(cpu / floorCpu).toFixed(1).padStart(8)}  ${verdict}`
  )
}
const nodeIdle = median(nodeIdleRss)
const serveIdle = median(serveIdleRss)
console.log(
  `idle RSS, ${IDLE_MS / 1000} s after start (serve: after /health answers): node ${nodeIdle.toFixed(1)} MB, serve ${serveIdle.toFixed(1)} MB ` +
    `(${(serveIdle / nodeIdle).toFixed(1)} × floor)  ≤ ${IDLE_RSS_TARGET_MB} MB ${serveIdle <= IDLE_RSS_TARGET_MB ? "met" : "MISSED"}`
)
