/**
 * Two routers sharing one store enforce one set of limits: one rpm window, one token budget, one
 * daily payment cap (requests fired concurrently at both), one payment per Idempotency-Key, and a
 * revocation written through one is refused by the other on its next request. The same suite runs
 * on SQLite (two routers on one data dir) and on a real Postgres (two data dirs, one database;
 * `test/support/postgres.ts`), where the database is also stopped and restarted mid-run: requests
 * that need no store keep working, those that do fail closed with a 503 and recover by themselves,
 * and a payment signed before the outage is recorded with its outcome after it.
 */
import { Effect, Layer } from "effect"
import { cpSync, mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Accounts from "../../src/Accounts.js"
import * as Config from "../../src/Config.js"
import type { StoreConfig } from "../../src/config/store.js"
import { chatBody, errorOf, latch, postJson, rawRequest } from "../support/http.js"
import { answer, type Script, startUpstream, type Upstream } from "../support/openaiUpstream.js"
import { type PgCluster, postgresTool, startCluster } from "../support/postgres.js"
import { type RunningRouter, startRouter } from "../support/router.js"
import { describeWithTool } from "../support/systemTools.js"
import { paymentOf, settledAnswer, x402Script } from "../support/x402.js"
import { openLedger } from "./openLedger.js"

// A throwaway key from public documentation: never funded.
const WALLET_KEY = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"

interface Shared {
  /** The data dirs of router A and B (the same one on SQLite). */
  readonly dataDirs: readonly [string, string]
  readonly store: StoreConfig | undefined
  readonly env: Readonly<Record<string, string>>
}

const tempDir = () => mkdtempSync(Path.join(tmpdir(), "llmrouter-shared-"))

const withAccounts = <A, E>(shared: Shared, dataDir: string, f: (accounts: Accounts.AccountsService) => Effect.Effect<A, E>) =>
  Effect.runPromise(
    Effect.flatMap(Accounts.Accounts, f).pipe(
      Effect.provide(Accounts.standaloneLayer.pipe(
        Layer.provide(Config.layerFromValue({ dataDir, ...(shared.store === undefined ? {} : { store: shared.store }) }, { env: { ...shared.env } }))
      )),
      Effect.scoped
    )
  )

/** An account in A's data dir (copied to B's: every router verifies with the account's public key) and a key. */
const mint = async (shared: Shared, options: Accounts.MintOptions) => {
  const [a, b] = shared.dataDirs
  const minted = await withAccounts(shared, a, (accounts) =>
    Effect.gen(function*() {
      if ((yield* accounts.listAccounts).length === 0) yield* accounts.generateAccount()
      return yield* accounts.mintKey(options)
    }))
  if (a !== b) cpSync(Path.join(a, "accounts"), Path.join(b, "accounts"), { recursive: true })
  return minted.token
}

const twoRouters = async (shared: Shared, upstream: Upstream, extra: Record<string, unknown> = {}) => {
  const start = (dataDir: string) =>
    startRouter({
      dataDir,
      ...(shared.store === undefined ? {} : { store: shared.store }),
      providers: { up: { derives: "openai", apiBase: upstream.url, requiresKey: false } },
      ...extra
    }, { env: { ...shared.env, LLM_ROUTER_WALLET_KEY: WALLET_KEY } })
  return [await start(shared.dataDirs[0]), await start(shared.dataDirs[1])] as const
}

const ask = (router: RunningRouter, token?: string, headers: Record<string, string> = {}, model = "up:m") =>
  postJson(`${router.baseUrl}/chat/completions`, chatBody(model), { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...headers })
/** A model the outage test's upstream answers without a payment. */
const askFree = (router: RunningRouter, token?: string) => ask(router, token, {}, "up:free")

const statuses = (responses: ReadonlyArray<{ readonly status: number }>) => responses.map((r) => r.status).sort()

const paidCalls = (upstream: Upstream) => upstream.received.filter((r) => paymentOf(r.headers) !== undefined).length

/** The suite, given a fresh shared store per test. */
const sharedStoreSuite = (fresh: () => Promise<Shared>) => {
  const open: Array<{ close(): Promise<void> }> = []
  afterAll(async () => {
    await Promise.all(open.splice(0).map((r) => r.close()))
  })
  const setup = async (script: Script, extra: Record<string, unknown> = {}) => {
    const shared = await fresh()
    const upstream = await startUpstream(script)
    const routers = await twoRouters(shared, upstream, extra)
    open.push(upstream, ...routers)
    return { shared, upstream, routers }
  }

  it("one rpm window: 8 requests fired at once at both routers, 3 admitted", async () => {
    const { shared, routers: [a, b] } = await setup(answer("hi"))
    const token = await mint(shared, { all: true, rpm: 3, name: "rpm3" })
    const responses = await Promise.all(Array.from({ length: 8 }, (_, i) => ask(i % 2 === 0 ? a : b, token)))
    expect(statuses(responses)).toEqual([200, 200, 200, 429, 429, 429, 429, 429])
    for (const r of responses.filter((r) => r.status === 429)) expect(errorOf(r.json).code).toBe("key_rate_limited")
  })

  it("one token budget: what one router used is refused by the other", async () => {
    const { shared, routers: [a, b] } = await setup(answer("hi")) // 8 tokens an answer
    const token = await mint(shared, { all: true, budgetTokens: 20, name: "tokens20" })
    for (const router of [a, b, a]) expect((await ask(router, token)).status).toBe(200) // 0, 8, 16 used before each
    const refused = await Promise.all([ask(b, token), ask(a, token)])
    expect(statuses(refused)).toEqual([403, 403])
    expect(errorOf(refused[0]?.json).code).toBe("key_budget_exhausted")
    expect(errorOf(refused[0]?.json).message).toContain("24 of 20 tokens")
  })

  it("one daily cap: 12 paid requests fired at once at both routers, 5 paid (cap $0.005, price $0.001)", async () => {
    const { shared, upstream, routers: [a, b] } = await setup(x402Script(settledAnswer()), { payments: { maxDailyUsd: 0.005 } })
    const responses = await Promise.all(Array.from({ length: 12 }, (_, i) => ask(i % 2 === 0 ? a : b)))
    expect(responses.filter((r) => r.status === 200)).toHaveLength(5)
    expect(paidCalls(upstream)).toBe(5)
    const ledger = openLedger(shared.dataDirs[0], shared.store, shared.env)
    expect(await ledger.spentSince(0)).toBe(5_000n)
    await ledger.close()
  })

  it("one payment per Idempotency-Key, whichever router the retries reach, even at once", async () => {
    const { upstream, routers: [a, b] } = await setup(x402Script(settledAnswer()))
    const key = { "idempotency-key": `retry-${Date.now()}` }
    const responses = await Promise.all([ask(a, undefined, key), ask(b, undefined, key)])
    expect(statuses(responses)).toEqual([200, 400])
    expect(errorOf(responses.find((r) => r.status === 400)?.json).code).toBe("idempotency_key_already_paid")
    expect((await ask(b, undefined, key)).status).toBe(400)
    expect(paidCalls(upstream)).toBe(1)
  })

  it("a stored Response written through one router is continued through the other (previous_response_id)", async () => {
    const { upstream, routers: [a, b] } = await setup(answer("hi"))
    const first = await postJson(`${a.baseUrl}/responses`, { model: "up:m", input: "remember the word lighthouse" })
    expect(first.status, first.text).toBe(200)
    const id = (first.json as { id: string }).id
    const next = await postJson(`${b.baseUrl}/responses`, { model: "up:m", input: "which word?", previous_response_id: id })
    expect(next.status, next.text).toBe(200)
    const sent = JSON.stringify(upstream.received[upstream.received.length - 1]?.body["messages"])
    expect(sent).toContain("remember the word lighthouse")
    expect(sent).toContain("which word?")
  })

  it("a revocation through one router's store is refused by the other on its next request; /stats names each instance", async () => {
    const { shared, routers: [a, b] } = await setup(answer("hi"))
    const token = await mint(shared, { all: true, name: "to-revoke" })
    expect((await ask(b, token)).status).toBe(200)
    await withAccounts(shared, shared.dataDirs[0], (accounts) => accounts.revokeKey("to-revoke"))
    const refused = await ask(b, token)
    expect(refused.status).toBe(401)
    expect(errorOf(refused.json).code).toBe("key_revoked")
    const stats = await Promise.all([a, b].map(async (r) => JSON.parse((await rawRequest(`${r.info.url}/stats`)).text) as { instance: { id: string }; store: { kind: string } }))
    expect(stats[0]?.instance.id).not.toBe(stats[1]?.instance.id)
    expect(stats[0]?.store.kind).toBe(shared.store?.kind ?? "sqlite")
  })
}

describe("two routers on one SQLite data dir", () => {
  sharedStoreSuite(async () => {
    const dir = tempDir()
    return { dataDirs: [dir, dir], store: undefined, env: {} }
  })
})

describeWithTool(postgresTool(), "two routers on one Postgres", (bin) => {
  let cluster: PgCluster
  let databases = 0
  beforeAll(async () => {
    cluster = await startCluster(bin)
  }, 60_000)
  afterAll(() => cluster?.dispose())

  const fresh = async (): Promise<Shared> => ({
    dataDirs: [tempDir(), tempDir()],
    store: { kind: "postgres", url: "${DATABASE_URL}", maxConnections: 5, timeoutMs: 2_000 },
    env: { DATABASE_URL: await cluster.createDatabase(`shared_${++databases}`) }
  })

  sharedStoreSuite(fresh)

  it("the database stopped and restarted: routing goes on, keys and payments fail closed with 503, then recover; nothing is lost", async () => {
    const shared = await fresh()
    const { opened: held, open: release } = latch()
    // The first paid answer waits until the database is down, so its outcome is written after it.
    let paidAnswers = 0
    const paid = settledAnswer("paid answer")
    const upstream = await startUpstream((request, response, index) => {
      if (paymentOf(request.headers) === undefined && request.body.model === "free") return answer("free answer")(request, response, index)
      return x402Script(async (req, res, i) => {
        if (paidAnswers++ === 0) await held
        return paid(req, res, i)
      })(request, response, index)
    })
    const [a, b] = await twoRouters(shared, upstream)
    try {
      const token = await mint(shared, { all: true, name: "through-outage" })
      expect((await askFree(b, token)).status).toBe(200)

      const inFlight = ask(a)
      await waitFor(() => paidCalls(upstream) === 1)
      cluster.stop()
      release()
      expect((await inFlight).status).toBe(200) // signed, answered; its outcome waits for the database

      expect((await askFree(b)).status).toBe(200)
      const keyed = await askFree(b, token)
      expect(keyed.status).toBe(503)
      expect(errorOf(keyed.json).code).toBe("key_store_unavailable")
      const paying = await ask(a)
      expect(paying.status).toBe(503)
      expect(errorOf(paying.json).code).toBe("payment_ledger_unavailable")
      const continued = await postJson(`${b.baseUrl}/responses`, { model: "up:free", input: "and then?", previous_response_id: `resp_${"a".repeat(24)}` })
      expect(continued.status, continued.text).toBe(503) // not "unknown id": the store that would know is away
      expect(errorOf(continued.json).code).toBe("response_store_unavailable")
      expect(paidCalls(upstream)).toBe(1) // nothing was signed while the ledger was away
      for (const text of [keyed.text, paying.text, (await rawRequest(`${a.info.url}/stats`)).text, (await rawRequest(`${a.info.url}/health`)).text]) {
        expect(text).not.toContain(cluster.password)
      }

      cluster.start()
      await waitFor(async () => (await askFree(b, token)).status === 200)
      expect((await ask(b)).status).toBe(200)
      const ledger = openLedger(shared.dataDirs[1], shared.store, shared.env)
      await waitFor(async () => (await ledger.recent(10)).filter((r) => r.status === "settled").length === 2)
      expect((await ledger.recent(10)).map((r) => r.status)).toEqual(["settled", "settled"])
      await ledger.close()
    } finally {
      release()
      await Promise.all([a.close(), b.close(), upstream.close()])
    }
  }, 60_000)
})

const waitFor = async (condition: () => boolean | Promise<boolean>, timeoutMs = 15_000) => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      if (await condition()) return
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error("timed out waiting")
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
