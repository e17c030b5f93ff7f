/** The providers llmrouter knows without configuration. Config entries of the same name override fields. */
import type { ProviderKind } from "../config/schema.js"

export interface ProviderDefinition {
  readonly kind: ProviderKind
  readonly apiBase: string
  /** Environment variables checked, in order, for the API key. */
  readonly envKeys: ReadonlyArray<string>
  /** Whether the provider continues an assistant prefill (see `ProviderSpec.continuation`). */
  readonly continuation: "prefill" | "restart"
  /** `false`: routable without a key (Rungate is paid per request with x402 from the wallet). */
  readonly requiresKey?: boolean
  /** An environment variable that overrides `apiBase` (below the config), and how to read it. */
  readonly apiBaseEnv?: { readonly variable: string; readonly toApiBase: (value: string) => string }
}

export const builtinProviders: Readonly<Record<string, ProviderDefinition>> = {
  openai: { kind: "openai", apiBase: "https://api.openai.com/v1", envKeys: ["OPENAI_API_KEY"], continuation: "restart" },
  anthropic: { kind: "anthropic", apiBase: "https://api.anthropic.com", envKeys: ["ANTHROPIC_API_KEY"], continuation: "prefill" },
  google: {
    kind: "google",
    apiBase: "https://generativelanguage.googleapis.com/v1beta",
    envKeys: ["GOOGLE_API_KEY", "GEMINI_API_KEY"],
    continuation: "restart"
  },
  openrouter: { kind: "openai", apiBase: "https://openrouter.ai/api/v1", envKeys: ["OPENROUTER_API_KEY"], continuation: "restart" },
  rungate: {
    kind: "openai",
    apiBase: "https://api.rungate.ai/v1",
    envKeys: [],
    continuation: "restart",
    requiresKey: false,
    // The published Rungate plugin's variable: a base URL whose path it replaces with /v1/chat/completions.
    apiBaseEnv: { variable: "INFERENCE_PROVIDER_BASE_URL", toApiBase: (value) => `${originOf(value)}/v1` }
  }
}

const originOf = (value: string) => {
  try {
    return new URL(value.trim()).origin
  } catch {
    return value.trim()
  }
}

/**
 * Custom providers: Anthropic's Messages API continues a trailing assistant message by contract.
 * OpenAI-compatible servers differ (some continue it, some start over, which would duplicate
 * text), so they restart unless the provider is configured with `continuation: "prefill"`.
 */
export const defaultContinuation = (kind: ProviderKind): "prefill" | "restart" => (kind === "anthropic" ? "prefill" : "restart")
