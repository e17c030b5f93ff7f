/**
 * The wallet's token balance, read with `balanceOf` over JSON-RPC with a short timeout and no
 * retries. It informs the user; it is never a payment control.
 */
import { Effect } from "effect"
import type { Address } from "viem"

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
  Effect.tryPromise({
    try: async (signal) => {
      // viem loads when a balance is first asked for, not with the router.
      const { createPublicClient, http } = await import("viem")
      const client = createPublicClient({ transport: http(rpcUrl, { timeout: timeoutMs, retryCount: 0, fetchOptions: { signal } }) })
      return client.readContract({ address: token as Address, abi: BALANCE_OF, functionName: "balanceOf", args: [owner as Address] })
    },
    catch: (error) => describe(error, rpcUrl)
  }).pipe(
    Effect.timeoutFail({ duration: timeoutMs + 250, onTimeout: () => `the RPC ${origin(rpcUrl)} did not answer within ${timeoutMs} ms` })
  )

const describe = (error: unknown, rpcUrl: string): string => {
  const name = (error as { name?: unknown } | undefined)?.name
  if (name === "TimeoutError") return `the RPC ${origin(rpcUrl)} did not answer in time`
  const short = (error as { shortMessage?: unknown } | undefined)?.shortMessage
  const text = typeof short === "string" ? short : error instanceof Error ? error.message : String(error)
  return `cannot read the balance from ${origin(rpcUrl)}: ${text.split("\n")[0]?.slice(0, 160) ?? "error"}`
}

/** Only the origin: an RPC URL may carry an API key in its path or query. */
const origin = (url: string) => {
  try {
    return new URL(url).origin
  } catch {
    return "the configured RPC"
  }
}
