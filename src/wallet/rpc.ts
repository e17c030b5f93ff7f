/**
 * One read from the chain over JSON-RPC: a short timeout, no retries, and failures described
 * without the RPC URL's path or query (they may carry an API key). viem loads with the first read,
 * not with the router.
 */
import { Effect } from "effect"
import type { PublicClient } from "viem"

/** Runs `read` against `rpcUrl`; fails with a one-line reason (`what`: "read the balance"…). */
export const readChain = <A>(
  rpcUrl: string,
  timeoutMs: number,
  what: string,
  read: (client: PublicClient) => Promise<A>
): Effect.Effect<A, string> =>
  Effect.tryPromise({
    try: async (signal) => {
      const { createPublicClient, http } = await import("viem")
      const client: PublicClient = createPublicClient({ transport: http(rpcUrl, { timeout: timeoutMs, retryCount: 0, fetchOptions: { signal } }) })
      return read(client)
    },
    catch: (error) => describe(error, rpcUrl, what)
  }).pipe(
    Effect.timeoutFail({ duration: timeoutMs + 250, onTimeout: () => `the RPC ${rpcOrigin(rpcUrl)} did not answer within ${timeoutMs} ms` })
  )

const describe = (error: unknown, rpcUrl: string, what: string): string => {
  const name = (error as { name?: unknown } | undefined)?.name
  if (name === "TimeoutError") return `the RPC ${rpcOrigin(rpcUrl)} did not answer in time`
  const short = (error as { shortMessage?: unknown } | undefined)?.shortMessage
  const text = typeof short === "string" ? short : error instanceof Error ? error.message : String(error)
  return `cannot ${what} from ${rpcOrigin(rpcUrl)}: ${text.split("\n")[0]?.slice(0, 160) ?? "error"}`
}

/** Only the origin: an RPC URL may carry an API key in its path or query. */
export const rpcOrigin = (url: string) => {
  try {
    return new URL(url).origin
  } catch {
    return "the configured RPC"
  }
}
