/**
 * `llmrouter wallet [--config PATH] [--json]`: the router's wallet address, key source, network,
 * USDC balance and funding hint (creating the key on first use, as the server would). Never the key.
 */
import { Effect, Layer } from "effect"
import { homedir } from "node:os"
import { Config } from "../Config.js"
import { loadConfig } from "../config/load.js"
import * as Payments from "../Payments.js"
import * as Store from "../Store.js"
import * as Wallet from "../Wallet.js"
import { formatWalletStatus, walletStatus } from "../payments/walletStatus.js"
import { parse } from "./args.js"
import { runCli } from "./run.js"

export const wallet = (argv: ReadonlyArray<string>) => {
  const { values } = parse(argv, { config: { type: "string" }, json: { type: "boolean" } })
  const program = Effect.gen(function*() {
    const loaded = yield* loadConfig({ configPath: values.config, env: process.env, homeDir: homedir() })
    const services = Payments.layer.pipe(
      Layer.provideMerge(Layer.merge(Wallet.layer, Store.layer)),
      Layer.provideMerge(Layer.succeed(Config, loaded))
    )
    const status = yield* Effect.gen(function*() {
      return yield* walletStatus(loaded.config, yield* Wallet.Wallet, yield* Payments.Payments)
    }).pipe(Effect.provide(services), Effect.scoped)
    console.log(values.json === true ? JSON.stringify(status, null, 2) : formatWalletStatus(status))
  })
  return runCli(program)
}
