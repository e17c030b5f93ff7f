/**
 * The router's log output: Effect's logger replaced by readable text lines (default) or JSON lines
 * (`logFormat: "json"`, `--log-format json`), and the minimum level from `logLevel`. Provided once,
 * under every other layer (`layers.ts`), so request fibers and background work (stream ends,
 * health checks) log the same way. A log call's extra arguments that are plain objects become
 * fields (`key=value` in text, properties in JSON); nothing here adds request content.
 */
import { Cause, Effect, HashMap, Layer, List, Logger, type LogLevel } from "effect"
import { Config } from "./Config.js"
import { toLogLevel } from "./config/logLevel.js"
import { Secrets } from "./Secrets.js"

export type LogFormat = "text" | "json"

interface Parts {
  readonly text: string
  readonly fields: Record<string, unknown>
}

/** A log call's message (a string, or an array of strings and field objects) → text + fields. */
const split = (message: unknown, annotations: HashMap.HashMap<string, unknown>): Parts => {
  const texts: Array<string> = []
  const fields: Record<string, unknown> = {}
  for (const part of Array.isArray(message) ? message : [message]) {
    if (typeof part === "object" && part !== null && !(part instanceof Error)) Object.assign(fields, part)
    else if (part !== undefined) texts.push(part instanceof Error ? part.message : String(part))
  }
  for (const [key, value] of annotations) fields[key] = value
  return { text: texts.join(" "), fields }
}

const levelName = (level: LogLevel.LogLevel) => level.label.toLowerCase()

const textValue = (value: unknown): string => {
  if (value === null || value === undefined) return "-"
  if (typeof value === "string") return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value)
  return typeof value === "object" ? JSON.stringify(value) : String(value)
}

type Redact = (text: string) => string
const asIs: Redact = (text) => text

/** `2026-01-01T12:00:00.000Z INFO  routed llmrouter/auto → openai:gpt-4o model=… attempts=1 ms=842` */
export const textLogger = (redact: Redact = asIs) => Logger.make(({ annotations, cause, date, logLevel, message }) => {
  const { fields, text } = split(message, annotations)
  let line = `${date.toISOString()} ${logLevel.label.padEnd(5)} ${text}`
  for (const key in fields) line += ` ${key}=${textValue(fields[key])}`
  if (!Cause.isEmpty(cause)) line += `\n${Cause.pretty(cause, { renderErrorCause: true })}`
  globalThis.console.log(redact(line))
})

/** One JSON object per line: `time`, `level`, `msg`, then the fields (and `cause` on failures). */
export const jsonLogger = (redact: Redact = asIs) => Logger.make(({ annotations, cause, date, logLevel, message, spans }) => {
  const { fields, text } = split(message, annotations)
  const entry: Record<string, unknown> = { time: date.toISOString(), level: levelName(logLevel), msg: text, ...fields }
  if (!Cause.isEmpty(cause)) entry["cause"] = Cause.pretty(cause, { renderErrorCause: true })
  if (List.isCons(spans)) entry["spans"] = List.toArray(spans).map((span) => span.label)
  globalThis.console.log(redact(JSON.stringify(entry)))
})

/** The logger and minimum level, as a layer; every line passes through `redact` (the router's `Secrets`). */
export const layer = (format: LogFormat, level: string, redact: Redact = asIs) =>
  Layer.merge(
    Logger.replace(Logger.defaultLogger, format === "json" ? jsonLogger(redact) : textLogger(redact)),
    Logger.minimumLogLevel(toLogLevel(level))
  )

/** From `Config` (`logFormat`, `logLevel`), redacting with `Secrets`. */
export const fromConfig = Layer.unwrapEffect(
  Effect.map(Effect.all([Config, Secrets]), ([{ config }, secrets]) => layer(config.logFormat, config.logLevel, (text) => secrets.redact(text)))
)
