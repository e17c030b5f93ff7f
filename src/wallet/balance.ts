/**
 * The wallet's token balance, read with `balanceOf` over JSON-RPC with a short timeout and no
 * retries. It informs the user; it is never a payment control.
 */
import type { Effect } from "effect"
import type { Address } from "viem"
import { readChain } from "./rpc.js"

const BALANCE_OF = [{
  type: "function",
  name: "balanceOf",
  stateMutability: "view",
  inputs: [{ name: "account", type: "address" }],
  outputs: [{ name: "balance", type: "uint256" }]
}] as const

/** The balance in atomic units, or a short reason it could not be read. */
export const readTokenBalance = (
  rpcUrl: string,
  token: string,
  owner: string,
  timeoutMs: number
): Effect.Effect<bigint, string> =>
  readChain(rpcUrl, timeoutMs, "read the balance", (client) =>
    client.readContract({ address: token as Address, abi: BALANCE_OF, functionName: "balanceOf", args: [owner as Address] }))
