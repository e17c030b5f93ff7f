/**
 * llmrouter inside a real OpenClaw Gateway (headless): the plugin linked from this checkout, its
 * router started in process by the service, a loopback stub as the only upstream. Isolated HOME and
 * OPENCLAW_* dirs; everything binds 127.0.0.1. No LLMROUTER_API_KEY is set: OpenClaw must get the
 * router's generated access key from the plugin (zero-config auth).
 */
import { type ChildProcess, spawn } from "node:child_process"
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { autoPolicy, classifyTurn } from "../../openclaw/hook.js"
import { classifyText } from "../../src/index.js"
import { type Received, startUpstream, streamEvents, type Upstream } from "../support/openaiUpstream.js"
import { ensureHost, type Host, stageCheckout } from "./host.js"
import { canListen, freePort } from "../support/ports.js"

const PROMPT = "Write a TypeScript function that parses a CSV file into typed rows, and add unit tests for it."
const TOKEN = "e2e-gateway-token"

interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

let host: Host
let root: string
let env: NodeJS.ProcessEnv
let upstream: Upstream
let routerPort: number
let gatewayPort: number
let gateway: ChildProcess | undefined
let gatewayExit: Promise<number | null> | undefined
let gatewayOutput = ""
let stage: string | undefined

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

/** The JSON document a `--json` command printed (log lines may precede it). */
const jsonOf = (text: string): Record<string, unknown> => {
  const start = text.indexOf("{")
  return JSON.parse(text.slice(start)) as Record<string, unknown>
}

const chats = () => upstream.received.filter((r) => r.url.endsWith("/chat/completions"))

const waitFor = async (what: string, check: () => Promise<boolean>, timeoutMs: number) => {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return
    if (gateway?.exitCode !== null && gateway?.exitCode !== undefined) throw new Error(`gateway exited: ${gatewayOutput.slice(-3000)}`)
    await new Promise((r) => setTimeout(r, 500))
  }
  throw new Error(`timed out waiting for ${what}\n${gatewayOutput.slice(-3000)}`)
}

const dataDir = () => Path.join(root, "home", ".openclaw", "llmrouter")

beforeAll(async () => {
  host = ensureHost()
  root = mkdtempSync(Path.join(tmpdir(), "llmrouter-openclaw-e2e-"))
  const home = Path.join(root, "home")
  const state = Path.join(root, "state")
  mkdirSync(home, { recursive: true })
  mkdirSync(state, { recursive: true })
  upstream = await startUpstream((request: Received, response) => {
    const model = String(request.body.model)
    const text = `STUB-ANSWER from ${model}`
    if (request.body.stream === true) {
      response.writeHead(200, { "content-type": "text/event-stream" })
      for (const event of streamEvents(text, model)) response.write(event)
      response.end()
    } else {
      response.writeHead(200, { "content-type": "application/json" })
      response.end(JSON.stringify({ id: "x", object: "chat.completion", created: 0, model, choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }] }))
    }
  })
  routerPort = await freePort()
  gatewayPort = await freePort()
  env = {
    PATH: `${Path.dirname(host.node)}:${process.env.PATH ?? ""}`,
    HOME: home,
    OPENCLAW_HOME: home,
    OPENCLAW_STATE_DIR: state,
    OPENCLAW_CONFIG_PATH: Path.join(state, "openclaw.json"),
    OPENCLAW_GATEWAY_TOKEN: TOKEN,
    NO_COLOR: "1",
    TMPDIR: root
  }
  const config = {
    gateway: { mode: "local", port: gatewayPort, bind: "loopback", auth: { mode: "token", token: TOKEN } },
    logging: { file: Path.join(root, "openclaw.log") },
    agents: { defaults: { model: { primary: "llmrouter/auto" } } },
    plugins: {
      allow: ["llmrouter"],
      entries: {
        llmrouter: {
          enabled: true,
          hooks: { allowConversationAccess: true },
          config: {
            port: routerPort,
            logLevel: "warn",
            providers: { stub: { derives: "openai", apiBase: upstream.url, requiresKey: false } },
            categories: {
              simple: ["stub:model-simple"],
              coding: ["stub:model-coding"],
              reasoning: ["stub:model-reasoning"],
              vision: ["stub:model-vision"]
            },
            models: { "gpt-4o-mini": { endpoints: ["stub:model-routed"] } },
            // Hermetic: the balance lookup hits a closed loopback port, never a public RPC.
            wallet: { rpcUrl: "http://127.0.0.1:9/" }
          }
        }
      }
    }
  }
  writeFileSync(Path.join(state, "openclaw.json"), JSON.stringify(config, null, 2))
  stage = stageCheckout()
  const install = await run(["plugins", "install", "-l", stage, "--force", "--accept-capabilities"])
  if (install.code !== 0) throw new Error(`plugins install failed (${install.code}):\n${install.stdout}\n${install.stderr}`)

  gateway = spawn(host.node, [host.openclaw, "gateway", "run", "--port", String(gatewayPort)], {
    env, cwd: root, stdio: ["ignore", "pipe", "pipe"]
  })
  gateway.stdout?.on("data", (chunk: Buffer) => (gatewayOutput += chunk.toString()))
  gateway.stderr?.on("data", (chunk: Buffer) => (gatewayOutput += chunk.toString()))
  const child = gateway
  gatewayExit = new Promise((resolve) => child.on("exit", (code) => resolve(code)))
  await waitFor("the in-process router", async () => {
    try {
      return (await fetch(`http://127.0.0.1:${routerPort}/health`, { signal: AbortSignal.timeout(1_000) })).ok
    } catch {
      return false
    }
  }, 240_000)
}, 420_000)

