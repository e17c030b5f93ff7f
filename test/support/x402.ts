/** Building x402 challenges for tests: v2 `PAYMENT-REQUIRED` headers and v1 bodies. */
import { BASE_USDC } from "../../src/config/payments.js"
import { answer, reply, type Script } from "./openaiUpstream.js"

export const PAY_TO = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"

export const requirementV2 = (overrides: Record<string, unknown> = {}) => ({
  scheme: "exact",
  network: "eip155:8453",
  amount: "1000",
  asset: BASE_USDC,
  payTo: PAY_TO,
  maxTimeoutSeconds: 60,
  extra: { name: "USD Coin", version: "2" },
  ...overrides
})

export const requirementV1 = (overrides: Record<string, unknown> = {}) => ({
  scheme: "exact",
  network: "base",
  maxAmountRequired: "1000",
  resource: "http://127.0.0.1/v1/chat/completions",
  description: "",
  mimeType: "",
  asset: BASE_USDC,
  payTo: PAY_TO,
  maxTimeoutSeconds: 60,
  extra: { name: "USD Coin", version: "2" },
  ...overrides
})

export const challengeV2 = (accepts: ReadonlyArray<unknown> = [requirementV2()], error = "Payment required") => ({
  x402Version: 2,
  error,
  resource: { url: "http://127.0.0.1/v1/chat/completions", description: "chat", mimeType: "application/json" },
  accepts
})

export const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64")

/** The raw form `PaymentRequired.challenge` holds: the 402's headers and body. */
export const rawV2 = (challenge: unknown = challengeV2()) => ({ headers: { "payment-required": encode(challenge) }, body: "{}" })
export const rawV1 = (accepts: ReadonlyArray<unknown> = [requirementV1()]) => ({
  headers: {},
  body: JSON.stringify({ x402Version: 1, error: "X-PAYMENT header is required", accepts })
})

/**
 * Scripts for `startUpstream` that speak x402 v2 without a chain: a 402 challenge for unpaid
 * requests, and `paid` for requests that carry a `PAYMENT-SIGNATURE`.
 */

export const paymentOf = (headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>) => {
  const value = headers["payment-signature"] ?? headers["x-payment"]
  return typeof value === "string" ? (JSON.parse(Buffer.from(value, "base64").toString("utf8")) as Record<string, unknown>) : undefined
}

export const x402Script = (paid: Script, challenge: unknown = challengeV2()): Script => (request, response, index) => {
  if (paymentOf(request.headers) === undefined) {
    reply(response, 402, {}, { "payment-required": encode(challenge) })
    return
  }
  return paid(request, response, index)
}

/** A paid answer with a successful settlement receipt. */
export const settledAnswer = (text = "paid answer"): Script => (request, response, index) => {
  response.setHeader("payment-response", encode({ success: true, transaction: `0x${"ab".repeat(32)}`, network: "eip155:8453", payer: "0x" }))
  return answer(text)(request, response, index)
}
