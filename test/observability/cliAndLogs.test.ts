/**
 * `llmrouter status` against a running router (and none), and the request log: one line per
 * request at info with the routing decision, as JSON lines or text, never the message content.
 */
import { execFile } from "node:child_process"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import OpenAI from "openai"
import { afterEach, describe, expect, it, vi } from "vitest"
import { closedPort, postJson, Resources } from "../support/http.js"
import { answer, openAiError, reply, startUpstream } from "../support/openaiUpstream.js"
import { startRouter } from "../support/router.js"

const resources = new Resources()
afterEach(async () => {
  vi.restoreAllMocks()
  await resources.closeAll()
})

const BIN = fileURLToPath(new URL("../../bin/llmrouter.js", import.meta.url))
const SECRET = "the-prompt-says-xyzzy-42"

const cli = (args: ReadonlyArray<string>) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    // A fresh HOME: no developer config or keys are read.
    const home = mkdtempSync(Path.join(tmpdir(), "llmrouter-cli-"))
    execFile(process.execPath, [BIN, ...args], { env: { PATH: process.env["PATH"] ?? "", HOME: home }, timeout: 20_000 }, (error, stdout, stderr) =>
      resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stdout, stderr }))
  })

const start = async (extra: Record<string, unknown> = {}) => {
  const good = resources.add(await startUpstream(answer("Hello")))
  const bad = resources.add(await startUpstream((_request, response) => reply(response, 503, openAiError("down", "server_error"))))
  const router = resources.add(await startRouter({
    providers: {
      good: { derives: "openai", apiBase: good.url, requiresKey: false },
      bad: { derives: "openai", apiBase: bad.url, requiresKey: false }
    },
    models: { flaky: { strategy: "priority", endpoints: ["bad:m-bad", "good:m-good"] } },
    retry: { sameEndpointRetries: 0, backoffMs: 1 },
    ...extra
  }))
  return { router, client: new OpenAI({ baseURL: router.baseUrl, apiKey: "unused", maxRetries: 0 }) }
}

describe("llmrouter status", () => {
  it("prints health, routes, the last decisions and today's tokens from a running router", async () => {
    const { client, router } = await start()
    await client.chat.completions.create({ model: "flaky", messages: [{ role: "user", content: SECRET }] })
    const { code, stdout } = await cli(["status", "--url", router.info.url])
    expect(code).toBe(0)
    expect(stdout).toMatch(/^llmrouter \d+\.\d+\.\d+ at http:\/\/127\.0\.0\.1:\d+: ok/)
    expect(stdout).toMatch(/^instance \S+-\d+-[0-9a-f]{6} · sqlite store \(sqlite \//m) // which router, sharing which store
    expect(stdout).toMatch(/bad:m-bad\s+closed\s+last error Unavailable/)
    expect(stdout).toContain("flaky                → priority: bad:m-bad, good:m-good")
    expect(stdout).toMatch(/flaky → good:m-good {2}ok {2}2 attempts \(1 failover\)/)
    expect(stdout).toMatch(/good:m-good\s+1\s+5\s+3\s+\$0\.00/)
    expect(stdout).not.toContain(SECRET)

    const json = await cli(["status", "--url", `${router.info.url}/v1`, "--json"])
    expect(json.code).toBe(0)
    expect(JSON.parse(json.stdout)).toMatchObject({ status: "ok", decisions: [{ model: "flaky", endpoint: "good:m-good" }] })
  }, 40_000)

  it("says clearly that no router is running", async () => {
    const { code, stderr } = await cli(["status", "--url", `http://127.0.0.1:${await closedPort()}`])
    expect(code).toBe(1)
    expect(stderr).toMatch(/no llmrouter is running at http:\/\/127\.0\.0\.1:\d+/)
  }, 30_000)
})

describe("request log", () => {
  const captured = () => {
    const lines: Array<string> = []
    vi.spyOn(console, "log").mockImplementation((...args: Array<unknown>) => void lines.push(args.map(String).join(" ")))
    return lines
  }

  it("JSON lines: one per request at info, with the routing decision and no message content", async () => {
    const lines = captured()
    const { client, router } = await start({ logLevel: "info", logFormat: "json" })
    await client.chat.completions.create({ model: "flaky", messages: [{ role: "user", content: SECRET }] })
    const stream = await client.chat.completions.create({ model: "flaky", messages: [{ role: "user", content: SECRET }], stream: true })
    for await (const _ of stream) void _
    await postJson(`${router.info.url}/v1/chat/completions`, { model: "nope", messages: [{ role: "user", content: SECRET }] })
    await vi.waitFor(() => expect(lines.filter((l) => l.includes("\"model\":")).length).toBe(3))
    const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(entries[0]).toMatchObject({ level: "info", msg: "routed flaky → good:m-good", model: "flaky", endpoint: "good:m-good", attempts: 2, failovers: 1, error: null, stream: false, tokens_in: 5, tokens_out: 3 })
    expect(typeof entries[0]?.["time"]).toBe("string")
    expect(entries[1]).toMatchObject({ model: "flaky", endpoint: "good:m-good", stream: true })
    expect(entries[2]).toMatchObject({ level: "info", model: "nope", error: "ModelNotFound", attempts: 0 })
    expect(lines.join("\n")).not.toContain(SECRET)
  })

  it("readable text by default; nothing at logLevel none", async () => {
    const lines = captured()
    const { client } = await start({ logLevel: "info" })
    await client.chat.completions.create({ model: "flaky", messages: [{ role: "user", content: SECRET }] })
    await vi.waitFor(() => expect(lines).toHaveLength(1))
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z INFO {2}routed flaky → good:m-good model=flaky .*attempts=2 failovers=1 error=- .*tokens_in=5 tokens_out=3$/)

    const quiet = captured()
    const other = await start({ logLevel: "none" })
    await other.client.chat.completions.create({ model: "flaky", messages: [{ role: "user", content: SECRET }] })
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(quiet).toEqual([])
  })
})
