/**
 * The status page in a real headless browser (Debian's chromium driven by playwright-core): loaded
 * from a running router, it shows the providers and routes, and — as traffic flows through stub
 * upstreams — the routing decisions with the model that answered and charts that update, with no
 * console errors, on a laptop and a phone viewport. Screenshots go to test/artifacts/.
 */
import { mkdirSync } from "node:fs"
import OpenAI from "openai"
import { type Browser, chromium, type Page } from "playwright-core"
import { afterAll, afterEach, beforeAll, expect, it } from "vitest"
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts"
import { postJson, Resources } from "../support/http.js"
import { answer, cachingAnswer, openAiError, reply, startUpstream } from "../support/openaiUpstream.js"
import { PromptCache } from "../support/promptCache.js"
import { startRouter } from "../support/router.js"
import { chromium as chromiumTool, describeWithTool } from "../support/systemTools.js"

const ARTIFACTS = new URL("../artifacts/", import.meta.url)

const resources = new Resources()
afterEach(() => resources.closeAll())

let browser: Browser

/** Everything the page reports that a user would count as broken. */
const watch = (page: Page) => {
  const problems: Array<string> = []
  page.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warning") problems.push(`console ${message.type()}: ${message.text()}`)
  })
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`))
  page.on("requestfailed", (request) => problems.push(`request failed: ${request.url()} ${request.failure()?.errorText ?? ""}`))
  page.on("response", (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()} for ${response.url()}`)
  })
  return problems
}

const setup = async () => {
  const good = resources.add(await startUpstream(answer("Hello from upstream")))
  const bad = resources.add(await startUpstream((_request, response) => reply(response, 503, openAiError("overloaded", "server_error"))))
  const key = generatePrivateKey()
  const router = resources.add(await startRouter({
    providers: {
      good: { derives: "openai", apiBase: good.url, requiresKey: false },
      bad: { derives: "openai", apiBase: bad.url, requiresKey: false }
    },
    models: {
      fine: { strategy: "priority", endpoints: ["good:m-good"] },
      flaky: { strategy: "priority", endpoints: ["bad:m-bad", "good:m-good"] },
      broken: { strategy: "priority", endpoints: ["bad:m-bad"] }
    },
    categories: { coding: ["good:m-good"] },
    retry: { sameEndpointRetries: 0, backoffMs: 1 },
    breaker: { failureThreshold: 100 },
    // Nothing listens on port 9 of loopback: the balance read fails fast, and says so.
    wallet: { rpcUrl: "http://127.0.0.1:9", balanceTimeoutMs: 500 }
  }, { env: { LLM_ROUTER_WALLET_KEY: key } }))
  const root = router.info.url
  const client = new OpenAI({ baseURL: router.baseUrl, apiKey: "unused", maxRetries: 0 })
  return { root, client, address: privateKeyToAccount(key).address }
}

const chartTotal = (page: Page, id: string) => page.locator(`#${id}`).getAttribute("data-total").then(Number)

