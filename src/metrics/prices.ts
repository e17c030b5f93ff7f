/**
 * What a model's tokens cost: the configured `prices` over the defaults below, found by endpoint
 * id (`provider:modelId`), then model id, then the model id's last path segment (OpenRouter's
 * `deepseek/deepseek-chat` is priced as `deepseek-chat`). Costs are integers in pico-USD
 * (1e-12 USD), so sums stay exact.
 */
import type { ModelPrice, Prices } from "../config/conversations.js"
import type { Tokens } from "./usage.js"

/**
 * USD per million tokens, as the providers publish them for the built-in chains' models (standard
 * tier, prompts under 200k tokens). Cache writes are Anthropic's 5-minute rate; OpenAI, Google and
 * DeepSeek do not bill writes apart. Override or extend them with `prices` in the config.
 */
export const DEFAULT_PRICES: Prices = {
  "gpt-5": { input: 1.25, cachedInput: 0.125, output: 10 },
  "gpt-5-mini": { input: 0.25, cachedInput: 0.025, output: 2 },
  "claude-haiku-4-5": { input: 1, cachedInput: 0.1, cacheWrite: 1.25, output: 5 },
  "claude-sonnet-4-5": { input: 3, cachedInput: 0.3, cacheWrite: 3.75, output: 15 },
  "claude-opus-4-1": { input: 15, cachedInput: 1.5, cacheWrite: 18.75, output: 75 },
  "gemini-2.5-flash": { input: 0.3, cachedInput: 0.03, output: 2.5 },
  "gemini-2.5-pro": { input: 1.25, cachedInput: 0.125, output: 10 },
  "deepseek-chat": { input: 0.28, cachedInput: 0.028, output: 0.42 },
  "deepseek-reasoner": { input: 0.28, cachedInput: 0.028, output: 0.42 }
}

/** Per-token prices in pico-USD (USD per million tokens × 1e6 per token). */
export interface TokenPrice {
  readonly input: number
  readonly cachedInput: number
  readonly cacheWrite: number
  readonly output: number
}

const perToken = (usdPerMillion: number) => Math.round(usdPerMillion * 1e6)

const toTokenPrice = (price: ModelPrice): TokenPrice => ({
  input: perToken(price.input),
  cachedInput: perToken(price.cachedInput ?? price.input),
  cacheWrite: perToken(price.cacheWrite ?? price.input),
  output: perToken(price.output)
})

/** A lookup over the configured prices and the defaults; `undefined` for a model nobody priced. */
export const makePriceList = (configured: Prices) => {
  const merged: Prices = { ...DEFAULT_PRICES, ...configured }
  const cache = new Map<string, TokenPrice | undefined>()
  return (endpoint: string): TokenPrice | undefined => {
    if (cache.has(endpoint)) return cache.get(endpoint)
    const modelId = endpoint.slice(endpoint.indexOf(":") + 1)
    const found = merged[endpoint] ?? merged[modelId] ?? merged[modelId.slice(modelId.lastIndexOf("/") + 1)]
    const price = found === undefined ? undefined : toTokenPrice(found)
    // Bounded: endpoint ids come from the config's routes and direct `provider:model` requests.
    if (cache.size < 1_000) cache.set(endpoint, price)
    return price
  }
}

/** `tokens` at `price`, in pico-USD: uncached input, cache reads, cache writes and output apart. */
export const costOf = (price: TokenPrice, tokens: Tokens): number => {
  const uncached = Math.max(0, tokens.in - tokens.cached - tokens.written)
  return uncached * price.input + tokens.cached * price.cachedInput + tokens.written * price.cacheWrite + tokens.out * price.output
}

export const picoToUsd = (pico: number): number => pico / 1e12
