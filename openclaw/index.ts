/**
 * The OpenClaw plugin entry: llmrouter as the `llmrouter` provider, an in-process service, a model
 * hook, optional tools and `/wallet`. Thin by design: everything is in `./plugin.ts` and the
 * package's public entry (`src/index.ts`).
 */
import { definePluginEntry } from "openclaw/plugin-sdk/plugin-entry"
import { PLUGIN_ID, register } from "./plugin.js"

export default definePluginEntry({
  id: PLUGIN_ID,
  name: "llmrouter",
  description: "Local OpenAI-compatible LLM router: classifies each turn, routes it to the right upstream model, fails over, pays x402 once.",
  register
})
