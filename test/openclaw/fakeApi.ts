/** A fake OpenClaw plugin API: records what the plugin registers, with a capturing logger. */
import type {
  AgentTool, CommandDefinition, ModelResolveHandler, OpenClawConfig, PluginApi, PluginLogger, PluginService,
  ProviderPlugin, RegistrationMode, ServiceContext
} from "../../openclaw/sdk.js"

export interface Recorded {
  readonly api: PluginApi
  readonly providers: Array<ProviderPlugin>
  readonly services: Array<PluginService>
  readonly tools: Array<{ tool: AgentTool; optional: boolean }>
  readonly commands: Array<CommandDefinition>
  readonly hooks: Array<{ name: string; handler: ModelResolveHandler }>
  readonly logs: Array<{ level: string; message: string }>
  readonly logger: PluginLogger
}

export const makeLogger = (logs: Array<{ level: string; message: string }>): PluginLogger => ({
  debug: (message) => logs.push({ level: "debug", message }),
  info: (message) => logs.push({ level: "info", message }),
  warn: (message) => logs.push({ level: "warn", message }),
  error: (message) => logs.push({ level: "error", message })
})

export const fakeApi = (options: {
  readonly pluginConfig?: Record<string, unknown>
  readonly config?: OpenClawConfig
  readonly registrationMode?: RegistrationMode
} = {}): Recorded => {
  const logs: Array<{ level: string; message: string }> = []
  const logger = makeLogger(logs)
  const recorded: Omit<Recorded, "api"> = { providers: [], services: [], tools: [], commands: [], hooks: [], logs, logger }
  const api: PluginApi = {
    id: "llmrouter",
    registrationMode: options.registrationMode ?? "full",
    config: options.config ?? {},
    ...(options.pluginConfig === undefined ? {} : { pluginConfig: options.pluginConfig }),
    logger,
    registerProvider: (provider) => recorded.providers.push(provider),
    registerService: (service) => recorded.services.push(service),
    registerTool: (tool, opts) => recorded.tools.push({ tool, optional: opts?.optional === true }),
    registerCommand: (command) => recorded.commands.push(command),
    on: (name, handler) => recorded.hooks.push({ name, handler })
  }
  return { ...recorded, api }
}

export const serviceContext = (logger: PluginLogger, failures: Array<unknown> = []): ServiceContext => ({
  config: {},
  stateDir: "/nonexistent",
  logger,
  serviceHealth: { reportFailure: (error) => failures.push(error), clearFailure: () => failures.splice(0) }
})

export const allowHook = { plugins: { entries: { llmrouter: { hooks: { allowConversationAccess: true } } } } }
