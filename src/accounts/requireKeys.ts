/** The LAN rule: keys are required when the config says so, and by default whenever `host` is not loopback. */
import type { RouterConfig } from "../config/schema.js"

export const isLoopbackHost = (host: string) => {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, "$1")
  return h === "localhost" || h === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h)
}

export const requireKeysFor = (config: Pick<RouterConfig, "host" | "requireKeys">) => config.requireKeys ?? !isLoopbackHost(config.host)
