/**
 * The part of OpenClaw's plugin API this adapter uses, written as a structural subset of the
 * published `openclaw/plugin-sdk` types (openclaw@2026.9.6). `openclaw` cannot be a dependency of
 * this package (it refuses to install on Node < 24.16, and our CI runs Node 20), so the adapter
 * compiles against this file, and `npm run test:openclaw` checks that the real SDK types are
 * assignable to these (test/openclaw-e2e/conformance.ts): a rename or a narrowed type upstream
 * fails that check.
 *
 * Functions are declared as properties (not methods) so TypeScript compares their parameters
 * strictly: what we pass in must be acceptable to the real API.
 */

export interface PluginLogger {
  readonly debug?: (message: string) => void
  readonly info: (message: string) => void
  readonly warn: (message: string) => void
  readonly error: (message: string) => void
}

export type RegistrationMode = "full" | "discovery" | "tool-discovery" | "setup-only" | "setup-runtime" | "cli-metadata"

/** OpenClaw's whole configuration; we only read `plugins.entries.llmrouter`. */
export type OpenClawConfig = object

export interface ServiceContext {
  readonly config: OpenClawConfig
  readonly stateDir: string
  readonly logger: PluginLogger
  readonly serviceHealth?: {
    readonly reportFailure: (error: unknown) => void
    readonly clearFailure: () => void
  }
}

export interface PluginService {
  id: string
  start: (ctx: ServiceContext) => void | Promise<void>
  stop?: (ctx: ServiceContext) => void | Promise<void>
  reload?: { configPrefixes: ReadonlyArray<string> }
}

export interface ModelDefinition {
  id: string
  name: string
  reasoning: boolean
  input: Array<"text" | "image">
  cost: { input: number; output: number; cacheRead: number; cacheWrite: number }
  contextWindow: number
  maxTokens: number
  /** How OpenClaw shapes requests for this model (its `ModelCompatConfig`, the fields we set). */
  compat?: {
    supportsReasoningEffort?: boolean
    supportedReasoningEfforts?: Array<string>
    supportsUsageInStreaming?: boolean
  }
}

export interface ProviderConfig {
  baseUrl: string
  api: "openai-completions"
  apiKey?: string
  timeoutSeconds?: number
  models: Array<ModelDefinition>
}

export interface CatalogContext {
  readonly config: OpenClawConfig
  readonly env: NodeJS.ProcessEnv
}

export interface DynamicModelContext {
  readonly provider: string
  readonly modelId: string
}

export interface RuntimeModel extends ModelDefinition {
  provider: string
  api: "openai-completions"
  baseUrl: string
}

export interface TextPromptParams {
  message: string
  placeholder?: string
  sensitive?: boolean
  validate?: (value: string) => string | undefined
}

export interface Prompter {
  readonly note: (message: string, title?: string) => Promise<void>
  readonly text: (params: TextPromptParams) => Promise<string>
}

export interface AuthContext {
  readonly config: OpenClawConfig
  readonly env?: NodeJS.ProcessEnv
  readonly prompter: Prompter
}

export interface AuthResult {
  profiles: Array<{
    profileId: string
    credential: { type: "api_key"; provider: string; key: string }
  }>
  defaultModel?: string
  notes?: Array<string>
}

export interface AuthMethod {
  id: string
  label: string
  hint?: string
  kind: "api_key"
  run: (ctx: AuthContext) => Promise<AuthResult>
}

export interface ProviderPlugin {
  id: string
  label: string
  docsPath?: string
  envVars?: Array<string>
  auth: Array<AuthMethod>
  catalog?: { order?: "simple" | "profile" | "paired" | "late"; run: (ctx: CatalogContext) => Promise<{ provider: ProviderConfig } | null> }
  resolveDynamicModel?: (ctx: DynamicModelContext) => RuntimeModel | null | undefined
  /** The credential OpenClaw sends when no auth profile or env var holds one (checked at request time). */
  resolveSyntheticAuth?: (ctx: { readonly provider: string }) => SyntheticAuth | null | undefined
  /** Async twin, run before turns are handed to OpenClaw's workers (which only see prepared results). */
  prepareSyntheticAuth?: (ctx: { readonly provider: string; readonly signal?: AbortSignal }) => Promise<SyntheticAuth | null | undefined>
}

export interface SyntheticAuth {
  apiKey: string
  source: string
  mode: "api-key"
}

export interface ToolResult {
  content: Array<{ type: "text"; text: string }>
  details: unknown
}

/** The JSON-schema shapes our tools' parameters use (a subset of what OpenClaw accepts). */
export type ToolParameter =
  | { type: "string"; description: string; enum?: Array<string> }
  | { type: "integer" | "number"; description: string; minimum?: number; exclusiveMinimum?: number }
  | { type: "boolean"; description: string }
  | { type: "array"; description: string; items: { type: "string" }; minItems?: number }

export interface AgentTool {
  name: string
  label: string
  description: string
  parameters: {
    type: "object"
    properties: Record<string, ToolParameter>
    required?: Array<string>
    additionalProperties?: boolean
  }
  execute: (toolCallId: string, params: unknown, signal?: AbortSignal) => Promise<ToolResult>
}

export interface CommandContext {
  readonly args?: string
  readonly commandBody: string
  readonly channel: string
  readonly isAuthorizedSender: boolean
  readonly config: OpenClawConfig
}

export interface CommandDefinition {
  name: string
  description: string
  acceptsArgs?: boolean
  requireAuth?: boolean
  handler: (ctx: CommandContext) => Promise<{ text: string }>
}

export interface ModelResolveEvent {
  readonly prompt: string
  readonly attachments?: ReadonlyArray<{ readonly kind: string; readonly mimeType?: string }>
}

export interface HookAgentContext {
  readonly agentId?: string
  readonly sessionKey?: string
  readonly modelProviderId?: string
  readonly modelId?: string
  readonly trigger?: string
}

export interface ModelResolveResult {
  modelOverride?: string
  providerOverride?: string
}

export type ModelResolveHandler = (
  event: ModelResolveEvent,
  ctx: HookAgentContext
) => Promise<ModelResolveResult | void> | ModelResolveResult | void

/** `api` as handed to `register`. */
export interface PluginApi {
  readonly id: string
  readonly registrationMode: RegistrationMode
  readonly config: OpenClawConfig
  readonly pluginConfig?: Record<string, unknown>
  readonly logger: PluginLogger
  readonly registerProvider: (provider: ProviderPlugin) => void
  readonly registerService: (service: PluginService) => void
  readonly registerTool: (tool: AgentTool, opts?: { optional?: boolean }) => void
  readonly registerCommand: (command: CommandDefinition) => void
  readonly on: (hookName: "before_model_resolve", handler: ModelResolveHandler) => void
}
