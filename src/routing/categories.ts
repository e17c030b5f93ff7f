/**
 * Each category's candidate chain: `config.categories[category]` when set, else a default built
 * from the providers whose keys were detected, in the order of `DEFAULT_PROVIDER_ORDER`.
 */
import type { Category, EndpointSpec, RouterConfig } from "../config/schema.js"
import type { ProviderStatus } from "../providers/resolve.js"

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
  openrouter: {
    simple: ["deepseek/deepseek-chat"],
    coding: ["qwen/qwen3-coder"],
    reasoning: ["deepseek/deepseek-r1"],
    vision: ["qwen/qwen3-vl-235b-a22b-instruct"]
  }
}

export const DEFAULT_PROVIDER_ORDER: ReadonlyArray<string> = ["anthropic", "openai", "google", "openrouter"]

export const categoryChain = (
  category: Category,
  config: RouterConfig,
  providers: ReadonlyMap<string, ProviderStatus>
): ReadonlyArray<EndpointSpec> => {
  const configured = config.categories[category]
  if (configured !== undefined) return configured
  return DEFAULT_PROVIDER_ORDER.flatMap((provider) =>
    providers.get(provider)?.routable === true
      ? (DEFAULT_MODELS[provider]?.[category] ?? []).map((modelId) => ({ provider, modelId }))
      : []
  )
}
