/**
 * Each server of the bench (stub, floor proxy, router) runs in its own Node process, so none of
 * them shares an event loop with the load generator. The protocol over the IPC channel is tiny:
 * the child sends `{ ready: url }` once listening; the parent sends `"stop"`, the child closes and
 * exits 0 (so `--cpu-prof` can write its profile); `"cpu"` asks for the CPU time the child has used
 * so far (µs, user + system) and `"rss"` for its resident set size (bytes), answered as `{ value }`. With `BENCH_PROFILE=dir` in its env, a child
 * starts the V8 CPU profiler on `"profile"` (sent after warm-up, so start-up and JIT are left out)
 * and writes `dir/<name>-<pid>.cpuprofile` on stop. A child also exits when the parent goes away.
 */
import { type ChildProcess, fork } from "node:child_process"
import { writeFileSync } from "node:fs"
import type { Session } from "node:inspector/promises"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

export interface Child {
  readonly name: string
  readonly url: string
  readonly pid: number
  /** CPU time used by the child so far, µs (user + system, all its threads). */
  cpu(): Promise<number>
  /** The child's resident set size now, bytes. */
  rss(): Promise<number>
  /** Starts the CPU profiler (only when the child was started with `BENCH_PROFILE` in its env). */
  profile(): void
  stop(): Promise<void>
}

/** Forks `bench/<entry>.ts` (or a built `.js` / `.mjs` file) with the parent's loader flags (tsx) plus `execArgv`. */
export const startChild = (
  name: string,
  entry: string,
  options: { readonly env?: Record<string, string>; readonly execArgv?: ReadonlyArray<string> } = {}
): Promise<Child> =>
  new Promise((resolve, reject) => {
    const built = /\.m?js$/.test(entry)
    const path = built ? Path.resolve(entry) : fileURLToPath(new URL(`./${entry}.ts`, import.meta.url))
    // A built entry runs as users run it: without the TypeScript loader (which alone costs ~100 MB RSS).
    const inherited = built ? withoutLoader(process.execArgv) : process.execArgv
    const child: ChildProcess = fork(path, [], {
      execArgv: [...inherited, ...(options.execArgv ?? [])],
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "inherit", "inherit", "ipc"]
    })
    const exited = new Promise<void>((done) => child.once("exit", () => done()))
    const onExit = (code: number | null) => reject(new Error(`${name} exited (${code}) before it was ready`))
    child.once("exit", onExit)
    child.once("message", (message: unknown) => {
      child.off("exit", onExit)
      const url = typeof message === "object" && message !== null && "ready" in message ? String(message.ready) : ""
      if (url === "") return reject(new Error(`${name} sent an unexpected first message`))
      const waiting: Array<(value: number) => void> = []
      child.on("message", (reply: unknown) => {
        if (typeof reply === "object" && reply !== null && "value" in reply) waiting.shift()?.(Number(reply.value))
      })
      const ask = (question: "cpu" | "rss") =>
        new Promise<number>((answer) => {
          waiting.push(answer)
          child.send(question)
        })
      resolve({
        name,
        url,
        pid: child.pid ?? 0,
        cpu: () => ask("cpu"),
        rss: () => ask("rss"),
        profile: () => child.send("profile"),
        stop: () => {
          if (child.exitCode === null) child.send("stop")
          const timer = setTimeout(() => child.kill("SIGKILL"), 10_000)
          return exited.finally(() => clearTimeout(timer))
        }
      })
    })
  })

const withoutLoader = (args: ReadonlyArray<string>) =>
  args.filter((arg, i) => !(arg === "tsx" && args[i - 1] === "--import") && !(arg === "--import" && args[i + 1] === "tsx"))

/** In a child: announce `url`, and run `close` then exit on "stop" or when the parent is gone. */
export const serveChild = (name: string, url: string, close: () => Promise<void>): void => {
  const profileDir = process.env["BENCH_PROFILE"]
  let session: Session | undefined
  const startProfile = async () => {
    if (profileDir === undefined || session !== undefined) return
    // Loaded only when profiling: the inspector would count in every child's memory figures.
    const { Session } = await import("node:inspector/promises")
    session = new Session()
    session.connect()
    await session.post("Profiler.enable")
    await session.post("Profiler.start")
  }
  const writeProfile = async () => {
    if (profileDir === undefined || session === undefined) return
    const { profile } = await session.post("Profiler.stop")
    const file = Path.join(profileDir, `${name}-${process.pid}.cpuprofile`)
    writeFileSync(file, JSON.stringify(profile))
    console.error(`${name}: CPU profile written to ${file}`)
  }
  let stopping = false
  const stop = () => {
    if (stopping) return
    stopping = true
    writeProfile().then(close).finally(() => process.exit(0))
  }
  process.on("message", (message) => {
    if (message === "stop") stop()
    if (message === "profile") void startProfile()
    if (message === "cpu") {
      const { user, system } = process.cpuUsage()
      process.send?.({ value: user + system })
    }
    if (message === "rss") process.send?.({ value: process.memoryUsage.rss() })
  })
  process.on("disconnect", stop)
  process.send?.({ ready: url })
}
