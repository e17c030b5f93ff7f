import { Effect, Exit, Layer } from "effect"
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { privateKeyToAccount } from "viem/accounts"
import { describe, expect, it } from "vitest"
import * as Config from "../../src/Config.js"
import { loadOrCreateKey, walletKeyPath } from "../../src/wallet/keyFile.js"
import * as Wallet from "../../src/Wallet.js"

const dir = () => mkdtempSync(Path.join(tmpdir(), "llmrouter-wallet-"))
// Throwaway keys, never funded.
const KEY = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
const ADDRESS = privateKeyToAccount(KEY).address

const info = (env: Record<string, string>, dataDir: string) =>
  Effect.runPromiseExit(Effect.flatMap(Wallet.Wallet, (w) => w.info).pipe(
    Effect.provide(Wallet.layer.pipe(Layer.provide(Config.layerFromValue({ dataDir }, { env }))))
  ))

describe("wallet key", () => {
  it("uses LLM_ROUTER_WALLET_KEY first and writes nothing", () => {
    const d = dir()
    expect(loadOrCreateKey({ LLM_ROUTER_WALLET_KEY: ` ${KEY}\n` }, d)).toMatchObject({ key: KEY, source: "env", file: undefined })
    expect(() => statSync(walletKeyPath(d))).toThrow()
  })

  it("generates a key once, 0600 in a 0700 directory, then reads it back", () => {
    const d = Path.join(dir(), "nested", "state")
    const created = loadOrCreateKey({}, d)
    expect(created.source).toBe("generated")
    const file = walletKeyPath(d)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(statSync(d).mode & 0o777).toBe(0o700)
    expect(readFileSync(file, "utf8")).toBe(`${created.key}\n`)
    expect(loadOrCreateKey({}, d)).toEqual({ ...created, source: "file" })
  })

  it("refuses a key file readable by group or others, saying how to fix it", () => {
    const d = dir()
    const file = walletKeyPath(d)
    writeFileSync(file, KEY, { mode: 0o644 })
    chmodSync(file, 0o644)
    expect(() => loadOrCreateKey({}, d)).toThrow(`chmod 600 ${file}`)
    chmodSync(file, 0o640)
    expect(() => loadOrCreateKey({}, d)).toThrow("(640)")
    chmodSync(file, 0o600)
    expect(loadOrCreateKey({}, d)).toMatchObject({ key: KEY, source: "file" })
  })

  it("reports a malformed key without echoing it", () => {
    const secret = "0xdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbee"
    const messageOf = (f: () => unknown) => {
      try {
        f()
      } catch (error) {
        return (error as Error).message
      }
      throw new Error("did not throw")
    }
    const env = messageOf(() => loadOrCreateKey({ LLM_ROUTER_WALLET_KEY: secret }, dir()))
    expect(env).toContain("LLM_ROUTER_WALLET_KEY does not hold a valid private key")
    expect(env).not.toContain("deadbeef")
    const d = dir()
    writeFileSync(walletKeyPath(d), "my seed phrase goes here", { mode: 0o600 })
    const file = messageOf(() => loadOrCreateKey({}, d))
    expect(file).toContain("does not hold a valid private key")
    expect(file).not.toContain("seed")
    expect(messageOf(() => loadOrCreateKey({ LLM_ROUTER_WALLET_KEY: `0x${"0".repeat(64)}` }, dir()))).toContain("out of range")
  })

  it("the Wallet service resolves lazily, reports errors as WalletError, and recovers after chmod", async () => {
    const d = dir()
    expect(await info({ LLM_ROUTER_WALLET_KEY: KEY }, d)).toEqual(Exit.succeed({ address: ADDRESS, source: "env", keyFile: undefined }))
    const file = walletKeyPath(d)
    writeFileSync(file, KEY, { mode: 0o604 })
    chmodSync(file, 0o604)
    const refused = await info({}, d)
    expect(Exit.isFailure(refused) && JSON.stringify(refused.cause)).toContain("chmod 600")
    chmodSync(file, 0o600)
    expect(await info({}, d)).toEqual(Exit.succeed({ address: ADDRESS, source: "file", keyFile: file }))
  })

  it("concurrent first uses in one process generate one key", async () => {
    const d = dir()
    const layer = Wallet.layer.pipe(Layer.provide(Config.layerFromValue({ dataDir: d }, { env: {} })))
    const infos = await Effect.runPromise(Effect.flatMap(Wallet.Wallet, (w) => Effect.all(Array.from({ length: 8 }, () => w.info), { concurrency: "unbounded" })).pipe(Effect.provide(layer)))
    expect(new Set(infos.map((i) => i.address)).size).toBe(1)
    expect(infos.filter((i) => i.source === "generated")).toHaveLength(8) // the same resolution, shared
  })
})
