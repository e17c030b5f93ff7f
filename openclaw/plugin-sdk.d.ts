/**
 * Compile-time stand-in for the one runtime import from OpenClaw (the host resolves it for the
 * plugins it loads). `npm run test:openclaw` compiles the entry against the real SDK instead.
 */
declare module "openclaw/plugin-sdk/plugin-entry" {
  import type { PluginApi } from "./sdk.js"
  /** Only so test/openclaw-e2e/conformance.ts type-checks here too; that file is meant for the real SDK. */
  export type OpenClawPluginApi = PluginApi
  export function definePluginEntry<T extends {
    readonly id: string
    readonly name: string
    readonly description: string
    readonly register: (api: PluginApi) => void
  }>(entry: T): T
}
