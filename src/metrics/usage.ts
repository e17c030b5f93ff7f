/**
 * Token counts and payment amounts for a `RequestRecord`, read cheaply: a complete answer's
 * `usage` is found by searching the bytes from the end (no parse of the whole answer); a stream's
 * comes from the tracker's last usage chunk.
 */
import type { RouterConfig } from "../config/schema.js"
import type { SignedPayment } from "../errors/payment.js"
import { atomicToMicroUsd } from "../payments/networks.js"

export interface Tokens {
  readonly in: number
  readonly out: number
}

export const NO_TOKENS: Tokens = { in: 0, out: 0 }

const PROMPT = /"prompt_tokens"\s*:\s*(\d+)/
const COMPLETION = /"completion_tokens"\s*:\s*(\d+)/

/** The `usage` of an OpenAI chat completion body (the last `"usage"` key), or zeros. */
export const usageFromBody = (bytes: Buffer | string): Tokens => {
  const at = bytes.lastIndexOf("\"usage\"")
  if (at < 0) return NO_TOKENS
  // The first counts after the key are usage's own (its `*_details` hold other names).
  const text = typeof bytes === "string" ? bytes.slice(at, at + 1024) : bytes.toString("utf8", at, Math.min(bytes.length, at + 1024))
  return { in: Number(PROMPT.exec(text)?.[1] ?? 0), out: Number(COMPLETION.exec(text)?.[1] ?? 0) }
}

/** A stream's usage chunk (`{ prompt_tokens, completion_tokens }`), or zeros. */
export const usageFromChunk = (usage: unknown): Tokens => {
  if (typeof usage !== "object" || usage === null) return NO_TOKENS
  const { prompt_tokens: prompt, completion_tokens: completion } = usage as { prompt_tokens?: unknown; completion_tokens?: unknown }
  return { in: typeof prompt === "number" ? prompt : 0, out: typeof completion === "number" ? completion : 0 }
}

/** A signed payment in micro-USD, using the allowlisted asset's decimals (6 when unknown). */
export const paymentMicroUsd = (config: RouterConfig, signed: SignedPayment): number => {
  const asset = config.payments.allow.find((a) => a.network === signed.network && a.asset.toLowerCase() === signed.asset.toLowerCase())
  try {
    return Number(atomicToMicroUsd(BigInt(signed.amount), asset?.decimals ?? 6))
  } catch {
    return 0
  }
}
