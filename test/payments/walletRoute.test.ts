/** `GET /wallet` in all three key-source cases, and the keyless Rungate default chain. */
import { chmodSync, mkdtempSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { Effect, Schema } from "effect"
import { privateKeyToAccount } from "viem/accounts"
import { afterEach, describe, expect, it } from "vitest"
import { loadConfig } from "../../src/config/load.js"
import { RouterConfig } from "../../src/config/schema.js"
import { resolveProviders } from "../../src/providers/resolve.js"
import { categoryChain } from "../../src/providers/categories.js"
import { walletKeyPath } from "../../src/wallet/keyFile.js"
import { chatBody, errorOf, postJson } from "../support/http.js"
import { startUpstream } from "../support/openaiUpstream.js"
import { startRouter } from "../support/router.js"
import { paymentOf, settledAnswer, x402Script } from "../support/x402.js"

// Throwaway key from public documentation: never funded.
const KEY = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
const open: Array<{ close(): Promise<void> }> = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((r) => r.close()))
})
// Nothing listens on port 9 of loopback: the balance read fails fast.
const offline = { wallet: { rpcUrl: "http://127.0.0.1:9", balanceTimeoutMs: 500 } }

const wallet = async (dataDir: string, env: Record<string, string> = {}, extra: Record<string, unknown> = {}) => {
  const router = await startRouter({ dataDir, ...offline, ...extra }, { env })
  open.push(router)
  const response = await fetch(`${router.info.url}/wallet`)
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

describe("GET /wallet", () => {
  it("generated: creates the key file 0600 on first use, then reads it back as 'file'", async () => {
    const dataDir = mkdtempSync(Path.join(tmpdir(), "llmrouter-w-"))
    const first = await wallet(dataDir)
    expect(first.status).toBe(200)
    expect(first.body).toMatchObject({ source: "generated", keyFile: walletKeyPath(dataDir), network: "eip155:8453", balance: null })
    expect(String(first.body.balanceError)).toContain("127.0.0.1:9")
    expect(String(first.body.funding)).toContain(String(first.body.address))
    expect(statSync(walletKeyPath(dataDir)).mode & 0o777).toBe(0o600)
    const second = await wallet(dataDir)
    expect(second.body).toMatchObject({ source: "file", address: first.body.address })
  })

  it("env: LLM_ROUTER_WALLET_KEY wins, and no key ever appears in the answer", async () => {
    const dataDir = mkdtempSync(Path.join(tmpdir(), "llmrouter-w-"))
    const { body } = await wallet(dataDir, { LLM_ROUTER_WALLET_KEY: KEY })
    expect(body).toMatchObject({ source: "env", keyFile: null, address: privateKeyToAccount(KEY).address })
    expect(JSON.stringify(body)).not.toContain(KEY.slice(2))
    expect(() => statSync(walletKeyPath(dataDir))).toThrow()
  })

  it("file: an unsafe key file is refused with 503 and how to fix it", async () => {
    const dataDir = mkdtempSync(Path.join(tmpdir(), "llmrouter-w-"))
    writeFileSync(walletKeyPath(dataDir), KEY, { mode: 0o644 })
    chmodSync(walletKeyPath(dataDir), 0o644)
    const refused = await wallet(dataDir)
    expect(refused.status).toBe(503)
    expect(errorOf(refused.body).message).toContain(`chmod 600 ${walletKeyPath(dataDir)}`)
    expect(JSON.stringify(refused.body)).not.toContain(KEY.slice(2))
  })

  it("shows the configured network's USDC", async () => {
    const dataDir = mkdtempSync(Path.join(tmpdir(), "llmrouter-w-"))
    const { body } = await wallet(dataDir, { LLM_ROUTER_WALLET_KEY: KEY }, { wallet: { ...offline.wallet, network: "eip155:84532" } })
    expect(body).toMatchObject({ network: "eip155:84532", asset: { address: "0x036CbD53842c5426634e7929541eC2318f3dCF7e" } })
  })

  it("honours the Rungate plugin's X402_NETWORK, below our own config", async () => {
    const homeDir = mkdtempSync(Path.join(tmpdir(), "llmrouter-w-"))
    const fromEnv = await Effect.runPromise(loadConfig({ env: { X402_NETWORK: "eip155:84532" }, homeDir }))
    expect(fromEnv.config.wallet.network).toBe("eip155:84532")
    const ours = await Effect.runPromise(loadConfig({ env: { X402_NETWORK: "eip155:84532" }, homeDir, overrides: { wallet: { network: "eip155:8453" } } }))
    expect(ours.config.wallet.network).toBe("eip155:8453")
    const bad = await Effect.runPromiseExit(loadConfig({ env: { X402_NETWORK: "base" }, homeDir }))
    expect(JSON.stringify(bad)).toContain("wallet.network")
  })
})

describe("Rungate", () => {
  it("with no API key at all, the categories route to rungate (INFERENCE_PROVIDER_BASE_URL) and pay it", async () => {
    const rungate = await startUpstream(x402Script(settledAnswer("from rungate")))
    open.push(rungate)
    const origin = new URL(rungate.url).origin
    const router = await startRouter({}, { env: { LLM_ROUTER_WALLET_KEY: KEY, INFERENCE_PROVIDER_BASE_URL: `${origin}/ignored/path` } })
    open.push(router)
    const response = await postJson(`${router.baseUrl}/chat/completions`, chatBody("llmrouter/simple"))
    expect(response.status).toBe(200)
    expect(response.headers["x-llmrouter-model"]).toBe("rungate:deepseek/deepseek-chat")
    expect(rungate.received.map((r) => r.url)).toEqual(["/v1/chat/completions", "/v1/chat/completions"])
    expect(rungate.received[0]?.headers.authorization).toBeUndefined()
    expect(paymentOf(rungate.received[1]!.headers)).toBeDefined()
  })

  it("is in the default chains only when no provider key is detected", () => {
    const config = Schema.decodeSync(RouterConfig)({})
    const keyless = resolveProviders(config, {}).providers
    expect(categoryChain("coding", config, keyless).map((e) => `${e.provider}:${e.modelId}`)).toEqual([
      "rungate:qwen/qwen3-coder-next",
      "rungate:deepseek/deepseek-v3.2",
      "rungate:openai/gpt-oss-120b",
      "rungate:moonshotai/kimi-k2.5"
    ])
    const keyed = resolveProviders(config, { OPENAI_API_KEY: "sk-test" }).providers
    expect(categoryChain("coding", config, keyed).map((e) => e.provider)).toEqual(["openai"])
  })
})
