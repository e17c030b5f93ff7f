/** Another Effect program embeds the router through the public entry only. */
import { HttpServer } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Effect, Layer, Stream } from "effect"
import OpenAI from "openai"
import { createServer } from "node:http"
import { afterEach, describe, expect, it } from "vitest"
import { answerStream, makeHttpApp, parseChatRequest, Router, routerFromConfig } from "../src/index.js"
import { startUpstream, type Upstream } from "./support/openaiUpstream.js"

let upstream: Upstream
afterEach(() => upstream?.close())

const config = (url: string) =>
  routerFromConfig(
    { dataDir: "/nonexistent-llmrouter-test", healthCheckIntervalMs: 0, providers: { openai: { apiBase: url } }, models: { fast: { endpoints: ["openai:gpt-4o-mini"] } } },
    { env: { OPENAI_API_KEY: "sk-embedded" } }
  )

describe("embedding", () => {
  it("calls the Router service directly, without HTTP", async () => {
    upstream = await startUpstream()
    const program = Effect.gen(function*() {
      const router = yield* Router
      const request = yield* parseChatRequest(Buffer.from(JSON.stringify({
        model: "fast",
        stream: true,
        messages: [{ role: "user", content: "hi" }]
      })))
      const response = yield* router.handle(request)
      const bytes = yield* Stream.runCollect(answerStream(response))
      return { model: response.endpoint?.id, text: Buffer.concat([...bytes]).toString("utf8") }
    })
    const result = await Effect.runPromise(program.pipe(Effect.provide(config(upstream.url)), Effect.scoped))
    expect(result.model).toBe("openai:gpt-4o-mini")
    expect(result.text).toContain("data: [DONE]")
    expect(upstream.received[0]?.body.model).toBe("gpt-4o-mini")
  })

  it("mounts the HTTP app on the embedder's own server", async () => {
    upstream = await startUpstream()
    const server = Layer.scopedDiscard(Effect.gen(function*() {
      const app = yield* makeHttpApp
      yield* HttpServer.serveEffect(app)
    })).pipe(
      Layer.provideMerge(NodeHttpServer.layer(() => createServer(), { host: "127.0.0.1", port: 0 })),
      Layer.provide(config(upstream.url))
    )
    const text = await Effect.runPromise(Effect.gen(function*() {
      const { address } = yield* HttpServer.HttpServer
      const port = address._tag === "TcpAddress" ? address.port : 0
      const client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: "x", maxRetries: 0 })
      const completion = yield* Effect.promise(() =>
        client.chat.completions.create({ model: "fast", messages: [{ role: "user", content: "hi" }] })
      )
      return completion.choices[0]?.message.content
    }).pipe(Effect.provide(server), Effect.scoped))
    expect(text).toBe("Hello from upstream")
  })
})
