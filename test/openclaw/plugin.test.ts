import { mkdtempSync, readFileSync, statSync } from "node:fs"
import { createServer, type Server } from "node:net"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { ACCESS_KEY_FILE } from "../../openclaw/files.js"
import { autoPolicy, classifyTurn } from "../../openclaw/hook.js"
import { classifyText } from "../../src/index.js"
import { register } from "../../openclaw/plugin.js"
import { processState, stopRouter } from "../../openclaw/runtime.js"
import { forgetStatus } from "../../openclaw/status.js"
import { answer, startUpstream, type Upstream } from "../support/openaiUpstream.js"
import { allowHook, fakeApi, makeLogger, serviceContext } from "./fakeApi.js"
import { canListen, freePort } from "../support/ports.js"

let upstream: Upstream
let dataDir: string
let port: number
const pluginConfig = () => ({
  port,
  dataDir,
  logLevel: "none",
  providers: { stub: { derives: "openai", apiBase: upstream.url, requiresKey: false } },
  categories: { simple: ["stub:model-simple"], coding: ["stub:model-coding"], reasoning: ["stub:model-reasoning"] },
  models: { fast: { endpoints: ["stub:model-fast"] } }
})

beforeEach(async () => {
  upstream = await startUpstream(answer("hi from stub"))
  dataDir = mkdtempSync(Path.join(tmpdir(), "llmrouter-openclaw-"))
  port = await freePort()
  forgetStatus()
})

afterEach(async () => {
  await stopRouter(makeLogger([]))
  processState().failure = undefined
  forgetStatus()
  delete process.env.LLMROUTER_API_KEY
  await upstream.close()
})

describe("register", () => {
  it("registers provider, service, optional tools, /wallet and the model hook without starting anything", async () => {
    const r = fakeApi({ pluginConfig: pluginConfig(), config: allowHook })
    register(r.api)
    expect(r.providers.map((p) => p.id)).toEqual(["llmrouter"])
    expect(r.services.map((s) => s.id)).toEqual(["llmrouter"])
    expect(r.tools.map((t) => [t.tool.name, t.optional])).toEqual([
      ["llmrouter_status", true], ["llmrouter_wallet", true], ["llmrouter_classify", true],
      ["llmrouter_account", true], ["llmrouter_keygen", true], ["llmrouter_keys", true]
    ])
    expect(r.commands.map((c) => c.name)).toEqual(["wallet"])
    expect(r.hooks.map((h) => h.name)).toEqual(["before_model_resolve"])
    expect(processState().running).toBeUndefined()
    expect(await canListen(port)).toBe(true)
    expect(r.logs.filter((l) => l.level === "warn")).toEqual([])
    // Zero-config auth: the generated key is exported for OpenClaw's env-var lookup (this process only).
    expect(process.env.LLMROUTER_API_KEY).toBe(readFileSync(Path.join(dataDir, ACCESS_KEY_FILE), "utf8").trim())
  })

  it("never replaces an LLMROUTER_API_KEY the user set", () => {
    process.env.LLMROUTER_API_KEY = "users-own-key"
    register(fakeApi({ pluginConfig: pluginConfig(), config: allowHook }).api)
    expect(process.env.LLMROUTER_API_KEY).toBe("users-own-key")
  })

  it("tells the user when the model hook is not allowed", () => {
    const holder = globalThis as Record<symbol, unknown>
    delete holder[Symbol.for("llmrouter.openclaw.hookWarning")]
    const r = fakeApi({ pluginConfig: pluginConfig() })
    register(r.api)
    expect(r.logs.find((l) => l.level === "warn")?.message).toContain("plugins.entries.llmrouter.hooks.allowConversationAccess")
  })
})

