/** Which adapter speaks each wire format. A kind missing here is reported as not routable. */
import type { ProviderKind } from "../config/schema.js"
import type { Adapter } from "./Adapter.js"
import { AnthropicAdapter } from "./anthropic.js"
import { GoogleAdapter } from "./google.js"
import { OpenAiAdapter } from "./openai.js"

export const adapters: Partial<Record<ProviderKind, Adapter>> = {
  openai: OpenAiAdapter,
  anthropic: AnthropicAdapter,
  google: GoogleAdapter
}
