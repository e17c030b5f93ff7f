/**
 * Whether an EIP-3009 authorization (USDC's `transferWithAuthorization`, what x402's `exact`
 * scheme signs) was ever used, read from the token's `authorizationState(authorizer, nonce)`.
 * Read at one block, together with that block's time: an authorization unused at a block whose
 * time is at or past its `validBefore` can never be used (the token requires
 * `block.timestamp < validBefore`), whatever happens later.
 */
import type { Effect } from "effect"
import type { Address, Hex } from "viem"
import { readChain } from "./rpc.js"

const AUTHORIZATION_STATE = [{
  type: "function",
  name: "authorizationState",
  stateMutability: "view",
  inputs: [{ name: "authorizer", type: "address" }, { name: "nonce", type: "bytes32" }],
  outputs: [{ name: "", type: "bool" }]
}] as const

export interface AuthorizationState {
  /** The nonce was used: the transfer happened. */
  readonly used: boolean
  /** The time (unix seconds) of the block `used` was read at. */
  readonly blockTime: bigint
}

export const readAuthorizationState = (
  rpcUrl: string,
  token: string,
  authorizer: string,
  nonce: string,
  timeoutMs: number
): Effect.Effect<AuthorizationState, string> =>
  readChain(rpcUrl, timeoutMs, "read an authorization's state", async (client) => {
    const block = await client.getBlock({ blockTag: "latest" })
    const used = await client.readContract({
      address: token as Address,
      abi: AUTHORIZATION_STATE,
      functionName: "authorizationState",
      args: [authorizer as Address, nonce as Hex],
      blockNumber: block.number
    })
    return { used, blockTime: block.timestamp }
  })
