/**
 * A real OpenClaw Gateway (headless) with llmrouter linked from a staged copy of this checkout
 * (its build included), the router started in process by the plugin's service. Isolated HOME and
 * OPENCLAW_* dirs, removed on close (set OPENCLAW_E2E_KEEP=1 to keep them for a post-mortem);
 * everything binds 127.0.0.1. Helpers to run the OpenClaw CLI, call Gateway
 * methods and invoke tools the way an operator would (`POST /tools/invoke`).
 */
import { type ChildProcess, spawn } from "node:child_process"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { freePort } from "../support/ports.js"
import { ensureHost, type Host, stageCheckout } from "./host.js"

export const TOKEN = "e2e-gateway-token"

export interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

export interface GatewayOptions {
  /** `plugins.entries.llmrouter.config` (the router's settings). */
  readonly routerConfig: (routerPort: number) => Record<string, unknown>
  /** Top-level OpenClaw config merged over the defaults (e.g. `tools.allow`). */
  readonly openclaw?: Record<string, unknown>
  /** Extra environment of every OpenClaw process (the Gateway included). */
  readonly env?: Readonly<Record<string, string>>
}

export interface Gateway {
  readonly host: Host
  readonly root: string
  readonly routerPort: number
  readonly gatewayPort: number
  readonly dataDir: string
  readonly output: () => string
  readonly process: ChildProcess
  readonly exited: Promise<number | null>
  readonly run: (args: ReadonlyArray<string>, timeoutMs?: number) => Promise<Run>
  /** `POST /tools/invoke`: the tool's result as JSON text (what OpenClaw hands back), and the HTTP status. */
  readonly invokeTool: (tool: string, args?: Record<string, unknown>) => Promise<{ readonly status: number; readonly text: string }>
  readonly close: () => Promise<void>
}

/** The JSON document a `--json` command printed (log lines may precede it). */
export const jsonOf = (text: string): Record<string, unknown> => JSON.parse(text.slice(text.indexOf("{"))) as Record<string, unknown>

const spawnGateway = (host: Host, env: NodeJS.ProcessEnv, cwd: string, port: number, onOutput: (text: string) => void): ChildProcess => {
  const gateway = spawn(host.node, [host.openclaw, "gateway", "run", "--port", String(port)], { env, cwd, stdio: ["ignore", "pipe", "pipe"] })
  gateway.stdout?.on("data", (chunk: Buffer) => onOutput(chunk.toString()))
  gateway.stderr?.on("data", (chunk: Buffer) => onOutput(chunk.toString()))
  return gateway
}

/**
 * Installs the staged plugin, starts the Gateway and waits for the in-process router's `/health`.
 * A Gateway that never comes up is killed and its staged copy (a full checkout) removed.
 */
const installAndStart = async (
  run: (args: ReadonlyArray<string>, timeoutMs?: number) => Promise<Run>,
  stage: string,
  spawnIt: () => ChildProcess,
  routerPort: number,
  output: () => string
): Promise<ChildProcess> => {
  let gateway: ChildProcess | undefined
  try {
    // Installing is slow on a busy machine (OpenClaw's own doctor and state migrations): minutes, not seconds.
    const install = await run(["plugins", "install", "-l", stage, "--force", "--accept-capabilities"], 600_000)
    if (install.code !== 0) throw new Error(`plugins install failed (${install.code}):\n${install.stdout}\n${install.stderr}`)
    gateway = spawnIt()
    const started = Date.now()
    for (;;) {
      const healthy = await fetch(`http://127.0.0.1:${routerPort}/health`, { signal: AbortSignal.timeout(1_000) }).then((r) => r.ok, () => false)
      if (healthy) break
      if (gateway.exitCode !== null) throw new Error(`gateway exited: ${output().slice(-3000)}`)
      if (Date.now() - started > 420_000) throw new Error(`timed out waiting for the in-process router\n${output().slice(-3000)}`)
      await new Promise((r) => setTimeout(r, 500))
    }
    console.info(`llmrouter listening ${Date.now() - started} ms after the Gateway was spawned`)
    return gateway
  } catch (error) {
    gateway?.kill("SIGKILL")
    rmSync(stage, { recursive: true, force: true })
    throw error
  }
}

export const startGateway = async (options: GatewayOptions): Promise<Gateway> => {
  const host = ensureHost()
  const root = mkdtempSync(Path.join(tmpdir(), "llmrouter-openclaw-e2e-"))
  const home = Path.join(root, "home")
  const state = Path.join(root, "state")
  mkdirSync(home, { recursive: true })
  mkdirSync(state, { recursive: true })
  const routerPort = await freePort()
  const gatewayPort = await freePort()
  const env: NodeJS.ProcessEnv = {
    PATH: `${Path.dirname(host.node)}:${process.env.PATH ?? ""}`,
    HOME: home,
    OPENCLAW_HOME: home,
    OPENCLAW_STATE_DIR: state,
    OPENCLAW_CONFIG_PATH: Path.join(state, "openclaw.json"),
    OPENCLAW_GATEWAY_TOKEN: TOKEN,
    NO_COLOR: "1",
    TMPDIR: root,
    ...options.env
  }
  const config = {
    gateway: { mode: "local", port: gatewayPort, bind: "loopback", auth: { mode: "token", token: TOKEN } },
    logging: { file: Path.join(root, "openclaw.log") },
    agents: { defaults: { model: { primary: "llmrouter/auto" } } },
    plugins: {
      allow: ["llmrouter"],
      entries: { llmrouter: { enabled: true, hooks: { allowConversationAccess: true }, config: options.routerConfig(routerPort) } }
    },
    ...options.openclaw
  }
  writeFileSync(Path.join(state, "openclaw.json"), JSON.stringify(config, null, 2))

  const run = (args: ReadonlyArray<string>, timeoutMs = 150_000): Promise<Run> =>
    new Promise((resolve) => {
      const child = spawn(host.node, [host.openclaw, ...args], { env, cwd: root, stdio: ["ignore", "pipe", "pipe"] })
      let stdout = ""
      let stderr = ""
      child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()))
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs)
      child.on("close", (code) => {
        clearTimeout(timer)
        resolve({ code, stdout, stderr })
      })
    })

  const stage = stageCheckout()
  let output = ""
  const gateway = await installAndStart(run, stage, () => spawnGateway(host, env, root, gatewayPort, (text) => (output += text)), routerPort, () => output)
  const exited = new Promise<number | null>((resolve) => {
    if (gateway.exitCode !== null) resolve(gateway.exitCode)
    else gateway.on("exit", (code) => resolve(code))
  })

  const invokeTool = async (tool: string, args: Record<string, unknown> = {}) => {
    const response = await fetch(`http://127.0.0.1:${gatewayPort}/tools/invoke`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ tool, args, sessionKey: "main" }),
      signal: AbortSignal.timeout(120_000)
    })
    return { status: response.status, text: await response.text() }
  }

  const close = async () => {
    if (gateway.exitCode === null) {
      gateway.kill("SIGKILL")
      await exited
    }
    rmSync(stage, { recursive: true, force: true })
    // HOME, state and Node's compile cache of one Gateway run: hundreds of MB per run otherwise.
    if (process.env.OPENCLAW_E2E_KEEP === undefined) rmSync(root, { recursive: true, force: true })
  }

  return {
    host,
    root,
    routerPort,
    gatewayPort,
    dataDir: Path.join(home, ".openclaw", "llmrouter"),
    output: () => output,
    process: gateway,
    exited,
    run,
    invokeTool,
    close
  }
}
