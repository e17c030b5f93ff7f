import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import { authMethod } from "../../openclaw/auth.js"
import { ensureAccessKey, writeEnvKeys } from "../../openclaw/files.js"
import { decide } from "../../openclaw/hook.js"
import { readSettings } from "../../openclaw/settings.js"
import type { RouterStatus } from "../../openclaw/status.js"
import { makeTools, walletCommand } from "../../openclaw/tools.js"
import { formatWallet } from "../../openclaw/wallet.js"
import { autoPolicy, classifyTurn } from "../../openclaw/hook.js"
import { classifyText } from "../../src/index.js"

const tmp = () => mkdtempSync(Path.join(tmpdir(), "llmrouter-openclaw-parts-"))

const healthy: RouterStatus = {
  healthy: true, source: "http", url: "http://127.0.0.1:1", status: "ok",
  providers: [{ name: "anthropic", routable: true }, { name: "openai", routable: false }],
  models: ["llmrouter/auto", "llmrouter/simple", "fast"]
}

describe("settings", () => {
  it("splits plugin switches from router overrides, honours the Rungate env names", () => {
    const s = readSettings({ autoStart: false, interceptAllModels: true, port: 9001, logLevel: "warn" }, { HOME: "/h" })
    expect(s).toMatchObject({ autoStart: false, interceptAllModels: true, port: 9001, host: "127.0.0.1", dataDir: "/h/.openclaw/llmrouter" })
    expect(s.router).toEqual({ port: 9001, host: "127.0.0.1", logLevel: "warn", dataDir: "/h/.openclaw/llmrouter" })
    expect(readSettings({}, { HOME: "/h", LLM_ROUTER_PORT: "3000" }).port).toBe(3000)
    expect(readSettings({}, { HOME: "/h", LLMROUTER_PORT: "4000", LLM_ROUTER_PORT: "3000" }).port).toBe(4000)
  })
})

describe("files", () => {
  it("creates the access key once, 0600, and keeps it", () => {
    const dir = tmp()
    const key = ensureAccessKey(dir)
    expect(key).toMatch(/^llmr-local-/)
    expect(ensureAccessKey(dir)).toBe(key)
    expect(statSync(Path.join(dir, "openclaw-access-key")).mode & 0o777).toBe(0o600)
  })

  it("sets keys in .env without losing other lines", () => {
    const dir = tmp()
    writeFileSync(Path.join(dir, ".env"), "# mine\nOPENAI_API_KEY=old\nOTHER=1\n")
    writeEnvKeys(dir, { OPENAI_API_KEY: "sk-new", ANTHROPIC_API_KEY: "sk ant" })
    expect(readFileSync(Path.join(dir, ".env"), "utf8")).toBe("# mine\nOPENAI_API_KEY=sk-new\nOTHER=1\nANTHROPIC_API_KEY=\"sk ant\"\n")
    expect(statSync(Path.join(dir, ".env")).mode & 0o777).toBe(0o600)
  })
})

describe("auth flow", () => {
  it("writes entered provider keys to <dataDir>/.env and returns the local key as OpenClaw's credential", async () => {
    const dir = tmp()
    const answers = ["sk-openai", "", " AIza-g ", ""]
    const asked: Array<string> = []
    const result = await authMethod(readSettings({ dataDir: dir })).run({
      config: {},
      prompter: {
        note: async () => {},
        text: async (params) => {
          asked.push(params.message)
          expect(params.sensitive).toBe(true)
          return answers.shift() ?? ""
        }
      }
    })
    expect(asked).toHaveLength(4)
    expect(readFileSync(Path.join(dir, ".env"), "utf8")).toBe("OPENAI_API_KEY=sk-openai\nGEMINI_API_KEY=AIza-g\n")
    expect(result.profiles[0]?.credential).toEqual({ type: "api_key", provider: "llmrouter", key: ensureAccessKey(dir) })
    expect(result.defaultModel).toBe("llmrouter/auto")
  })
})

describe("hook decisions", () => {
  const settings = { interceptAllModels: false }
  it("does nothing while the router is unhealthy", () => {
    expect(decide({ prompt: "x" }, { provider: "llmrouter", model: "auto" }, { ...healthy, healthy: false }, settings, autoPolicy({ router: {} }), classifyText).result).toBeUndefined()
  })
  it("routes virtual models; with interceptAllModels, known providers go direct and others are classified", () => {
    expect(decide({ prompt: "x" }, { provider: "openai", model: "fast" }, healthy, settings, autoPolicy({ router: {} }), classifyText).result)
      .toEqual({ providerOverride: "llmrouter", modelOverride: "fast" })
    expect(decide({ prompt: "x" }, { provider: "anthropic", model: "claude-x" }, healthy, settings, autoPolicy({ router: {} }), classifyText).result).toBeUndefined()
    const all = { interceptAllModels: true }
    expect(decide({ prompt: "x" }, { provider: "anthropic", model: "claude-x" }, healthy, all, autoPolicy({ router: {} }), classifyText).result)
      .toEqual({ providerOverride: "llmrouter", modelOverride: "anthropic:claude-x" })
    expect(decide({ prompt: "hello" }, { provider: "openai", model: "gpt-4o" }, healthy, all, autoPolicy({ router: {} }), classifyText).result)
      .toEqual({ providerOverride: "llmrouter", modelOverride: classifyTurn({ prompt: "hello" }, autoPolicy({ router: {} }), classifyText).category })
  })
})

describe("tools and /wallet", () => {
  const settings = readSettings({ port: 1, dataDir: tmp(), healthCheckIntervalMs: 1 })
  const tools = makeTools({ settings, hookAllowed: () => false })

  it("status says when the router is down and when the hook is not allowed", async () => {
    const result = await tools.find((t) => t.name === "llmrouter_status")?.execute("1", {})
    const text = result?.content[0]?.text ?? ""
    expect(text).toContain("NOT healthy")
    expect(text).toContain("allowConversationAccess")
  })

  it("classify explains a prompt", async () => {
    const prompt = "Refactor this Rust code to use iterators"
    const result = await tools.find((t) => t.name === "llmrouter_classify")?.execute("1", { prompt })
    expect(result?.content[0]?.text).toContain(`Category: ${classifyTurn({ prompt }, autoPolicy({ router: {} }), classifyText).category}`)
  })

  it("wallet reports 'not available' gracefully, and never prints key material", async () => {
    expect((await walletCommand(settings).handler({ commandBody: "/wallet", channel: "test", isAuthorizedSender: true, config: {} })).text)
      .toContain("wallet not available")
    const text = formatWallet({ available: true, wallet: { address: "0xabc", balanceUsdc: "1.5", spentTodayUsd: 0.2 } })
    expect(text).toContain("Address: 0xabc")
    expect(text).toContain("Balance Usdc: 1.5")
    const status = formatWallet({
      available: true,
      wallet: {
        address: "0xdef", source: "file", keyFile: "/x/wallet.key", network: "eip155:8453", asset: { symbol: "USDC" },
        balance: "2.5", funding: "Send USDC on Base.", payments: { enabled: true, maxDailyUsd: 5, spentLast24hUsd: "0.10" }
      }
    })
    expect(status).toContain("Balance: 2.5 USDC")
    expect(status).toContain("Spent (last 24 h): $0.10 of $5 daily cap")
    expect(status).not.toContain("wallet.key")
  })
})
