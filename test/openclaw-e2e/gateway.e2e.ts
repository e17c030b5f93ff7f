/**
 * llmrouter inside a real OpenClaw Gateway on Node 24: the plugin's compiled entry linked from this
 * checkout, its router started in process by the service, a loopback stub as the upstream, and an
 * x402 upstream on a local chain (anvil; that test is skipped, with the reason, when anvil cannot
 * run here). No LLMROUTER_API_KEY is set: OpenClaw must get the router's generated access key from
 * the plugin (zero-config auth). The six tools run inside the Gateway through `POST /tools/invoke`,
 * so the key tools and the ledger use SQLite in the Gateway's Node, not the test's.
 */
import { existsSync, readFileSync } from "node:fs"
import * as Path from "node:path"
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { autoPolicy, classifyTurn } from "../../openclaw/hook.js"
import { TOOL_NAMES } from "../../openclaw/tools.js"
import { classifyText } from "../../src/index.js"
import { EFFORT_BUDGET } from "../../src/reasoning/plan.js"
import { type AnthropicRequest, type AnthropicUpstream, startAnthropicUpstream } from "../support/anthropicUpstream.js"
import { chatBody, postJson } from "../support/http.js"
import { type Received, startUpstream, streamEvents, type Upstream } from "../support/openaiUpstream.js"
import { canListen } from "../support/ports.js"
import { findAnvil, type LocalChain, type PaidUpstream, startChain, startPaidUpstream } from "../support/x402Chain.js"
import { type Gateway, jsonOf, startGateway, TOKEN } from "./gateway.js"

const PROMPT = "Write a TypeScript function that parses a CSV file into typed rows, and add unit tests for it."
const THOUGHT = "E2E-THOUGHT: the user wants a proof, so reason step by step"
const PRICE = 1_000n // "$0.001" in USDC atomic units
const anvil = findAnvil()
if (!anvil.ok) console.warn(`the paid request in the OpenClaw end-to-end test is skipped: ${anvil.reason}`)

let gateway: Gateway
let upstream: Upstream
let claude: AnthropicUpstream
let chain: LocalChain | undefined
let paid: PaidUpstream | undefined
// A fresh wallet for this run only: funded with local test USDC, worthless anywhere else.
const payerKey = generatePrivateKey()
const payer = privateKeyToAccount(payerKey).address

beforeAll(async () => {
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
  claude = await startAnthropicUpstream()
  claude.reply({ type: "message", message: { content: [{ type: "thinking", thinking: THOUGHT }, { type: "text", text: "CLAUDE-ANSWER after thinking" }] } })
  if (anvil.ok) {
    chain = await startChain(anvil.path)
    await chain.mint(payer, 10_000_000n)
    paid = await startPaidUpstream(chain, { cheap: "$0.001" })
  }
  const paidUpstream = paid
  gateway = await startGateway({
    env: { LLM_ROUTER_WALLET_KEY: payerKey, ANTHROPIC_API_KEY: "e2e-anthropic-key" },
    openclaw: { tools: { allow: [...TOOL_NAMES] } },
    routerConfig: (port) => ({
      port,
      logLevel: "warn",
      providers: {
        stub: { derives: "openai", apiBase: upstream.url, requiresKey: false },
        anthropic: { apiBase: claude.url },
        ...(paidUpstream === undefined ? {} : { paid: { derives: "openai", apiBase: paidUpstream.base("cheap"), requiresKey: false } })
      },
      categories: { simple: ["stub:model-simple"], coding: ["stub:model-coding"], reasoning: ["anthropic:claude-sonnet-4-5"], vision: ["stub:model-vision"] },
      models: { "gpt-4o-mini": { endpoints: ["stub:model-routed"] } },
      // Hermetic: the balance lookup hits the local chain, or a closed loopback port; never a public RPC.
      wallet: { rpcUrl: chain?.rpcUrl ?? "http://127.0.0.1:9/" }
    })
  })
}, 900_000)

afterAll(async () => {
  await gateway?.close()
  await Promise.all([upstream?.close(), claude?.close(), paid?.close()])
  await chain?.stop()
})

const chats = () => upstream.received.filter((r) => r.url.endsWith("/chat/completions"))
const historyMessages = (stdout: string): ReadonlyArray<unknown> => {
  const messages = jsonOf(stdout)["messages"]
  return Array.isArray(messages) ? messages : []
}
const accessKey = () => readFileSync(Path.join(gateway.dataDir, "openclaw-access-key"), "utf8").trim()

