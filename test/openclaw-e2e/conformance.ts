/**
 * Compiled by `npm run test:openclaw` against the real `openclaw` SDK types (tsconfig.json here):
 * the adapter's view of the plugin API (`openclaw/sdk.ts`) must be a subset of the real one, so
 * everything we register is accepted by the real API, and the entry must be a valid plugin entry.
 */
import type { definePluginEntry, OpenClawPluginApi } from "openclaw/plugin-sdk/plugin-entry"
import entry from "../../openclaw/index.js"
import type { PluginApi } from "../../openclaw/sdk.js"

export const apiConforms = (api: OpenClawPluginApi): PluginApi => api
export const entryConforms: ReturnType<typeof definePluginEntry> = entry
