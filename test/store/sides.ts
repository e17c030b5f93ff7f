/**
 * The "other side" of a cross-engine test: a child process that uses the SQLite engine this one
 * does not. On a Node with `node:sqlite` that is the same Node with the WASM engine forced; on Node
 * 20 (WASM only) it is a Node 24 binary (`test/support/node24.ts`) on `node:sqlite`.
 */
import { type ChildProcess, spawn } from "node:child_process"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { sqliteEngine } from "../../src/store/open.js"
import type { SqliteEngine } from "../../src/store/types.js"
import { node24 } from "../support/node24.js"
import type { SystemTool } from "../support/systemTools.js"

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url))

export interface Side {
  readonly node: string
  readonly engine: SqliteEngine
}

/** The tool that provides the other engine (always present when this Node has node:sqlite). */
export const otherEngineTool = (): SystemTool =>
  sqliteEngine() === "node:sqlite" ? { name: "node", path: process.execPath, howTo: "" } : node24()

export const otherSide = (node: string): Side => ({ node, engine: sqliteEngine() === "node:sqlite" ? "wasm" : "node:sqlite" })

export interface Worker {
  readonly child: ChildProcess
  /** Resolves with the first stdout line starting with `prefix`. */
  readonly line: (prefix: string) => Promise<string>
  readonly exit: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null; readonly stderr: string }>
}

export const spawnWorker = (side: Side, args: ReadonlyArray<string>, extraEnv: Record<string, string> = {}): Worker => {
  const child = spawn(side.node, ["--import", "tsx", Path.join(repoRoot, "test", "store", "worker.ts"), ...args], {
    cwd: repoRoot,
    env: { ...process.env, LLMROUTER_SQLITE: side.engine === "wasm" ? "wasm" : "node", ...extraEnv },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let stdout = ""
  let stderr = ""
  const waiters: Array<{ prefix: string; resolve: (line: string) => void }> = []
  const check = () => {
    for (const line of stdout.split("\n")) {
      for (const waiter of [...waiters]) {
        if (line.startsWith(waiter.prefix)) {
          waiters.splice(waiters.indexOf(waiter), 1)
          waiter.resolve(line)
        }
      }
    }
  }
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8")
    check()
  })
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8")
  })
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal, stderr }))
  )
  const line = (prefix: string) =>
    new Promise<string>((resolve, reject) => {
      waiters.push({ prefix, resolve })
      check()
      void exit.then(({ code, signal }) => reject(new Error(`worker exited (${code ?? signal}) before '${prefix}': ${stderr.slice(-2_000)}`)))
    })
  return { child, line, exit }
}
