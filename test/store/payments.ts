import type { NewPayment } from "../../src/payments/ledger.js"

let counter = 0

/** A 0.01 USDC payment with a unique nonce (`tag` keeps nonces apart across processes). */
export const payment = (tag: string, overrides: Partial<NewPayment> = {}): NewPayment => ({
  requestId: `r-${tag}`,
  idempotencyKey: undefined,
  endpoint: "rungate:deepseek/deepseek-chat",
  upstream: "rungate",
  network: "eip155:8453",
  asset: "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913",
  symbol: "USDC",
  amount: 10_000n,
  microUsd: 10_000n,
  payTo: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
  payer: "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23",
  nonce: `0x${Buffer.from(`${tag}-${process.pid}-${counter++}`).toString("hex").padStart(64, "0").slice(-64)}`,
  validBefore: BigInt(Math.floor(Date.now() / 1000) + 3_600),
  x402Version: 2,
  ...overrides
})
