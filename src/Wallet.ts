/**
 * The `Wallet` service: the router's own key, resolved on first use (`LLM_ROUTER_WALLET_KEY` →
 * `<dataDir>/wallet.key` → a new key saved 0600), its address, and EIP-712 signing. The private key
 * stays inside the viem account's closure: nothing here returns, logs or serialises it. viem is
 * loaded with the key, on first use, not with the router (it is most of a wallet's memory). A failed
 * resolution (unsafe or malformed file) is reported and retried on the next use, so fixing the
 * file with `chmod 600` needs no restart.
 */
import { Context, Effect, Layer, Option, Schema } from "effect"
import type { Address, Hex, TypedData, TypedDataDefinition } from "viem"
import type { PrivateKeyAccount } from "viem/accounts"
import { Config } from "./Config.js"
import { Secrets } from "./Secrets.js"
import { KeyError, type KeySource, loadOrCreateKey } from "./wallet/keyFile.js"

export class WalletError extends Schema.TaggedError<WalletError>()("WalletError", {
  message: Schema.String
}) {}

export interface WalletInfo {
  readonly address: Address
  readonly source: KeySource
  /** The key file, when the key is (or was just saved) there. */
  readonly keyFile: string | undefined
}

export interface WalletService {
  readonly info: Effect.Effect<WalletInfo, WalletError>
  readonly signTypedData: <const T extends TypedData | Record<string, unknown>, P extends keyof T | "EIP712Domain">(
    definition: TypedDataDefinition<T, P>
  ) => Effect.Effect<Hex, WalletError>
}

export class Wallet extends Context.Tag("llmrouter/Wallet")<Wallet, WalletService>() {}

export const make = Effect.gen(function*() {
  const { dataDir, env } = yield* Config
  // A key generated after start is not in the config's secrets yet: hide it from every output too.
  const secrets = yield* Effect.serviceOption(Secrets)
  const lock = yield* Effect.makeSemaphore(1)
  let resolved: { readonly account: PrivateKeyAccount; readonly info: WalletInfo } | undefined

  const resolve = lock.withPermits(1)(Effect.suspend(() => {
    if (resolved !== undefined) return Effect.succeed(resolved)
    return Effect.flatMap(
      Effect.tryPromise({
        try: () => import("viem/accounts"),
        catch: () => new WalletError({ message: "Cannot load the wallet's signing library (viem)." })
      }),
      (viem) =>
        Effect.try({
          try: () => {
            const loaded = loadOrCreateKey(env, dataDir)
            if (Option.isSome(secrets)) secrets.value.add(loaded.key)
            const account = viem.privateKeyToAccount(loaded.key)
            resolved = { account, info: { address: account.address, source: loaded.source, keyFile: loaded.file } }
            return resolved
          },
          catch: (error) =>
            new WalletError({
              message: error instanceof KeyError
                ? error.message
                : `Cannot set up the wallet in ${dataDir}: ${(error as NodeJS.ErrnoException).code ?? "unexpected error"}`
            })
        })
    )
  }))

  return Wallet.of({
    info: Effect.map(resolve, (r) => r.info),
    signTypedData: (definition) =>
      Effect.flatMap(resolve, ({ account }) =>
        Effect.tryPromise({
          try: () => account.signTypedData(definition),
          catch: () => new WalletError({ message: "signing the payment authorization failed" })
        })
      )
  })
})

export const layer = Layer.effect(Wallet, make)
