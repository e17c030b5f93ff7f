/** `load_balance` virtual models: round-robin start over many requests, the rest as failover. */
import OpenAI from "openai"
import { afterEach, describe, expect, it } from "vitest"
import { closedPort, Resources } from "../support/http.js"
import { answer, type Upstream, startUpstream } from "../support/openaiUpstream.js"
import { startRouter } from "../support/router.js"

const resources = new Resources()
afterEach(() => resources.closeAll())

const threeWay = async (urls: ReadonlyArray<string>) => {
  const router = resources.add(await startRouter({
    providers: {
      p0: { derives: "openai", apiBase: urls[0]!, requiresKey: false },
      p1: { derives: "openai", apiBase: urls[1]!, requiresKey: false },
      p2: { derives: "openai", apiBase: urls[2]!, requiresKey: false }
    },
    models: { spread: { strategy: "load_balance", endpoints: ["p0:m0", "p1:m1", "p2:m2"] } },
    retry: { backoffMs: 1 }
  }))
  return new OpenAI({ baseURL: router.baseUrl, apiKey: "unused", maxRetries: 0 })
}

describe("load_balance", () => {
  it("spreads 30 requests evenly over 3 upstreams, in rotation", async () => {
    const upstreams: Array<Upstream> = []
    for (let i = 0; i < 3; i++) upstreams.push(resources.add(await startUpstream(answer(`from ${i}`))))
    const client = await threeWay(upstreams.map((u) => u.url))

    const answeredBy: Array<string | null> = []
    for (let i = 0; i < 30; i++) {
      const stream = i % 2 === 1
      if (stream) {
        const { data, response } = await client.chat.completions
          .create({ model: "spread", messages: [{ role: "user", content: `q${i}` }], stream: true })
          .withResponse()
        for await (const _part of data) { /* drain */ }
        answeredBy.push(response.headers.get("x-llmrouter-model"))
      } else {
        const { response } = await client.chat.completions
          .create({ model: "spread", messages: [{ role: "user", content: `q${i}` }] })
          .withResponse()
        answeredBy.push(response.headers.get("x-llmrouter-model"))
        expect(response.headers.get("x-llmrouter-attempts")).toBe("1")
      }
    }

    expect(upstreams.map((u) => u.received.length)).toEqual([10, 10, 10])
    // each upstream got its own model id, and the rotation is strict round-robin
    upstreams.forEach((u, i) => expect(new Set(u.received.map((r) => r.body.model))).toEqual(new Set([`m${i}`])))
    expect(answeredBy.slice(0, 6)).toEqual(["p0:m0", "p1:m1", "p2:m2", "p0:m0", "p1:m1", "p2:m2"])
  })

  it("spreads concurrent requests evenly too", async () => {
    const upstreams: Array<Upstream> = []
    for (let i = 0; i < 3; i++) upstreams.push(resources.add(await startUpstream(answer(`from ${i}`))))
    const client = await threeWay(upstreams.map((u) => u.url))
    await Promise.all(
      Array.from({ length: 30 }, () => client.chat.completions.create({ model: "spread", messages: [{ role: "user", content: "hi" }] }))
    )
    expect(upstreams.map((u) => u.received.length)).toEqual([10, 10, 10])
  })

  it("still fails over when one upstream is down", async () => {
    const up0 = resources.add(await startUpstream(answer("from 0")))
    const up2 = resources.add(await startUpstream(answer("from 2")))
    const client = await threeWay([up0.url, `http://127.0.0.1:${await closedPort()}/v1`, up2.url])

    const answered: Array<string | null> = []
    for (let i = 0; i < 30; i++) {
      const { data, response } = await client.chat.completions
        .create({ model: "spread", messages: [{ role: "user", content: "hi" }] })
        .withResponse()
      expect(data.choices[0]?.message.content).toMatch(/^from [02]$/)
      answered.push(response.headers.get("x-llmrouter-model"))
    }
    // the 10 requests that started on the dead p1 failed over to p2 (after one same-endpoint retry)
    expect(up0.received).toHaveLength(10)
    expect(up2.received).toHaveLength(20)
    expect(answered.filter((m) => m === "p2:m2")).toHaveLength(20)
  })
})
