import { mkdtempSync, readdirSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { afterEach, describe, expect, it, vi } from "vitest"
import { KEY_TOOL_NAMES } from "../../openclaw/keyTools.js"
import { processState, startRouter, stopRouter } from "../../openclaw/runtime.js"
import type { AgentTool, ToolResult } from "../../openclaw/sdk.js"
import { readSettings } from "../../openclaw/settings.js"
import { forgetStatus } from "../../openclaw/status.js"
import { makeTools } from "../../openclaw/tools.js"
import { answer, startUpstream, type Upstream } from "../support/openaiUpstream.js"
import { makeLogger } from "./fakeApi.js"
import { freePort } from "../support/ports.js"

const tmp = () => mkdtempSync(Path.join(tmpdir(), "llmrouter-openclaw-keys-"))

const toolsFor = (pluginConfig: Record<string, unknown>) => {
  const tools = makeTools({ settings: readSettings(pluginConfig), hookAllowed: () => false })
  const byName = (name: string): AgentTool => {
    const tool = tools.find((t) => t.name === name)
    if (tool === undefined) throw new Error(`no tool ${name}`)
    return tool
  }
  const outputs: Array<{ tool: string; result: ToolResult }> = []
  const call = async (name: string, params: Record<string, unknown> = {}) => {
    const result = await byName(name).execute("call-1", params)
    outputs.push({ tool: name, result })
    return { body: result.content.map((c) => c.text).join("\n"), details: result.details as Record<string, unknown> }
  }
  return { tools, call, outputs }
}

/** Every private key's PEM body (base64 lines) under `<dataDir>/accounts`. */
const privateKeyBodies = (dataDir: string): Array<string> => {
  const dir = Path.join(dataDir, "accounts")
  return readdirSync(dir).filter((f) => f.endsWith(".json")).map((f) => {
    const pem = (JSON.parse(readFileSync(Path.join(dir, f), "utf8")) as { privateKey: string }).privateKey
    const body = pem.replace(/-----(BEGIN|END) PRIVATE KEY-----/g, "").replace(/\s+/g, "")
    expect(body.length).toBeGreaterThan(40)
    return body
  })
}

/** No output (text or details) holds private key material; the token only in keygen's own results. */
const expectNoSecrets = (outputs: ReadonlyArray<{ tool: string; result: ToolResult }>, dataDir: string, tokens: ReadonlyArray<string>) => {
  const bodies = privateKeyBodies(dataDir)
  for (const { tool, result } of outputs) {
    const serialised = JSON.stringify(result).replace(/\\n/g, "")
    expect(serialised).not.toMatch(/PRIVATE KEY/)
    for (const body of bodies) {
      expect(serialised).not.toContain(body)
      // and no sizeable piece of it (a line of the PEM, say)
      for (let i = 0; i + 24 <= body.length; i += 12) expect(serialised).not.toContain(body.slice(i, i + 24))
    }
    if (tool !== "llmrouter_keygen") for (const token of tokens) expect(serialised).not.toContain(token)
  }
}

afterEach(async () => {
  await stopRouter(makeLogger([]))
  processState().failure = undefined
  forgetStatus()
})

describe("key tools (router not running: the Accounts layer for the data dir)", () => {
  it("are registered with JSON-schema parameters and say the token is shown once", () => {
    const { tools } = toolsFor({ dataDir: tmp(), autoStart: false })
    const keyTools = tools.filter((t) => (KEY_TOOL_NAMES as ReadonlyArray<string>).includes(t.name))
    expect(keyTools.map((t) => t.name)).toEqual(["llmrouter_account", "llmrouter_keygen", "llmrouter_keys"])
    for (const tool of keyTools) {
      expect(tool.parameters.type).toBe("object")
      expect(tool.parameters.additionalProperties).toBe(false)
      expect(tool.description).toMatch(/private key/)
    }
    const keygen = keyTools.find((t) => t.name === "llmrouter_keygen")
    expect(keygen?.description).toMatch(/ONCE/)
    expect(keygen?.parameters.properties.models).toEqual(expect.objectContaining({ type: "array", items: { type: "string" } }))
  })

  it("generate an account, mint a scoped key, list/show/revoke it; no private key anywhere, the token only from keygen", async () => {
    const dataDir = tmp()
    const { call, outputs } = toolsFor({ dataDir, autoStart: false })

    expect((await call("llmrouter_account")).body).toMatch(/No accounts yet/)
    expect((await call("llmrouter_keygen", { models: ["llmrouter/auto"] })).body).toMatch(/llmrouter_keygen: .*account/i)

    const created = await call("llmrouter_account", { action: "generate", name: "ci" })
    expect(created.body).toMatch(/Created account ci \(acct_[0-9a-f]{16}\), now active/)
    const accountId = (created.details.account as { id: string }).id
    expect((await call("llmrouter_account", { action: "list" })).body).toContain(`ci (${accountId}) [active]`)
    expect((await call("llmrouter_account", { action: "use", ref: "ci" })).body).toContain(`Active account: ci (${accountId})`)
    expect((await call("llmrouter_account", { action: "use", ref: "nobody" })).body).toMatch(/^llmrouter_account: /)

    const minted = await call("llmrouter_keygen", {
      models: ["llmrouter/auto", "openai:*"], expires: "7d", budgetUsd: 2, budgetTokens: 5000, rpm: 10, name: "helper"
    })
    const token = minted.details.token as string
    const key = minted.details.key as { jti: string; name: string; models: Array<string>; budget: { usd: string; tokens: number }; rpm: number }
    expect(token.split(".")).toHaveLength(3)
    expect(minted.body.startsWith(token)).toBe(true)
    expect(minted.body).toMatch(/shown this once/)
    expect(key).toMatchObject({ name: "helper", models: ["llmrouter/auto", "openai:*"], budget: { usd: "2.00", tokens: 5000 }, rpm: 10 })

    const listed = await call("llmrouter_keys", { action: "list" })
    expect(listed.body).toContain(`helper (${key.jti}): active; models llmrouter/auto, openai:*`)
    const shown = await call("llmrouter_keys", { action: "show", ref: "helper" })
    expect(shown.body).toMatch(/Remaining: \$2\.00, 5000 tokens/)
    expect((await call("llmrouter_keys", { action: "show", ref: token })).body).toContain(key.jti)
    const revoked = await call("llmrouter_keys", { action: "revoke", ref: key.jti })
    expect(revoked.body).toMatch(/^Revoked key helper/)
    expect((revoked.details.key as { status: string }).status).toBe("revoked")
    expect((await call("llmrouter_keys")).body).toContain(`helper (${key.jti}): revoked`)

    const all = await call("llmrouter_keygen", { all: true, name: "everything" })
    expect(all.body).toMatch(/Models: all models/)

    expectNoSecrets(outputs, dataDir, [token, all.details.token as string])
  })

  it("answers bad parameters in text, never by throwing", async () => {
    const dataDir = tmp()
    const { call } = toolsFor({ dataDir, autoStart: false })
    await call("llmrouter_account", { action: "generate" })
    expect((await call("llmrouter_keygen", {})).body).toMatch(/give the scope/)
    expect((await call("llmrouter_keygen", { models: ["a"], all: true })).body).toMatch(/not both/)
    expect((await call("llmrouter_keygen", { models: ["a"], expires: "soon" })).body).toMatch(/expires: expected a duration/)
    expect((await call("llmrouter_keygen", { models: ["a"], budgetUsd: -1 })).body).toMatch(/budgetUsd/)
    expect((await call("llmrouter_keygen", { models: ["a"], rpm: 1.5 })).body).toMatch(/rpm must be a positive whole number/)
    expect((await call("llmrouter_keys", { action: "show" })).body).toMatch(/give ref/)
    expect((await call("llmrouter_keys", { action: "delete", ref: "x" })).body).toMatch(/unknown action/)
    expect((await call("llmrouter_keys", { action: "show", ref: "missing" })).body).toMatch(/No key 'missing'/)
  })
})

describe("key tools with the router running in this process", () => {
  let upstream: Upstream | undefined
  afterEach(async () => {
    await upstream?.close()
    upstream = undefined
  })

  it("use the running router's Accounts: a minted key works at once, and revoking it takes effect on the next request", async () => {
    upstream = await startUpstream(answer("hi from stub"))
    const dataDir = tmp()
    const port = await freePort()
    const pluginConfig = {
      port, dataDir, logLevel: "none",
      providers: { stub: { derives: "openai", apiBase: upstream.url, requiresKey: false } },
      models: { fast: { endpoints: ["stub:model-fast"] } }
    }
    const settings = readSettings(pluginConfig)
    const running = await startRouter(settings, "llmr-local-test-key", makeLogger([]), {})
    if (running === undefined) throw new Error(`router did not start: ${processState().failure}`)
    const mint = vi.spyOn(running.accounts, "mintKey")
    const { call, outputs } = toolsFor(pluginConfig)

    await call("llmrouter_account", { action: "generate", name: "gateway" })
    const minted = await call("llmrouter_keygen", { models: ["fast"], name: "agent" })
    const token = minted.details.token as string
    expect(mint).toHaveBeenCalledOnce()
    const chat = (model: string) =>
      fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] })
      })
    expect((await chat("fast")).status).toBe(200)
    expect((await chat("llmrouter/auto")).status).toBe(403)
    expect((await call("llmrouter_keys", { action: "show", ref: "agent" })).body).toMatch(/Used: 1 requests/)

    await call("llmrouter_keys", { action: "revoke", ref: "agent" })
    const refused = await chat("fast")
    expect(refused.status).toBe(401)
    expect(await refused.text()).toMatch(/revoked/)

    expectNoSecrets(outputs, dataDir, [token])
  })
})

