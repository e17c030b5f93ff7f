/**
 * "Local means local": the router spends the user's keys and wallet, so only local, non-browser
 * callers (or allow-listed origins and host names) may reach it. Checks, in order: the `Host`
 * header, parsed strictly (defeats DNS rebinding: `[::1]evil.example` is not `[::1]`), then the
 * browser's `Origin` / `Sec-Fetch-Site` (defeats cross-site requests). Who the caller is (keys)
 * is `access.ts`'s question.
 */
import { Effect } from "effect"
import { isIP } from "node:net"
import type { RouterConfig } from "../config/schema.js"
import { Forbidden } from "../errors/request.js"

type Headers = Readonly<Record<string, string | undefined>>

/** How many distinct `Host` values keep their verdict. */
const HOST_VERDICTS = 64

const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "::1"]
const WILDCARDS = ["0.0.0.0", "::", "[::]"]

export interface Guard {
  readonly check: (headers: Headers) => Effect.Effect<void, Forbidden>
  /** The origin to echo in CORS headers, when the request carries an allowed one. */
  readonly allowedOrigin: (headers: Headers) => string | undefined
}

export const makeGuard = (config: RouterConfig): Guard => {
  const wildcard = WILDCARDS.includes(config.host)
  const hosts = new Set([...LOOPBACK_NAMES, ...config.allowedHosts.map(normalizeHost), ...(wildcard ? [] : [normalizeHost(config.host)])])
  const origins = new Set(config.corsOrigins.map((origin) => origin.replace(/\/+$/, "").toLowerCase()))

  const hostAllowed = (host: string | undefined) => {
    if (host === undefined) return true // HTTP/1.0 without Host: no browser sends that
    const known = verdicts.get(host)
    if (known !== undefined) return known
    const name = hostName(host)
    const allowed = name !== undefined && (hosts.has(name) || (wildcard && isIP(name) !== 0))
    // Every request carries the same few Host values: the verdict is remembered (bounded: a client may send any).
    if (verdicts.size >= HOST_VERDICTS) verdicts.clear()
    verdicts.set(host, allowed)
    return allowed
  }
  const verdicts = new Map<string, boolean>()

  const allowedOrigin = (headers: Headers) => {
    const origin = headers.origin?.toLowerCase()
    return origin !== undefined && origins.has(origin) ? headers.origin : undefined
  }

  const check: Guard["check"] = (headers) => {
    if (!hostAllowed(headers.host)) {
      return Effect.fail(new Forbidden({
        code: "host_not_allowed",
        message: `Host '${printable(headers.host ?? "")}' is not allowed. llmrouter answers only to localhost and its listen address ` +
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
        message: `Browser requests${origin === undefined ? "" : ` from origin '${printable(origin)}'`} are refused: ` +
          `a web page must not spend your keys. Add the origin to "corsOrigins" to allow it.`
      }))
    }
    return Effect.void
  }

  return { check, allowedOrigin }
}

const normalizeHost = (host: string) => host.toLowerCase().replace(/^\[(.*)\]$/, "$1")

/** `[v6]` or `[v6]:port`: nothing may follow the bracket but a port. */
const BRACKETED = /^\[([0-9a-f:.]+)\](?::(\d{1,5}))?$/
/** A registered name or IPv4 address, optionally with a port (RFC 3986 reg-name, minus percent-encoding). */
const NAMED = /^([a-z0-9._~!$&'()*+,;=-]+)(?::(\d{1,5}))?$/

/**
 * `localhost:8787` → `localhost`; `[::1]:8787` → `::1`; anything else that is not one host and an
 * optional port (`[::1]evil.example`, `a b`, `a:b:c`, an unbracketed IPv6 address) → undefined.
 */
export const hostName = (host: string): string | undefined => {
  const value = host.trim().toLowerCase()
  const bracketed = BRACKETED.exec(value)
  if (bracketed !== null) return isIP(bracketed[1] ?? "") === 6 ? bracketed[1] : undefined
  return NAMED.exec(value)?.[1]
}

/** Header text echoed in a message: no control characters, bounded. */
const printable = (text: string) => text.replace(/[\u0000-\u001f\u007f]/g, "?").slice(0, 200)
