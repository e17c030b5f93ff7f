/** `GET /wallet`: the router's wallet (address, source, network, balance, funding hint, caps). Never the key. */
import { HttpServerResponse } from "@effect/platform"
import { Effect } from "effect"
import { Config } from "../Config.js"
import { Payments } from "../Payments.js"
import { Wallet } from "../Wallet.js"
import { walletStatus } from "../payments/walletStatus.js"
import { openAiError } from "./errorResponse.js"

export const makeWalletRoute = Effect.gen(function*() {
  const { config } = yield* Config
  const wallet = yield* Wallet
  const payments = yield* Payments
  return walletStatus(config, wallet, payments).pipe(
    Effect.map((status) => HttpServerResponse.unsafeJson(status, { headers: { "cache-control": "no-store" } })),
    Effect.catchTag("WalletError", (error) =>
      Effect.succeed(openAiError(503, { message: error.message, type: "server_error", code: "wallet_unavailable" })))
  )
})
