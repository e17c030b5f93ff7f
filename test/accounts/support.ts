/** Accounts and keys for tests: the same service the CLI uses, on a given data dir. */
import { Effect, Layer } from "effect"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import OpenAI from "openai"
import * as Accounts from "../../src/Accounts.js"
import * as Config from "../../src/Config.js"

export const tempDataDir = () => mkdtempSync(Path.join(tmpdir(), "llmrouter-accounts-"))

export const withAccounts = <A, E>(dataDir: string, f: (accounts: Accounts.AccountsService) => Effect.Effect<A, E>) =>
  Effect.runPromise(
    Effect.flatMap(Accounts.Accounts, f).pipe(
      Effect.provide(Accounts.standaloneLayer.pipe(Layer.provide(Config.layerFromValue({ dataDir })))),
      Effect.scoped
    )
  )

/** An account (created when there is none) and a key minted by it. */
export const mintKey = async (dataDir: string, options: Accounts.MintOptions) =>
  withAccounts(dataDir, (accounts) =>
    Effect.gen(function*() {
      if ((yield* accounts.listAccounts).length === 0) yield* accounts.generateAccount()
      return yield* accounts.mintKey(options)
    }))

export const client = (baseURL: string, apiKey: string) => new OpenAI({ baseURL, apiKey, maxRetries: 0 })

export const ask = (openai: OpenAI, model: string) =>
  openai.chat.completions.create({ model, messages: [{ role: "user", content: "hello" }] })

/** The API error a call ended with (fails the test when it succeeded). */
export const failure = async (call: Promise<unknown>) => {
  try {
    await call
  } catch (error) {
    if (error instanceof OpenAI.APIError) return error
    throw error
  }
  throw new Error("expected the call to fail")
}
