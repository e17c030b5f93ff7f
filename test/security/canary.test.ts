/**
 * No configured secret ever reaches an output (issue 13, "Done when"): provider keys, URL
 * credentials and query secrets, access keys, scoped tokens and the wallet key are canaries; the
 * upstream echoes every header and URL it receives (in error bodies, mid-stream error events and
 * health-check answers), and every output — responses, SSE events, `/health`, `/stats`,
 * `/metrics`, the status page, the wallet route, logs — is scanned for them.
 */
import type { ServerResponse } from "node:http"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { generatePrivateKey } from "viem/accounts"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import { mintKey, tempDataDir } from "../accounts/support.js"
import { chatBody, closedPort, rawRequest } from "../support/http.js"
import { chunk, sse } from "../support/openaiUpstream.js"
import { type RunningRouter, startRouter } from "../support/router.js"

const CANARY = {
  openaiKey: "sk-canary-openai-7f3a9c",
  anthropicKey: "sk-ant-canary-2b8d1e",
  googleKey: "AIzaCanaryGoogle5c4e",
  urlPassword: "canary-url-password-91",
  querySecret: "canary-query-secret-64",
  accessKey: "canary-access-key-0d2f",
  walletKey: generatePrivateKey()
}

interface Echo {
  readonly url: string
  readonly seen: Array<string>
  close(): Promise<void>
}

/** Answers by the mode in the model name; every error carries the request's URL and headers. */
const startEcho = async (): Promise<Echo> => {
  const seen: Array<string> = []
  const server = createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      const echo = JSON.stringify({ url: req.url, headers: req.headers })
      seen.push(echo)
      const body = Buffer.concat(chunks).toString("utf8")
      const mode = /e400|e401|e429|e500|html|sse-mid|sse-first/.exec(`${req.url} ${body}`)?.[0] ?? (req.method === "GET" ? "e500" : "ok")
      reply(res, mode, echo)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  }
}

const reply = (res: ServerResponse, mode: string, echo: string) => {
  const json = (status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" })
    res.end(JSON.stringify(body))
  }
  switch (mode) {
    case "e400":
      return json(400, { error: { message: `bad request; you sent ${echo}`, type: "invalid_request_error", code: echo.slice(0, 90), param: echo } })
    case "e401":
      return json(401, { type: "error", error: { type: "authentication_error", message: `invalid key in ${echo}` } })
    case "e429":
      return json(429, { error: { message: `slow down ${echo}` } })
    case "html":
      res.writeHead(502, { "content-type": "text/html" })
      return res.end(`<html><body><h1>Bad gateway</h1><pre>${echo}</pre></body></html>`)
    case "e500":
      res.writeHead(500, { "content-type": "text/plain" })
      return res.end(`upstream exploded while handling ${echo}`)
    case "sse-first":
    case "sse-mid":
      res.writeHead(200, { "content-type": "text/event-stream" })
      if (mode === "sse-mid") res.write(sse(chunk("m", { role: "assistant", content: "Hello " })))
      res.write(`data: ${JSON.stringify({ error: { message: `stream failed for ${echo}`, type: "server_error" } })}\n\n`)
      return res.end()
    default:
      return json(200, {
        id: "x", object: "chat.completion", created: 1, model: "m",
        choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }]
      })
  }
}

