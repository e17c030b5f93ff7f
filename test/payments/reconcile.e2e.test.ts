/**
 * Unknown payments settled from the chain, end to end on a local Base (anvil + FiatTokenV2_2 + the
 * official @x402/express middleware and facilitator). Between the router and the paid upstream, a
 * lossy hop loses the paid answer in two ways: after the upstream settled it (the money moved) and
 * before it reached the upstream (nothing moved). Both payments are `unknown` to the router; the
 * chain then tells them apart: `settled`, and `lapsed` once its authorization expired unused, which
 * frees the daily cap and the Idempotency-Key. Skipped, with the reason, when anvil cannot run.
 */
import { mkdtempSync } from "node:fs"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { chatBody, errorOf, postJson } from "../support/http.js"
import { startRouter, type RunningRouter } from "../support/router.js"
import { findAnvil, type LocalChain, type PaidUpstream, startChain, startPaidUpstream } from "../support/x402Chain.js"
import { openLedger } from "../store/openLedger.js"

const anvil = findAnvil()
if (!anvil.ok) console.warn(`x402 reconciliation tests skipped: ${anvil.reason}`)

const PRICE = 1_000n // "$0.001" in USDC atomic units
const BASE = "eip155:8453"

/** Relays to `target`; a paid request (it carries a payment header) is lost: after the upstream answered, or instead of reaching it. */
const lossyHop = async (target: string, loses: "after-upstream" | "before-upstream") => {
  const server: Server = createServer((req, res) => {
    const parts: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => parts.push(chunk))
    req.on("end", () => {
      const paid = req.headers["payment-signature"] !== undefined || req.headers["x-payment"] !== undefined
      if (paid && loses === "before-upstream") return void req.socket.destroy()
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([name, value]) =>
        typeof value === "string" && !["host", "content-length", "connection"].includes(name))) as Record<string, string>
      void fetch(`${target}${req.url ?? ""}`, { method: req.method ?? "POST", headers, body: Buffer.concat(parts) }).then(async (answer) => {
        const body = Buffer.from(await answer.arrayBuffer())
        if (paid) return void req.socket.destroy() // settled upstream; the answer never arrives
        res.writeHead(answer.status, Object.fromEntries([...answer.headers].filter(([name]) => !["content-length", "transfer-encoding", "connection"].includes(name))))
        res.end(body)
      }, () => req.socket.destroy())
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  }
}

const rpc = (chain: LocalChain, method: string, params: ReadonlyArray<unknown>) =>
  fetch(chain.rpcUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) })

const eventually = async (check: () => Promise<boolean>, withinMs = 20_000) => {
  const until = Date.now() + withinMs
  while (!(await check())) {
    if (Date.now() > until) return false
    await new Promise((r) => setTimeout(r, 200))
  }
  return true
}

describe.skipIf(!anvil.ok)("unknown x402 payments settled from the chain", () => {
  let chain: LocalChain
  let upstream: PaidUpstream
  let hops: Array<{ url: string; close: () => Promise<void> }>
  let router: RunningRouter
  const dataDir = mkdtempSync(Path.join(tmpdir(), "llmrouter-reconcile-"))
  const payerKey = generatePrivateKey()
  const payer = privateKeyToAccount(payerKey).address
  const ledger = () => openLedger(dataDir)

  beforeAll(async () => {
    if (!anvil.ok) return
    chain = await startChain(anvil.path)
    await chain.mint(payer, 10_000_000n)
    upstream = await startPaidUpstream(chain, { cheap: "$0.001" })
    const target = upstream.base("cheap").replace(/\/cheap\/v1$/, "")
    hops = [await lossyHop(target, "after-upstream"), await lossyHop(target, "before-upstream")]
    router = await startRouter({
      dataDir,
      providers: {
        settles: { derives: "openai", apiBase: `${hops[0]?.url}/cheap/v1`, requiresKey: false },
        vanishes: { derives: "openai", apiBase: `${hops[1]?.url}/cheap/v1`, requiresKey: false }
      },
      payments: { reconcileIntervalSeconds: 1 },
      wallet: { rpcUrl: chain.rpcUrl }
    }, { env: { LLM_ROUTER_WALLET_KEY: payerKey } })
  }, 60_000)

  afterAll(async () => {
    await router?.close()
    await Promise.all([upstream?.close(), ...(hops ?? []).map((h) => h.close())])
    await chain?.stop()
  })

  it("an answer lost after the upstream settled: unknown to the router, then settled from the chain", async () => {
    const before = await chain.balanceOf(payer)
    const response = await postJson(`${router.baseUrl}/chat/completions`, chatBody("settles:m"), { "idempotency-key": "k-settles" })
    expect(errorOf(response.json).code).toBe("payment_outcome_unknown")
    expect(await chain.balanceOf(payer)).toBe(before - PRICE)

    const book = ledger()
    try {
      const settled = await eventually(async () => (await book.recent(10)).some((r) => r.endpoint === "settles:m" && r.status === "settled"))
      expect(settled, JSON.stringify(await book.recent(10))).toBe(true)
      const row = (await book.recent(10)).find((r) => r.endpoint === "settles:m")
      expect(row?.detail).toContain("confirmed on chain")
    } finally {
      await book.close()
    }
    // Still paid for: the same key is not paid twice.
    const again = await postJson(`${router.baseUrl}/chat/completions`, chatBody("settles:m"), { "idempotency-key": "k-settles" })
    expect(errorOf(again.json).code).toBe("idempotency_key_already_paid")
  })

  it("a paid request lost before the upstream: unknown (its key held) until its authorization expires unused, then lapsed (cap and key freed)", async () => {
    const before = await chain.balanceOf(payer)
    const first = await postJson(`${router.baseUrl}/chat/completions`, chatBody("vanishes:m"), { "idempotency-key": "k-vanishes" })
    expect(errorOf(first.json).code).toBe("payment_outcome_unknown")
    // Until the chain shows the authorization can no longer be used, it may still settle: the key stays taken.
    const held = await postJson(`${router.baseUrl}/chat/completions`, chatBody("vanishes:m"), { "idempotency-key": "k-vanishes" })
    expect(errorOf(held.json).code).toBe("idempotency_key_already_paid")

    const book = ledger()
    try {
      const [open] = await book.unresolved(BASE, 10)
      expect(open).toBeDefined()
      const spentWithIt = await book.spentSince(0)
      // The chain reaches the authorization's validBefore (anvil mines on demand, at the time we set).
      await rpc(chain, "evm_setNextBlockTimestamp", [Number(open?.validBefore)])
      await rpc(chain, "evm_mine", [])
      const lapsed = await eventually(async () => (await book.recent(10)).some((r) => r.endpoint === "vanishes:m" && r.status === "lapsed"))
      expect(lapsed, JSON.stringify(await book.recent(10))).toBe(true)
      expect(await book.spentSince(0)).toBe(spentWithIt - 1_000n) // $0.001 no longer counted against the cap
      expect(await chain.balanceOf(payer)).toBe(before) // and indeed nothing moved
    } finally {
      await book.close()
    }
    // The key is free again: the router pays for it anew (and this hop loses it again).
    const retried = await postJson(`${router.baseUrl}/chat/completions`, chatBody("vanishes:m"), { "idempotency-key": "k-vanishes" })
    expect(errorOf(retried.json).code).toBe("payment_outcome_unknown")
  })
})
