/** The providers llmrouter knows without configuration. Config entries of the same name override fields. */
import type { ProviderKind } from "../config/schema.js"

export interface ProviderDefinition {
  readonly kind: ProviderKind
  readonly apiBase: string
  /** Environment variables checked, in order, for the API key. */
  readonly envKeys: ReadonlyArray<string>
}

export const builtinProviders: Readonly<Record<string, ProviderDefinition>> = {
  openai: { kind: "openai", apiBase: "https://api.openai.com/v1", envKeys: ["OPENAI_API_KEY"] },
  anthropic: { kind: "anthropic", apiBase: "https://api.anthropic.com", envKeys: ["ANTHROPIC_API_KEY"] },
  google: {
    kind: "google",
    apiBase: "https://generativelanguage.googleapis.com/v1beta",
    envKeys: ["GOOGLE_API_KEY", "GEMINI_API_KEY"]
  },
  openrouter: { kind: "openai", apiBase: "https://openrouter.ai/api/v1", envKeys: ["OPENROUTER_API_KEY"] }
}
