/**
 * Each category's candidate chain: `config.categories[category]` when set, else a default built
 * from the providers whose keys were detected, in the order of `DEFAULT_PROVIDER_ORDER`.
 */
import type { Category, EndpointSpec, RouterConfig } from "../config/schema.js"
import type { ProviderStatus } from "./resolve.js"

/** Default models per built-in provider and category (every entry overridable with `categories`). */
export const DEFAULT_MODELS: Readonly<Record<string, Readonly<Record<Category, ReadonlyArray<string>>>>> = {
  openai: {
    simple: ["gpt-5-mini"],
    coding: ["gpt-5"],
    reasoning: ["gpt-5"],
    vision: ["gpt-5-mini"]
  },
  anthropic: {
    simple: ["claude-haiku-4-5"],
    coding: ["claude-sonnet-4-5"],
    reasoning: ["claude-opus-4-1"],
    vision: ["claude-sonnet-4-5"]
  },
  google: {
    simple: ["gemini-2.5-flash"],
    coding: ["gemini-2.5-pro"],
    reasoning: ["gemini-2.5-pro"],
    vision: ["gemini-2.5-flash"]
  },
  // Paid per request with x402 from the router's wallet; the published Rungate plugin's candidates.
  rungate: {
    simple: ["deepseek/deepseek-chat", "xiaomi/mimo-v2-flash", "minimax/minimax-m2.1"],
    coding: ["qwen/qwen3-coder-next", "deepseek/deepseek-v3.2", "openai/gpt-oss-120b", "moonshotai/kimi-k2.5"],
    reasoning: ["deepseek/deepseek-v3.2", "deepseek/deepseek-r1", "qwen/qwen3-235b-a22b-thinking-2507", "moonshotai/kimi-k2.5"],
    vision: ["qwen/qwen3-vl-235b-a22b-thinking"]
  },
  openrouter: {
    simple: ["deepseek/deepseek-chat"],
    coding: ["qwen/qwen3-coder"],
    reasoning: ["deepseek/deepseek-r1"],
    vision: ["qwen/qwen3-vl-235b-a22b-instruct"]
  }
}

export const DEFAULT_PROVIDER_ORDER: ReadonlyArray<string> = ["anthropic", "openai", "google", "openrouter"]

/** The default chains when no provider of `DEFAULT_PROVIDER_ORDER` has a key. */
export const KEYLESS_FALLBACK = "rungate"

export const categoryChain = (
  category: Category,
  config: RouterConfig,
  providers: ReadonlyMap<string, ProviderStatus>
): ReadonlyArray<EndpointSpec> => {
  const configured = config.categories[category]
  if (configured !== undefined) return configured
  // No API key detected at all: the keyless, wallet-paid Rungate.
  const keyed = DEFAULT_PROVIDER_ORDER.some((provider) => providers.get(provider)?.routable === true)
  const order = keyed ? DEFAULT_PROVIDER_ORDER : [KEYLESS_FALLBACK]
  return order.flatMap((provider) =>
    providers.get(provider)?.routable === true
      ? (DEFAULT_MODELS[provider]?.[category] ?? []).map((modelId) => ({ provider, modelId }))
      : []
  )
}
