/**
 * Builds the effective configuration: schema defaults ← JSON file ← environment ← explicit
 * overrides (CLI flags, plugin config). Every failure is a `ConfigError` naming the file, the
 * variable or the field at fault.
 */
import { Effect, Either, Schema } from "effect"
import { readFile } from "node:fs/promises"
import * as Path from "node:path"
import { parseDotenv } from "./dotenv.js"
import { ConfigError, formatParseError } from "./errors.js"
import { withPaymentEnvAliases } from "./payments.js"
import { RouterConfig, type RouterConfigInput } from "./schema.js"

export interface ConfigSources {
  /** `--config PATH`: must exist. Without it `<dataDir>/config.json` is read when present. */
  readonly configPath?: string | undefined
  readonly env: Readonly<Record<string, string | undefined>>
  readonly homeDir: string
  readonly overrides?: Partial<RouterConfigInput> | undefined
}

export interface LoadedConfig {
  readonly config: RouterConfig
  readonly dataDir: string
  /** The process environment over `<dataDir>/.env`: where provider keys are looked up. */
  readonly env: Readonly<Record<string, string>>
  /** The config file that was read, if any. */
  readonly file: string | undefined
}

export const defaultDataDir = (homeDir: string) => Path.join(homeDir, ".openclaw", "llmrouter")

export const loadConfig = (sources: ConfigSources): Effect.Effect<LoadedConfig, ConfigError> =>
  Effect.gen(function*() {
    const env = sources.env
    const earlyDataDir = sources.overrides?.dataDir ?? env.LLMROUTER_DATA_DIR ?? defaultDataDir(sources.homeDir)
    const file = sources.configPath ?? Path.join(earlyDataDir, "config.json")
    const fromFile = yield* readJsonFile(file, sources.configPath !== undefined)
    const input: Record<string, unknown> = {
      ...envAliases(env),
      ...fromFile?.value,
      ...(yield* envOverrides(env)),
      ...definedOnly(sources.overrides ?? {})
    }
    const config = yield* decodeConfig(withPaymentEnvAliases(input, env), fromFile?.path ?? "configuration")
    const dataDir = config.dataDir ?? earlyDataDir
    const dotenv = yield* readDotenv(Path.join(dataDir, ".env"))
    return { config, dataDir, env: { ...dotenv, ...definedStrings(env) }, file: fromFile?.path }
  })

/** Decode a config value handed over in code (embedding, plugin): same schema, same messages. */
export const decodeConfig = (input: unknown, source = "configuration") =>
  Either.match(Schema.decodeUnknownEither(RouterConfig)(input, { errors: "all", onExcessProperty: "error" }), {
    onLeft: (error) => Effect.fail(formatParseError(source, error)),
    onRight: (config) => Effect.succeed(config)
  })

const readJsonFile = (path: string, required: boolean) =>
  Effect.tryPromise({
    try: () => readFile(path, "utf8"),
    catch: (error) => error as NodeJS.ErrnoException
  }).pipe(
    Effect.map((text): { path: string; value: Record<string, unknown> } | undefined => {
      const value: unknown = JSON.parse(text)
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        throw new ConfigError({ message: `Invalid configuration in ${path}: the file must hold a JSON object.` })
      }
      return { path, value: value as Record<string, unknown> }
    }),
    Effect.catchAllDefect((defect) =>
      Effect.fail(
        defect instanceof ConfigError
          ? defect
          : new ConfigError({ message: `Invalid JSON in ${path}: ${String((defect as Error).message ?? defect)}` })
      )
    ),
    Effect.catchIf(
      (error): error is NodeJS.ErrnoException => !(error instanceof ConfigError),
      (error) =>
        error.code === "ENOENT" && !required
          ? Effect.succeed(undefined)
          : Effect.fail(new ConfigError({ message: `Cannot read config file ${path}: ${error.code ?? error.message}` }))
    )
  )

const readDotenv = (path: string) =>
  Effect.tryPromise({ try: () => readFile(path, "utf8"), catch: (e) => e as NodeJS.ErrnoException }).pipe(
    Effect.map(parseDotenv),
    Effect.catchAll((error) =>
      error.code === "ENOENT"
        ? Effect.succeed({})
        : Effect.fail(new ConfigError({ message: `Cannot read ${path}: ${error.code ?? error.message}` }))
    )
  )

/** The published Rungate plugin's variables, honoured below everything of ours. */
const envAliases = (env: ConfigSources["env"]) =>
  definedOnly({
    host: env.LLM_ROUTER_HOST,
    port: env.LLM_ROUTER_PORT === undefined ? undefined : Number(env.LLM_ROUTER_PORT)
  })

const envOverrides = (env: ConfigSources["env"]) =>
  Effect.gen(function*() {
    const port = env.LLMROUTER_PORT
    if (port !== undefined && !/^\d+$/.test(port)) {
      return yield* new ConfigError({ message: `LLMROUTER_PORT: expected a port number, got ${JSON.stringify(port)}` })
    }
    return definedOnly({
      host: env.LLMROUTER_HOST,
      port: port === undefined ? undefined : Number(port),
      dataDir: env.LLMROUTER_DATA_DIR,
      logLevel: env.LLMROUTER_LOG_LEVEL,
      logFormat: env.LLMROUTER_LOG_FORMAT,
      accessKeys: env.LLMROUTER_ACCESS_KEYS?.split(",").map((k) => k.trim()).filter((k) => k !== "")
    })
  })

const definedOnly = <A extends Record<string, unknown>>(record: A): Partial<A> =>
  Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)) as Partial<A>

const definedStrings = (env: ConfigSources["env"]): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const [key, value] of Object.entries(env)) if (value !== undefined) out[key] = value
  return out
}