describe("canaries", () => {
  let echo: Echo
  let router: RunningRouter
  let clientKey: string
  let adminKey: string
  const outputs: Array<string> = []
  const logs: Array<string> = []

  beforeAll(async () => {
    echo = await startEcho()
    const dataDir = tempDataDir()
    clientKey = (await mintKey(dataDir, { all: true, name: "client" })).token
    adminKey = (await mintKey(dataDir, { admin: true, name: "admin" })).token
    const withSecrets = (path: string) => `${echo.url.replace("http://", `http://router:${CANARY.urlPassword}@`)}${path}?key=${CANARY.querySecret}`
    vi.spyOn(console, "log").mockImplementation((...args: Array<unknown>) => void logs.push(args.map(String).join(" ")))
    router = await startRouter({
      dataDir,
      logLevel: "debug",
      logFormat: "json",
      healthCheckIntervalMs: 200,
      requireKeys: true,
      accessKeys: [CANARY.accessKey],
      providers: {
        echo: { derives: "openai", apiBase: withSecrets("/v1"), apiKey: "${ECHO_KEY}" },
        ant: { derives: "anthropic", apiBase: withSecrets("/anthropic"), apiKey: "${ANT_KEY}" },
        goo: { derives: "google", apiBase: withSecrets("/google"), apiKey: CANARY.googleKey },
        gone: { derives: "openai", apiBase: `http://router:${CANARY.urlPassword}@127.0.0.1:${await closedPort()}/v1`, requiresKey: false }
      },
      models: { chain: { strategy: "priority", endpoints: ["echo:e500", "ant:e400", "goo:e429"] } },
      categories: { simple: ["echo:ok", "ant:ok", "goo:ok", "gone:ok"] }
    }, { env: { ECHO_KEY: CANARY.openaiKey, ANT_KEY: CANARY.anthropicKey, LLM_ROUTER_WALLET_KEY: CANARY.walletKey } })
  }, 60_000)

  afterAll(async () => {
    vi.restoreAllMocks()
    await router?.close()
    await echo?.close()
  })

  const record = async (path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) => {
    const response = await rawRequest(`${router.info.url}${path}`, init)
    outputs.push(`${path} ${response.status} ${JSON.stringify(response.headers)}\n${response.text}`)
    return response
  }
  const chat = (model: string, stream: boolean, key = clientKey) =>
    record("/v1/chat/completions", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body: JSON.stringify(chatBody(model, { stream }))
    })

  it("the upstream really saw (and echoed) the secrets", async () => {
    for (const model of ["echo:e400", "ant:e400", "goo:e400"]) await chat(model, false)
    const seen = echo.seen.join("\n")
    for (const secret of [CANARY.openaiKey, CANARY.anthropicKey, CANARY.googleKey, CANARY.querySecret]) expect(seen).toContain(secret)
  })

  it("no canary in any response, SSE event, report, page or log line", async () => {
    const statuses: Array<number> = []
    for (const provider of ["echo", "ant", "goo"]) {
      for (const mode of ["e400", "e401", "e429", "e500", "html"]) {
        for (const stream of [false, true]) statuses.push((await chat(`${provider}:${mode}`, stream)).status)
      }
    }
    for (const model of ["echo:sse-mid", "echo:sse-first", "chain", "gone:m", "llmrouter/simple"]) {
      for (const stream of [false, true]) statuses.push((await chat(model, stream)).status)
    }
    expect(statuses).toContain(400)
    expect(statuses).toContain(429)
    expect(statuses).toContain(502)
    await new Promise((resolve) => setTimeout(resolve, 600)) // active checks echo too
    for (const key of [undefined, clientKey, adminKey, CANARY.accessKey, "wrong-key"]) {
      const headers: Record<string, string> = key === undefined ? {} : { authorization: `Bearer ${key}` }
      for (const path of ["/health", "/stats", "/metrics", "/", "/status", "/wallet", "/v1/models", "/v1/nothing?key=zzz"]) await record(path, { headers })
    }
    const stats = outputs.find((o) => o.startsWith("/stats 200")) ?? ""
    expect(stats).toContain("lastError") // the errors were recorded, and shown redacted
    expect(stats).toContain("[redacted]")

    const everything = [...outputs, ...logs].join("\n")
    expect(logs.length).toBeGreaterThan(10)
    const canaries = [
      ...Object.values(CANARY),
      CANARY.walletKey.slice(2),
      clientKey,
      adminKey,
      Buffer.from(`router:${CANARY.urlPassword}`).toString("base64")
    ]
    for (const canary of canaries) {
      const at = everything.indexOf(canary)
      expect(at, `${canary} in …${everything.slice(Math.max(0, at - 300), at + 100)}`).toBe(-1)
    }
  }, 120_000)
})