describeWithTool(chromiumTool(), "status page", (executablePath) => {
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
    })
    mkdirSync(ARTIFACTS, { recursive: true })
  }, 60_000)
  afterAll(() => browser?.close())

  it("shows providers, routes, live decisions with the answering model and updating charts, without console errors", async () => {
    const { address, client, root } = await setup()
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const page = await context.newPage()
    const problems = watch(page)
    await page.goto(`${root}/`)
    await expect.poll(() => page.locator("#status").textContent()).toBe("ok")

    // Providers and their endpoints (not used yet), and the routes.
    await expect.poll(() => page.locator("#providers tr[data-endpoint='good:m-good']").count()).toBe(1)
    expect(await page.locator("#providers tr[data-endpoint='bad:m-bad'] .pill").textContent()).toBe("unused")
    expect(await page.locator("#routes").textContent()).toContain("flaky")
    expect(await page.locator("#decisions tbody").textContent()).toContain("no requests yet")
    expect(await chartTotal(page, "chart-requests")).toBe(0)

    // Traffic: answers, a failover, a failure, a stream.
    for (let i = 0; i < 3; i++) await client.chat.completions.create({ model: "fine", messages: [{ role: "user", content: "hi" }] })
    await client.chat.completions.create({ model: "flaky", messages: [{ role: "user", content: "hi" }] })
    expect((await postJson(`${root}/v1/chat/completions`, { model: "broken", messages: [{ role: "user", content: "hi" }] })).status).toBe(502)
    const stream = await client.chat.completions.create({ model: "llmrouter/coding", messages: [{ role: "user", content: "hi" }], stream: true })
    for await (const _ of stream) void _

    // The page catches up by polling: decisions newest first, with the model that answered.
    await expect.poll(() => page.locator("#decisions tr.decision").count(), { timeout: 10_000 }).toBe(6)
    const newest = page.locator("#decisions tr.decision").first()
    expect(await newest.locator("td").nth(1).textContent()).toBe("llmrouter/coding")
    expect(await newest.locator("td.answered").textContent()).toBe("good:m-good")
    const failover = page.locator("#decisions tr.decision", { hasText: "flaky" })
    expect(await failover.locator("td.answered").textContent()).toBe("good:m-good")
    expect(await failover.textContent()).toContain("1 failover")
    expect(await page.locator("#decisions tr.decision", { hasText: "broken" }).locator("td.err").textContent()).toBe("Unavailable")

    // Charts updated: requests and errors in the current bucket, latency drawn.
    expect(await chartTotal(page, "chart-requests")).toBe(5)
    expect(await page.locator("#chart-requests svg rect").count()).toBeGreaterThan(0)
    expect(await page.locator("#chart-latency svg path").count()).toBeGreaterThan(0)
    expect(await page.locator("#chart-errors svg rect").count()).toBeGreaterThan(0)

    // The failing endpoint shows its state and last error; today's tokens per model.
    expect(await page.locator("#providers tr[data-endpoint='bad:m-bad']").textContent()).toContain("Unavailable: ")
    expect(await page.locator("#today").textContent()).toContain("good:m-good")

    // The wallet (a key exists): its address and a QR code that renders.
    expect(await page.locator("#wallet-address").textContent()).toBe(address)
    await expect.poll(() => page.locator("#wallet-qr").evaluate((img: { complete: boolean; naturalWidth: number }) => img.complete && img.naturalWidth > 0)).toBe(true)
    // Its balance, and the keyless provider that pays from it is not called ready while that is unknown.
    // (refused, or timed out on a loaded machine: either way the reason names the RPC)
    await expect.poll(() => page.locator("#wallet-balance").textContent(), { timeout: 10_000 }).toMatch(/^Balance: unknown \(.*http:\/\/127\.0\.0\.1:9/)
    expect(await page.locator("#providers tr.group[data-provider='rungate']").textContent()).toContain("balance unknown")

    // More traffic moves the chart again.
    await client.chat.completions.create({ model: "fine", messages: [{ role: "user", content: "hi" }] })
    await expect.poll(() => chartTotal(page, "chart-requests"), { timeout: 10_000 }).toBe(6)

    await page.screenshot({ path: new URL("status-page.png", ARTIFACTS).pathname, fullPage: true })

    // A phone: the same page, no sideways scrolling of the page itself.
    await page.setViewportSize({ width: 390, height: 844 })
    await page.waitForTimeout(100)
    expect(await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")).toBe(true)
    expect(await page.locator("#decisions tr.decision").first().isVisible()).toBe(true)
    await page.screenshot({ path: new URL("status-page-phone.png", ARTIFACTS).pathname, fullPage: true })

    // `/status` is the same page.
    await page.goto(`${root}/status`)
    await expect.poll(() => page.locator("#decisions tr.decision").count()).toBe(7)

    expect(problems).toEqual([])
    await context.close()
  }, 60_000)

  it("shows why auto routed each turn, cached tokens, cost per model and what auto saved", async () => {
    const cache = new PromptCache()
    const upstreams = { cheap: resources.add(await startUpstream(cachingAnswer("ok", cache))), big: resources.add(await startUpstream(cachingAnswer("ok", cache))) }
    const router = resources.add(await startRouter({
      providers: {
        cheap: { derives: "openai", apiBase: upstreams.cheap.url, requiresKey: false },
        big: { derives: "openai", apiBase: upstreams.big.url, requiresKey: false }
      },
      categories: { simple: ["cheap:small"], coding: ["cheap:small"], reasoning: ["big:large"] },
      prices: { small: { input: 1, cachedInput: 0.1, output: 2 }, large: { input: 10, cachedInput: 1, output: 20 } }
    }))
    const client = new OpenAI({ baseURL: router.baseUrl, apiKey: "unused", maxRetries: 0 })
    const history: Array<OpenAI.ChatCompletionMessageParam> = [{ role: "system", content: "Be helpful. ".repeat(50) }, { role: "user", content: "hi there!" }]
    await client.chat.completions.create({ model: "llmrouter/auto", messages: history })
    await client.chat.completions.create({ model: "llmrouter/auto", messages: [...history, { role: "assistant", content: "ok" }, { role: "user", content: "ok thanks" }] })
    const context = await browser.newContext()
    const page = await context.newPage()
    const problems = watch(page)
    await page.goto(`${router.info.url}/`)
    await expect.poll(() => page.locator("#decisions tr.decision").count()).toBe(2)
    expect(await page.locator("#decisions tr.decision").first().textContent()).toMatch(/simple \(\d\.\d\d\) · sticky/)
    expect(await page.locator("#decisions tr.decision").first().textContent()).toMatch(/\(\d+ cached\)/)
    expect(await page.locator("#cost").textContent()).toContain("cheap:small")
    expect(await page.locator("#savings").textContent()).toMatch(/against \$[\d.]+ had big:large answered them all: \$[\d.]+ saved \(\d+ %\)/)
    expect(problems).toEqual([])
    await context.close()
  }, 30_000)

  it("shows a banner when the router stops answering", async () => {
    const { root } = await setup()
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(`${root}/`)
    await expect.poll(() => page.locator("#status").textContent()).toBe("ok")
    await resources.closeAll()
    await expect.poll(() => page.locator("#banner").isVisible(), { timeout: 10_000 }).toBe(true)
    await context.close()
  }, 30_000)
})
