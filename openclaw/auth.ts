/**
 * `openclaw models auth login --provider llmrouter`: asks for the upstream providers' API keys and
 * writes them to the router's `<dataDir>/.env` (0600), then stores the local access key as
 * OpenClaw's credential for the `llmrouter` provider. Keys are never echoed or logged.
 */
import { ensureAccessKey, writeEnvKeys } from "./files.js"
import type { AuthMethod } from "./sdk.js"
import type { PluginSettings } from "./settings.js"

/** The built-in upstreams and the variable the router reads each key from. */
export const UPSTREAM_KEYS: ReadonlyArray<{ readonly label: string; readonly envVar: string; readonly placeholder: string }> = [
  { label: "OpenAI", envVar: "OPENAI_API_KEY", placeholder: "sk-..." },
  { label: "Anthropic", envVar: "ANTHROPIC_API_KEY", placeholder: "sk-ant-..." },
  { label: "Google Gemini", envVar: "GEMINI_API_KEY", placeholder: "AIza..." },
  { label: "OpenRouter", envVar: "OPENROUTER_API_KEY", placeholder: "sk-or-..." }
]

export const authMethod = (settings: PluginSettings): AuthMethod => ({
  id: "api-key",
  label: "Provider API keys",
  hint: "Store OpenAI / Anthropic / Gemini / OpenRouter keys for llmrouter (leave blank to skip)",
  kind: "api_key",
  run: async (ctx) => {
    await ctx.prompter.note(
      `llmrouter routes each turn to one of your upstream providers. Keys are saved to ${settings.dataDir}/.env ` +
        "(readable only by you). Leave a key blank to keep the current value or skip the provider.",
      "llmrouter"
    )
    const entered: Record<string, string> = {}
    for (const upstream of UPSTREAM_KEYS) {
      const value = (await ctx.prompter.text({
        message: `${upstream.label} API key (${upstream.envVar})`,
        placeholder: upstream.placeholder,
        sensitive: true
      })).trim()
      if (value !== "") entered[upstream.envVar] = value
    }
    const notes: Array<string> = []
    if (Object.keys(entered).length > 0) {
      const file = writeEnvKeys(settings.dataDir, entered)
      notes.push(`Saved ${Object.keys(entered).join(", ")} to ${file}. Restart the Gateway to route with them.`)
    } else {
      notes.push("No provider key entered; the router keeps using the keys it already has (environment or .env).")
    }
    return {
      profiles: [{
        profileId: "llmrouter:default",
        credential: { type: "api_key", provider: "llmrouter", key: ensureAccessKey(settings.dataDir) }
      }],
      defaultModel: "llmrouter/auto",
      notes
    }
  }
})