describe("llmrouter in a real OpenClaw Gateway", () => {
  it("answers an llmrouter/auto turn through the in-process router, classified from the clean prompt, with the generated key", async () => {
    const turn = await gateway.run(["agent", "--agent", "main", "--message", PROMPT, "--json", "--timeout", "60"])
    expect(turn.code, `${turn.stdout}\n${turn.stderr}\n${gateway.output().slice(-2000)}`).toBe(0)
    const category = classifyTurn({ prompt: PROMPT }, autoPolicy({ router: {} }), classifyText).category
    const calls = chats()
    expect(calls.length).toBeGreaterThan(0)
    expect((calls[0] as Received).body.model).toBe(`model-${category}`)
    // The router requires a key on every request, and the only keys it accepts are the generated one
    // (no LLMROUTER_API_KEY is set here): the answered turn proves OpenClaw sent exactly that key.
    const models = `http://127.0.0.1:${gateway.routerPort}/v1/models`
    expect((await fetch(models)).status).toBe(401)
    expect((await fetch(models, { headers: { authorization: "Bearer not-the-key" } })).status).toBe(401)
    expect((await fetch(models, { headers: { authorization: `Bearer ${accessKey()}` } })).status).toBe(200)
    expect(turn.stdout).toContain(`STUB-ANSWER from model-${category}`)
    const meta = JSON.stringify(jsonOf(turn.stdout))
    expect(meta).toContain(`"provider":"llmrouter"`)
    expect(meta).toContain(`"model":"${category}"`)
  })

  it("redirects a model with a configured route to llmrouter (the hook)", async () => {
    const before = chats().length
    const turn = await gateway.run(["agent", "--agent", "main", "--model", "openai/gpt-4o-mini", "--message", "Say hi", "--json", "--timeout", "60"])
    expect(turn.code, `${turn.stdout}\n${turn.stderr}`).toBe(0)
    expect(chats().slice(before).map((c) => c.body.model)).toContain("model-routed")
    expect(turn.stdout).toContain("STUB-ANSWER from model-routed")
  })

  it("runs the status, wallet and classify tools inside the Gateway", async () => {
    const status = await gateway.invokeTool("llmrouter_status")
    expect(status.status, status.text).toBe(200)
    expect(status.text).toContain(`127.0.0.1:${gateway.routerPort}`)
    expect(status.text).toContain("stub")

    const wallet = await gateway.invokeTool("llmrouter_wallet")
    expect(wallet.status, wallet.text).toBe(200)
    expect(wallet.text).toContain(payer)
    expect(wallet.text).not.toContain(payerKey.slice(2))

    const classify = await gateway.invokeTool("llmrouter_classify", { prompt: PROMPT })
    expect(classify.status, classify.text).toBe(200)
    expect(classify.text).toContain(classifyTurn({ prompt: PROMPT }, autoPolicy({ router: {} }), classifyText).category)
  })

  it("runs the account, keygen and keys tools inside the Gateway (SQLite in the Gateway's Node)", async () => {
    const generated = await gateway.invokeTool("llmrouter_account", { action: "generate", name: "e2e-account" })
    expect(generated.status, generated.text).toBe(200)
    expect(generated.text).toContain("e2e-account")
    const minted = await gateway.invokeTool("llmrouter_keygen", { models: ["llmrouter/auto"], name: "e2e-key", rpm: 5 })
    expect(minted.status, minted.text).toBe(200)
    expect(minted.text).toContain("e2e-key")
    const listed = await gateway.invokeTool("llmrouter_keys", { action: "list" })
    expect(listed.status, listed.text).toBe(200)
    expect(listed.text).toMatch(/e2e-key \(\w[^)]*\): active/)
    const revoked = await gateway.invokeTool("llmrouter_keys", { action: "revoke", ref: "e2e-key" })
    expect(revoked.status, revoked.text).toBe(200)
    expect(revoked.text).toContain("Revoked key e2e-key")
    const shown = await gateway.invokeTool("llmrouter_keys", { action: "show", ref: "e2e-key" })
    expect(shown.text).toMatch(/Key e2e-key \(\w[^)]*\): revoked/)
    expect(existsSync(Path.join(gateway.dataDir, "keys.sqlite"))).toBe(true)
  })

  it.skipIf(!anvil.ok)("pays one x402 request from the Gateway's router, recorded in its ledger and shown by /wallet's spend", async () => {
    const localChain = chain as LocalChain
    // anvil mines only on demand: after the Gateway's long start its newest block is minutes old, and an
    // authorization valid from "now minus a little" would fail the facilitator's simulation against it.
    await fetch(localChain.rpcUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "evm_mine", params: [] }) })
    const before = await localChain.balanceOf(payer)
    const response = await postJson(`http://127.0.0.1:${gateway.routerPort}/v1/chat/completions`, chatBody("paid:m"), {
      authorization: `Bearer ${accessKey()}`
    })
    expect(response.status, response.text).toBe(200)
    expect(response.headers["x-llmrouter-payment"]).toBe("settled")
    expect(paid?.calls("cheap").map((c) => c.paid)).toEqual([false, true])
    expect(await localChain.balanceOf(payer)).toBe(before - PRICE)
    expect(existsSync(Path.join(gateway.dataDir, "payments.sqlite"))).toBe(true)
    const wallet = await gateway.invokeTool("llmrouter_wallet")
    expect(wallet.text).toMatch(/Spent \(last 24 h\): \$0\.0010*\b/)
  })

  it("answers /wallet through the Gateway without an LLM call", async () => {
    const before = chats().length
    const sessionKey = "agent:main:main"
    const port = String(gateway.gatewayPort)
    const send = await gateway.run([
      "gateway", "call", "chat.send", "--json", "--port", port, "--token", TOKEN, "--timeout", "30000",
      "--params", JSON.stringify({ sessionKey, message: "/wallet", idempotencyKey: `wallet-${Date.now()}` })
    ])
    expect(send.code, `${send.stdout}\n${send.stderr}`).toBe(0)
    let transcript = send.stdout
    const deadline = Date.now() + 20_000
    while (!transcript.includes("llmrouter wallet") && Date.now() < deadline) {
      const history = await gateway.run(["gateway", "call", "chat.history", "--json", "--port", port, "--token", TOKEN, "--params", JSON.stringify({ sessionKey })])
      transcript = history.stdout
      if (!transcript.includes("llmrouter wallet")) await new Promise((r) => setTimeout(r, 1_000))
    }
    expect(transcript).toContain("llmrouter wallet")
    expect(transcript).toContain(payer)
    expect(chats().length).toBe(before)
  })

  it("thinks when OpenClaw turns thinking on: the effort becomes Claude's thinking budget and the reasoning comes back through the Gateway", async () => {
    const before = claude.requests.length
    const turn = await gateway.run([
      "agent", "--agent", "main", "--model", "llmrouter/reasoning", "--thinking", "high",
      "--message", "Prove that the square root of 2 is irrational.", "--json", "--timeout", "60"
    ])
    expect(turn.code, `${turn.stdout}\n${turn.stderr}\n${gateway.output().slice(-2000)}`).toBe(0)
    expect(turn.stdout).toContain("CLAUDE-ANSWER after thinking")
    const asked = claude.requests.slice(before).filter((r) => r.path === "/v1/messages")
    expect(asked.length).toBeGreaterThan(0)
    expect(asked.map((r) => r.rejected)).toEqual(asked.map(() => undefined))
    // `high`, not the category's default (`medium`, 8,192): OpenClaw's level reached the router.
    expect((asked[0] as AnthropicRequest).body["thinking"]).toEqual({ type: "enabled", budget_tokens: EFFORT_BUDGET.high })
    // The reasoning reached OpenClaw: its session history (read through the Gateway) holds it as the
    // thinking of the turn, beside the answer.
    const history = await gateway.run([
      "gateway", "call", "chat.history", "--json", "--port", String(gateway.gatewayPort), "--token", TOKEN,
      "--params", JSON.stringify({ sessionKey: "agent:main:main" })
    ])
    expect(history.code, history.stderr).toBe(0)
    const turnInHistory = historyMessages(history.stdout).find((m) => JSON.stringify(m).includes("CLAUDE-ANSWER after thinking"))
    expect(JSON.stringify(turnInHistory), history.stdout.slice(-3000)).toContain(THOUGHT)
  })

  it("frees the router's port when the Gateway gets SIGTERM", async () => {
    gateway.process.kill("SIGTERM")
    const code = await Promise.race([gateway.exited, new Promise<"timeout">((r) => setTimeout(() => r("timeout"), 30_000))])
    expect(code).not.toBe("timeout")
    expect(await canListen(gateway.routerPort)).toBe(true)
    expect(gateway.output()).toContain("released")
  })
})
