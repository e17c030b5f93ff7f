/**
 * "Local means local": the router spends the user's keys and wallet, so only local, non-browser
 * callers (or allow-listed origins) may use it. Checks, in order: the `Host` header (defeats DNS
 * rebinding), the browser's `Origin` / `Sec-Fetch-Site` (defeats cross-site requests), and the
 * optional access keys (compared in constant time).
 */
import { Effect } from "effect"
import { createHash, timingSafeEqual } from "node:crypto"
import { isIP } from "node:net"
import type { RouterConfig } from "../config/schema.js"
import { Forbidden, Unauthorized } from "../errors/request.js"
import { requireKeysFor } from "../accounts/requireKeys.js"

type Headers = Readonly<Record<string, string | undefined>>

const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "::1"]
const WILDCARDS = ["0.0.0.0", "::", "[::]"]

export interface Guard {
  readonly check: (headers: Headers, options: { readonly requireKey: boolean }) => Effect.Effect<void, Forbidden | Unauthorized>
  /** The origin to echo in CORS headers, when the request carries an allowed one. */
  readonly allowedOrigin: (headers: Headers) => string | undefined
}

export const makeGuard = (config: RouterConfig): Guard => {
  const wildcard = WILDCARDS.includes(config.host)
  const hosts = new Set([...LOOPBACK_NAMES, ...config.allowedHosts.map(normalizeHost), ...(wildcard ? [] : [normalizeHost(config.host)])])
  const origins = new Set(config.corsOrigins.map((origin) => origin.replace(/\/+$/, "").toLowerCase()))
  const keyDigests = config.accessKeys.map(digest)
  /** `requireKeys` (default: off loopback): a request without any valid key is refused even when there are no accessKeys. */
  const keysRequired = requireKeysFor(config)

  const hostAllowed = (host: string | undefined) => {
    if (host === undefined) return true // HTTP/1.0 without Host: no browser sends that
    const name = hostName(host)
    return hosts.has(name) || (wildcard && isIP(name) !== 0)
  }

  const allowedOrigin = (headers: Headers) => {
    const origin = headers.origin?.toLowerCase()
    return origin !== undefined && origins.has(origin) ? headers.origin : undefined
  }

  const check: Guard["check"] = (headers, options) => {
    if (!hostAllowed(headers.host)) {
      return Effect.fail(new Forbidden({
        code: "host_not_allowed",
        message: `Host '${headers.host}' is not allowed. llmrouter answers only to localhost and its listen address ` +
          `(add the name to "allowedHosts" to accept it).`
      }))
    }
    const origin = headers.origin
    const crossSite = headers["sec-fetch-site"] === "cross-site" || headers["sec-fetch-site"] === "same-site"
    // The router's own pages (the status page) calling back to it: same origin, and the Host was checked above.
    const ownOrigin = !crossSite && origin !== undefined && headers.host !== undefined && origin.toLowerCase() === `http://${headers.host.toLowerCase()}`
    if ((origin !== undefined || crossSite) && !ownOrigin && allowedOrigin(headers) === undefined) {
      return Effect.fail(new Forbidden({
        code: "origin_not_allowed",
        message: `Browser requests${origin === undefined ? "" : ` from origin '${origin}'`} are refused: ` +
          `a web page must not spend your keys. Add the origin to "corsOrigins" to allow it.`
      }))
    }
    if (options.requireKey && (keyDigests.length > 0 || keysRequired)) {
      const token = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? "")?.[1]?.trim()
      const presented = token === undefined ? undefined : digest(token)
      // Compare against every key so timing does not reveal which one (or whether any) matched.
      const matched = keyDigests.reduce((ok, key) => (presented !== undefined && timingSafeEqual(key, presented)) || ok, false)
      if (!matched) {
        return Effect.fail(new Unauthorized({
          message: token === undefined
            ? `Missing access key: send 'Authorization: Bearer <key>' (${keyDigests.length > 0 ? "one of accessKeys, or " : ""}a key from \`llmrouter keygen\`).`
            : "Invalid access key."
        }))
      }
    }
    return Effect.void
  }

  return { check, allowedOrigin }
}

const digest = (value: string) => createHash("sha256").update(value).digest()

const normalizeHost = (host: string) => host.toLowerCase().replace(/^\[(.*)\]$/, "$1")

/** `localhost:8787` → `localhost`; `[::1]:8787` → `::1`. */
const hostName = (host: string) => {
  const trimmed = host.trim().toLowerCase()
  if (trimmed.startsWith("[")) return trimmed.slice(1, trimmed.indexOf("]"))
  const colon = trimmed.lastIndexOf(":")
  return colon > 0 && trimmed.indexOf(":") === colon ? trimmed.slice(0, colon) : trimmed
}
