/** `logLevel` from the config as Effect's minimum log level (applied to request and background fibers). */
import { LogLevel } from "effect"

export const toLogLevel = (level: string): LogLevel.LogLevel => {
  switch (level) {
    case "debug":
      return LogLevel.Debug
    case "warn":
      return LogLevel.Warning
    case "error":
      return LogLevel.Error
    case "none":
      return LogLevel.None
    default:
      return LogLevel.Info
  }
}