afterAll(async () => {
  if (gateway !== undefined && gateway.exitCode === null) {
    gateway.kill("SIGKILL")
    await gatewayExit
  }
  await upstream?.close()
  if (stage !== undefined) rmSync(stage, { recursive: true, force: true })
})

describe("llmrouter in a real OpenClaw Gateway", () => {
  it("answers an llmrouter/auto turn through the in-process router, classified from the clean prompt, with the generated key", async () => {
    const turn = await run(["agent", "--agent", "main", "--message", PROMPT, "--json", "--timeout", "60"])
    expect(turn.code, `${turn.stdout}\n${turn.stderr}\n${gatewayOutput.slice(-2000)}`).toBe(0)
    const category = classifyTurn({ prompt: PROMPT }, autoPolicy({ router: {} }), classifyText).category
    const calls = chats()
    expect(calls.length).toBeGreaterThan(0)
    const call = calls[0] as Received
    expect(call.body.model).toBe(`model-${category}`)
    // The router requires a key on every request, and the only keys it accepts are the generated one
    // (no LLMROUTER_API_KEY is set here): the answered turn proves OpenClaw sent exactly that key.
    const key = readFileSync(Path.join(dataDir(), "openclaw-access-key"), "utf8").trim()
    const models = `http://127.0.0.1:${routerPort}/v1/models`
    expect((await fetch(models)).status).toBe(401)
    expect((await fetch(models, { headers: { authorization: "Bearer not-the-key" } })).status).toBe(401)
    expect((await fetch(models, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200)
    expect(turn.stdout).toContain(`STUB-ANSWER from model-${category}`)
    const meta = JSON.stringify(jsonOf(turn.stdout))
    expect(meta).toContain(`"provider":"llmrouter"`)
    expect(meta).toContain(`"model":"${category}"`)
  })

  it("redirects a model with a configured route to llmrouter (the hook)", async () => {
    const before = chats().length
    const turn = await run(["agent", "--agent", "main", "--model", "openai/gpt-4o-mini", "--message", "Say hi", "--json", "--timeout", "60"])
    expect(turn.code, `${turn.stdout}\n${turn.stderr}`).toBe(0)
    expect(chats().slice(before).map((c) => c.body.model)).toContain("model-routed")
    expect(turn.stdout).toContain("STUB-ANSWER from model-routed")
  })

  it("answers /wallet through the Gateway without an LLM call", async () => {
    const before = chats().length
    const sessionKey = "agent:main:main"
    const send = await run([
      "gateway", "call", "chat.send", "--json", "--port", String(gatewayPort), "--token", TOKEN, "--timeout", "30000",
      "--params", JSON.stringify({ sessionKey, message: "/wallet", idempotencyKey: `wallet-${Date.now()}` })
    ])
    expect(send.code, `${send.stdout}\n${send.stderr}`).toBe(0)
    let transcript = send.stdout
    const deadline = Date.now() + 20_000
    while (!transcript.includes("llmrouter wallet") && Date.now() < deadline) {
      const history = await run([
        "gateway", "call", "chat.history", "--json", "--port", String(gatewayPort), "--token", TOKEN, "--params", JSON.stringify({ sessionKey })
      ])
      transcript = history.stdout
      if (!transcript.includes("llmrouter wallet")) await new Promise((r) => setTimeout(r, 1_000))
    }
    expect(transcript).toContain("llmrouter wallet")
    expect(chats().length).toBe(before)
  })

  it("frees the router's port when the Gateway gets SIGTERM", async () => {
    gateway?.kill("SIGTERM")
    const code = await Promise.race([gatewayExit, new Promise<"timeout">((r) => setTimeout(() => r("timeout"), 30_000))])
    expect(code).not.toBe("timeout")
    expect(await canListen(routerPort)).toBe(true)
    expect(gatewayOutput).toContain("released")
  })
})
