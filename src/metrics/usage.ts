/**
 * Token counts and payment amounts for a `RequestRecord`, read cheaply: a complete answer's
 * `usage` is found by searching the bytes from the end (no parse of the whole answer); a stream's
 * comes from the tracker's last usage chunk.
 */
import type { RouterConfig } from "../config/schema.js"
import type { SignedPayment } from "../errors/payment.js"
import { atomicToMicroUsd } from "../payments/networks.js"

export interface Tokens {
  /** Every prompt token, cached ones included (OpenAI's `prompt_tokens`). */
  readonly in: number
  readonly out: number
  /** Prompt tokens read from the provider's cache (`prompt_tokens_details.cached_tokens`). */
  readonly cached: number
  /** Prompt tokens written to the cache (`prompt_tokens_details.cache_write_tokens`: Anthropic's cache creation). */
  readonly written: number
  /** Of `out`, reasoning (`completion_tokens_details.reasoning_tokens`). */
  readonly reasoning: number
}

export const NO_TOKENS: Tokens = { in: 0, out: 0, cached: 0, written: 0, reasoning: 0 }

const count = (name: string) => new RegExp(`"${name}"\\s*:\\s*(\\d+)`)
const PROMPT = count("prompt_tokens")
const COMPLETION = count("completion_tokens")
const CACHED = count("cached_tokens")
// DeepSeek's own name for cache hits, on OpenAI-compatible answers that lack `cached_tokens`.
const CACHE_HIT = count("prompt_cache_hit_tokens")
const WRITTEN = count("cache_write_tokens")
const REASONING = count("reasoning_tokens")

const match = (pattern: RegExp, text: string) => Number(pattern.exec(text)?.[1] ?? 0)

/** The `usage` of an OpenAI chat completion body (the last `"usage"` key), or zeros. */
export const usageFromBody = (bytes: Buffer | string): Tokens => {
  const at = bytes.lastIndexOf("\"usage\"")
  if (at < 0) return NO_TOKENS
  // The usage object is the answer's last member and small: its counts are within the next 1 KiB.
  const text = typeof bytes === "string" ? bytes.slice(at, at + 1024) : bytes.toString("utf8", at, Math.min(bytes.length, at + 1024))
  return {
    in: match(PROMPT, text),
    out: match(COMPLETION, text),
    cached: CACHED.test(text) ? match(CACHED, text) : match(CACHE_HIT, text),
    written: match(WRITTEN, text),
    reasoning: match(REASONING, text)
  }
}

const numberAt = (value: unknown, key: string): number | undefined => {
  const found = typeof value === "object" && value !== null ? (value as Record<string, unknown>)[key] : undefined
  return typeof found === "number" && Number.isFinite(found) ? found : undefined
}

/** A stream's usage chunk (`{ prompt_tokens, completion_tokens, prompt_tokens_details }`), or zeros. */
export const usageFromChunk = (usage: unknown): Tokens => {
  if (typeof usage !== "object" || usage === null) return NO_TOKENS
  const details = (usage as { prompt_tokens_details?: unknown }).prompt_tokens_details
  const completionDetails = (usage as { completion_tokens_details?: unknown }).completion_tokens_details
  return {
    in: numberAt(usage, "prompt_tokens") ?? 0,
    out: numberAt(usage, "completion_tokens") ?? 0,
    cached: numberAt(details, "cached_tokens") ?? numberAt(usage, "prompt_cache_hit_tokens") ?? 0,
    written: numberAt(details, "cache_write_tokens") ?? 0,
    reasoning: numberAt(completionDetails, "reasoning_tokens") ?? 0
  }
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
