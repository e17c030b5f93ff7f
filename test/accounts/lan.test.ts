/**
 * The LAN rule (`requireKeys`, on by default off loopback) and the promise that no private key
 * ever appears in any output: CLI stdout/stderr, router logs, HTTP responses.
 */
import { execFile } from "node:child_process"
import { readdirSync, readFileSync } from "node:fs"
import { createPrivateKey } from "node:crypto"
import * as Path from "node:path"
import { promisify } from "node:util"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import { startRouter } from "../support/router.js"
import { startUpstream, type Upstream } from "../support/openaiUpstream.js"
import { Effect } from "effect"
import { ask, client, failure, mintKey, tempDataDir, withAccounts } from "./support.js"

const run = promisify(execFile)
const BIN = Path.resolve(__dirname, "../../bin/llmrouter.js")

describe("requireKeys", () => {
  let upstream: Upstream
  beforeAll(async () => {
    upstream = await startUpstream()
  })
  afterAll(() => upstream.close())

  it("refuses to start on a non-loopback host with no account and no accessKeys (before binding)", async () => {
    const error = await startRouter({ host: "0.0.0.0", dataDir: tempDataDir() }).then(() => undefined, (e: unknown) => e)
    expect(String((error as { message?: string }).message ?? error)).toMatch(/Refusing to serve on 0\.0\.0\.0 without keys.*llmrouter account generate/s)
  })

  it("with requireKeys on loopback, a request without a key gets 401 and a scoped key is served", async () => {
    const dataDir = tempDataDir()
    const { token } = await mintKey(dataDir, { all: true, name: "lan" })
    const router = await startRouter({ dataDir, requireKeys: true, providers: { openai: { apiBase: upstream.url } } }, { env: { OPENAI_API_KEY: "sk-test" } })
    try {
      const missing = await failure(ask(client(router.baseUrl, "whatever"), "openai:gpt-a"))
      expect(missing.status).toBe(401)
      expect((await ask(client(router.baseUrl, token), "openai:gpt-a")).choices).toHaveLength(1)
    } finally {
      await router.close()
    }
  })

  it("refuses requireKeys with nothing to present even on loopback", async () => {
    const error = await startRouter({ dataDir: tempDataDir(), requireKeys: true }).then(() => undefined, (e: unknown) => e)
    expect(String((error as { message?: string }).message)).toContain("requireKeys is on")
  })
})

describe("no private key in any output", () => {
  it("CLI, router logs and responses never contain an account's private key", async () => {
    const dataDir = tempDataDir()
    const env = { ...process.env, LLMROUTER_DATA_DIR: dataDir }
    const outputs: Array<string> = []
    const cli = async (...args: Array<string>) => {
      const { stdout, stderr } = await run("node", [BIN, ...args], { env })
      outputs.push(stdout, stderr)
      return stdout
    }
    // Four CLI processes, each printing what a private key could leak into (generation, minting, listings);
    // the second account is made through the same service in-process: another process would add nothing.
    await cli("account", "generate", "--name", "main")
    await withAccounts(dataDir, (accounts) => Effect.zipRight(accounts.generateAccount({ name: "second" }), accounts.useAccount("second")))
    const token = (await cli("keygen", "--models", "openai:*", "--expires", "1d", "--budget-usd", "1", "--rpm", "5", "--name", "scan")).trim()
    await Promise.all([cli("account", "list", "--json"), cli("keys", "show", "scan")])

    const upstream = await startUpstream()
    const writes = [vi.spyOn(process.stdout, "write"), vi.spyOn(process.stderr, "write")]
    try {
      const router = await startRouter({ dataDir, logLevel: "debug", providers: { openai: { apiBase: upstream.url } } }, { env: { OPENAI_API_KEY: "sk-test" } })
      for (const [model, key] of [["openai:gpt-a", token], ["other:model", token], ["openai:gpt-a", `${token}x`]] as const) {
        const response = await fetch(`${router.baseUrl}/chat/completions`, {
          method: "POST",
          headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
          body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] })
        })
        outputs.push(JSON.stringify([...response.headers]), await response.text())
      }
      for (const path of ["/health", "/v1/models", "/wallet"]) outputs.push(await (await fetch(router.baseUrl.replace(/\/v1$/, "") + path)).text())
      await router.close()
    } finally {
      for (const spy of writes) {
        for (const call of spy.mock.calls) outputs.push(String(call[0]))
        spy.mockRestore()
      }
      await upstream.close()
    }

    const accountsDir = Path.join(dataDir, "accounts")
    const secrets = readdirSync(accountsDir).filter((f) => f.endsWith(".json")).flatMap((f) => {
      const pem = (JSON.parse(readFileSync(Path.join(accountsDir, f), "utf8")) as { privateKey: string }).privateKey
      const jwk = createPrivateKey(pem).export({ format: "jwk" })
      const body = pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "")
      return [String(jwk.d), body, Buffer.from(String(jwk.d), "base64url").toString("hex"), Buffer.from(String(jwk.d), "base64url").toString("base64")]
    })
    expect(secrets).toHaveLength(8)
    const all = outputs.join("\n")
    expect(all).toContain("acct_") // the scan saw real output
    for (const secret of secrets) expect(all).not.toContain(secret)
  }, 240_000) // generous: CLI processes are slow on a loaded 2-core machine, and time is not what this test checks
})