describe("service", () => {
  it("starts the router in process, requires the generated key, hands it to OpenClaw, and frees the port on stop", async () => {
    const r = fakeApi({ pluginConfig: pluginConfig(), config: allowHook })
    register(r.api)
    const ctx = serviceContext(r.logger)
    await r.services[0]?.start(ctx)
    expect(processState().running?.info.port).toBe(port)

    const keyFile = Path.join(dataDir, ACCESS_KEY_FILE)
    expect(statSync(keyFile).mode & 0o777).toBe(0o600)
    const key = readFileSync(keyFile, "utf8").trim()

    const catalog = await r.providers[0]?.catalog?.run({ config: {}, env: {} })
    expect(catalog?.provider.baseUrl).toBe(`http://127.0.0.1:${port}/v1`)
    expect(catalog?.provider.apiKey).toBe(key)
    expect(catalog?.provider.models.map((m) => m.id)).toEqual(["auto", "simple", "coding", "reasoning", "vision", "fast"])
    // Without these OpenClaw sends a non-OpenAI base URL no reasoning_effort (`/think` would be lost).
    const reasoningModel = catalog?.provider.models.find((m) => m.id === "reasoning")
    expect(reasoningModel?.compat).toMatchObject({ supportsReasoningEffort: true, supportsUsageInStreaming: true })
    expect(reasoningModel?.compat?.supportedReasoningEfforts).toContain("high")
    expect(catalog?.provider.models.find((m) => m.id === "simple")?.compat?.supportsReasoningEffort).toBeUndefined()

    const unauthorized = await fetch(`http://127.0.0.1:${port}/v1/models`)
    expect(unauthorized.status).toBe(401)
    const chat = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "coding", messages: [{ role: "user", content: "hi" }] })
    })
    expect(chat.status).toBe(200)
    expect(upstream.received.at(-1)?.body.model).toBe("model-coding")

    await r.services[0]?.stop?.(ctx)
    expect(processState().running).toBeUndefined()
    expect(await canListen(port)).toBe(true)
  })

  it("a port in use gives one clear log line and a disabled provider, not a crash", async () => {
    const squatter: Server = createServer()
    await new Promise<void>((resolve) => squatter.listen(port, "127.0.0.1", resolve))
    try {
      const r = fakeApi({ pluginConfig: pluginConfig(), config: allowHook })
      register(r.api)
      const failures: Array<unknown> = []
      await r.services[0]?.start(serviceContext(r.logger, failures))
      const errors = r.logs.filter((l) => l.level === "error")
      expect(errors).toHaveLength(1)
      expect(errors[0]?.message).toContain(`port ${port} on 127.0.0.1 is already in use`)
      expect(failures).toHaveLength(1)
      expect(await r.providers[0]?.catalog?.run({ config: {}, env: {} })).toBeNull()
      const hook = r.hooks[0]?.handler
      expect(await hook?.({ prompt: "write a python function" }, { modelProviderId: "llmrouter", modelId: "auto" })).toBeUndefined()
    } finally {
      await new Promise<void>((resolve) => squatter.close(() => resolve()))
    }
  })

  it("autoStart: false leaves the port alone", async () => {
    const r = fakeApi({ pluginConfig: { ...pluginConfig(), autoStart: false } })
    register(r.api)
    await r.services[0]?.start(serviceContext(r.logger))
    expect(processState().running).toBeUndefined()
    expect(await canListen(port)).toBe(true)
  })
})

describe("model hook (registered)", () => {
  it("classifies llmrouter/auto from the clean prompt and redirects configured routes, only while healthy", async () => {
    const r = fakeApi({ pluginConfig: pluginConfig(), config: allowHook })
    register(r.api)
    const hook = r.hooks[0]?.handler
    // Router not running anywhere: nothing is redirected.
    expect(await hook?.({ prompt: "hi" }, { modelProviderId: "llmrouter", modelId: "auto" })).toBeUndefined()
    await r.services[0]?.start(serviceContext(r.logger))
    const prompt = "Write a TypeScript function that parses a CSV file and returns typed rows, with unit tests."
    const classified = await hook?.({ prompt }, { modelProviderId: "llmrouter", modelId: "auto" })
    expect(classified).toEqual({ providerOverride: "llmrouter", modelOverride: classifyTurn({ prompt }, autoPolicy({ router: {} }), classifyText).category })
    expect(await hook?.({ prompt: "what is in this picture?", attachments: [{ kind: "image" }] }, { modelProviderId: "llmrouter", modelId: "auto" }))
      .toEqual({ providerOverride: "llmrouter", modelOverride: "vision" })
    expect(await hook?.({ prompt: "hi" }, { modelProviderId: "llmrouter", modelId: "simple" })).toBeUndefined()
    expect(await hook?.({ prompt: "hi" }, { modelProviderId: "openai", modelId: "fast" }))
      .toEqual({ providerOverride: "llmrouter", modelOverride: "fast" })
    expect(await hook?.({ prompt: "hi" }, { modelProviderId: "openai", modelId: "gpt-4o" })).toBeUndefined()
  })
})
