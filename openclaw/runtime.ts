/**
 * The router running inside the Gateway process: built from the package's public layers in a
 * `Scope`, closed (port freed) on stop. One per process: `register` runs many times, and OpenClaw
 * may load this module more than once, so the state lives on `globalThis`.
 */
import { Cause, Context, Effect, Exit, Layer, Scope } from "effect"
import { homedir } from "node:os"
import type { AccountsService, ProviderPoolService, ServerInfo } from "../src/index.js"
import { loadLib } from "./lib.js"
import type { PluginLogger } from "./sdk.js"
import type { PluginSettings } from "./settings.js"

export interface AutoPolicy {
  readonly minConfidence: number
  readonly fallbackCategory: "simple" | "coding" | "reasoning" | "vision"
}

export interface RunningRouter {
  readonly info: ServerInfo
  readonly pool: ProviderPoolService
  /** The router's accounts and scoped keys (what the key tools use while the router runs here). */
  readonly accounts: AccountsService
  /** `auto` in the effective config: the hook applies the same low-confidence fallback as the router. */
  readonly auto: AutoPolicy
  readonly close: () => Promise<void>
}

export interface ProcessState {
  running: RunningRouter | undefined
  starting: Promise<RunningRouter | undefined> | undefined
  /** Why the last start failed (port in use, bad config); cleared by a successful start. */
  failure: string | undefined
}

const STATE = Symbol.for("llmrouter.openclaw.process")

export const processState = (): ProcessState => {
  const holder = globalThis as { [STATE]?: ProcessState }
  holder[STATE] ??= { running: undefined, starting: undefined, failure: undefined }
  return holder[STATE]
}

/**
 * Starts the router unless it already runs in this process. Never throws: a failure (port in use,
 * invalid config) is logged in one clear line, kept in `failure`, and the provider stays disabled.
 */
export const startRouter = (
  settings: PluginSettings,
  accessKey: string,
  logger: PluginLogger,
  env: Readonly<Record<string, string | undefined>> = process.env
): Promise<RunningRouter | undefined> => {
  const state = processState()
  if (state.running !== undefined) return Promise.resolve(state.running)
  if (state.starting !== undefined) return state.starting
  const starting = build(settings, accessKey, env).then(
    (running) => {
      state.running = running
      state.failure = undefined
      logger.info(`llmrouter: listening on ${running.info.url} (OpenAI-compatible, ${routableCount(running.pool)} routable provider(s))`)
      return running
    },
    (error: unknown) => {
      state.failure = describeFailure(error, settings)
      logger.error(`llmrouter: ${state.failure}`)
      return undefined
    }
  ).finally(() => {
    state.starting = undefined
  })
  state.starting = starting
  return starting
}

export const stopRouter = async (logger: PluginLogger): Promise<void> => {
  const state = processState()
  const running = state.running ?? (await state.starting)
  state.running = undefined
  if (running === undefined) return
  await running.close()
  logger.info(`llmrouter: stopped, ${running.info.url} released`)
}

const build = async (
  settings: PluginSettings,
  accessKey: string,
  env: Readonly<Record<string, string | undefined>>
): Promise<RunningRouter> => {
  const { Accounts, fromLoaded, loadConfig, ProviderPool, Server } = await loadLib()
  const configuredKeys = Array.isArray(settings.router.accessKeys) ? settings.router.accessKeys : []
  const loaded = await Effect.runPromise(loadConfig({
    env,
    homeDir: env.HOME ?? homedir(),
    // The generated key (what OpenClaw sends), plus LLMROUTER_API_KEY for setups that pass one explicitly.
    // Keys are required even on loopback: no other local process or web page may use the router.
    overrides: {
      ...settings.router,
      accessKeys: [...configuredKeys, accessKey, ...nonEmpty(env.LLMROUTER_API_KEY)],
      requireKeys: true
    }
  }))
  const scope = Effect.runSync(Scope.make())
  const exit = await Effect.runPromiseExit(Layer.buildWithScope(fromLoaded(loaded), scope))
  if (Exit.isFailure(exit)) {
    await Effect.runPromise(Scope.close(scope, Exit.void))
    const reasons = [...Cause.failures(exit.cause), ...Cause.defects(exit.cause)]
    const code = reasons.map((reason) => errnoCode(reason, 4)).find((c) => c !== undefined)
    throw new StartFailure(code === undefined ? Cause.pretty(exit.cause) : `${code}: ${Cause.pretty(exit.cause)}`)
  }
  return {
    info: Context.get(exit.value, Server),
    pool: Context.get(exit.value, ProviderPool),
    accounts: Context.get(exit.value, Accounts),
    auto: loaded.config.auto,
    close: () => Effect.runPromise(Scope.close(scope, Exit.void))
  }
}

class StartFailure extends Error {}

/** The errno code (`EADDRINUSE`, ...) somewhere in an error's `cause` chain. */
const errnoCode = (value: unknown, depth: number): string | undefined => {
  if (depth < 0 || typeof value !== "object" || value === null) return undefined
  const record = value as { code?: unknown; cause?: unknown; error?: unknown }
  if (typeof record.code === "string" && /^E[A-Z]+$/.test(record.code)) return record.code
  return errnoCode(record.cause, depth - 1) ?? errnoCode(record.error, depth - 1)
}

const nonEmpty = (value: string | undefined) => (value === undefined || value.trim() === "" ? [] : [value.trim()])

const describeFailure = (error: unknown, settings: PluginSettings): string => {
  const text = error instanceof Error ? error.message : String(error)
  if (/EADDRINUSE|address already in use/i.test(text)) {
    return `port ${settings.port} on ${settings.host} is already in use, so the router did not start and the ` +
      `llmrouter provider is disabled. Stop the other process or set plugins.entries.llmrouter.config.port, then restart the Gateway.`
  }
  if (/EACCES/i.test(text)) {
    return `not allowed to listen on ${settings.host}:${settings.port}; the llmrouter provider is disabled.`
  }
  const firstLine = text.split("\n").find((line) => line.trim() !== "") ?? text
  return `the router did not start (${error instanceof StartFailure ? firstLine.trim() : text}); the llmrouter provider is disabled.`
}

const routableCount = (pool: ProviderPoolService) => pool.providers.filter((p) => p.routable).length
