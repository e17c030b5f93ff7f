/**
 * Two audiences: clients reach `/v1/*`; operators reach the reports (`/stats`, `/metrics`, the
 * status page), the wallet and `/health` details. `identify` says who is calling from the key it
 * presents; `admits` says whether that caller may reach a path.
 *
 * - No keys configured on loopback (`accessKeys` empty, `requireKeys` off): the caller is the
 *   machine's user, the operator, as before keys existed.
 * - `accessKeys` (config) are operator keys. A scoped key (`llmrouter keygen`) is a client key,
 *   unless minted with the admin scope (`--admin`).
 * - A key is read from `Authorization: Bearer`, `x-api-key` (Anthropic's SDKs) or the password of
 *   `Authorization: Basic` (a browser's prompt for the status page).
 * - Anything shaped like a JWT is verified as a scoped key or refused: never taken for no key.
 */
import { Effect } from "effect"
import { createHash, timingSafeEqual } from "node:crypto"
import type { AccountsService } from "../Accounts.js"
import type { KeyPrincipal } from "../accounts/claims.js"
import type { KeyRejected } from "../accounts/errors.js"
import { requireKeysFor } from "../accounts/requireKeys.js"
import { looksLikeJwt } from "../accounts/tokens.js"
import type { RouterConfig } from "../config/schema.js"
import { Forbidden, Unauthorized } from "../errors/request.js"

type Headers = Readonly<Record<string, string | undefined>>

export type Caller =
  /** No keys are configured and the router is on loopback: the machine's user. */
  | { readonly _tag: "Operator" }
  /** One of config `accessKeys`. */
  | { readonly _tag: "AccessKey" }
  | { readonly _tag: "ScopedKey"; readonly key: KeyPrincipal }
  /** Keys are required and none was presented. */
  | { readonly _tag: "Anonymous" }

export const isAdmin = (caller: Caller) =>
  caller._tag === "Operator" || caller._tag === "AccessKey" || (caller._tag === "ScopedKey" && caller.key.admin)

/** `public`: answered to anyone (its details only to admins); `admin`: operators only; `client`: any key. */
export type Audience = "public" | "admin" | "client"

const ADMIN_PATHS = new Set(["/stats", "/metrics", "/wallet", "/v1/wallet", "/", "/status"])
/** Pages a person opens in a browser: a refusal asks the browser for the key (Basic prompt). */
const PAGES = new Set(["/", "/status"])

export const audienceOf = (path: string): Audience => path === "/health" ? "public" : ADMIN_PATHS.has(path) ? "admin" : "client"

/** The key a request presents, wherever a client library puts it. */
export const presentedKey = (headers: Headers): string | undefined => {
  const authorization = headers.authorization?.trim() ?? ""
  const bearer = /^Bearer\s+(.+)$/i.exec(authorization)?.[1]?.trim()
  if (bearer !== undefined && bearer !== "") return bearer
  const apiKey = headers["x-api-key"]?.trim()
  if (apiKey !== undefined && apiKey !== "") return apiKey
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(authorization)?.[1]
  if (basic === undefined) return undefined
  const decoded = Buffer.from(basic, "base64").toString("utf8")
  const password = decoded.slice(decoded.indexOf(":") + 1)
  return password === "" ? undefined : password
}

export interface Access {
  readonly identify: (headers: Headers) => Effect.Effect<Caller, Unauthorized | KeyRejected>
  /** Fails when `caller` may not reach `path`. */
  readonly admit: (caller: Caller, path: string) => Effect.Effect<void, Unauthorized | Forbidden>
}

export const makeAccess = (config: RouterConfig, accounts: AccountsService | undefined): Access => {
  const keyDigests = config.accessKeys.map(digest)
  const open = keyDigests.length === 0 && !requireKeysFor(config)

  const isAccessKey = (token: string) => {
    const presented = digest(token)
    // Compare against every key so timing does not reveal which one (or whether any) matched.
    return keyDigests.reduce((ok, key) => timingSafeEqual(key, presented) || ok, false)
  }

  const identify: Access["identify"] = (headers) => {
    const token = presentedKey(headers)
    if (token !== undefined && isAccessKey(token)) return Effect.succeed({ _tag: "AccessKey" })
    if (token !== undefined && looksLikeJwt(token)) {
      return accounts === undefined
        ? Effect.fail(new Unauthorized({ message: "Invalid access key: scoped keys are not enabled on this router." }))
        : Effect.map(accounts.authenticate(token), (key): Caller => ({ _tag: "ScopedKey", key }))
    }
    // Open mode ignores a placeholder key (OpenAI's SDK insists on one).
    if (open) return Effect.succeed({ _tag: "Operator" })
    if (token === undefined) return Effect.succeed({ _tag: "Anonymous" })
    return Effect.fail(new Unauthorized({ message: "Invalid access key." }))
  }

  const missingKey = (path: string) =>
    new Unauthorized({
      message: `Missing access key: send 'Authorization: Bearer <key>' (${keyDigests.length > 0 ? "one of accessKeys, or " : ""}` +
        `a key from \`llmrouter keygen${audienceOf(path) === "admin" ? " --admin" : ""}\`).`,
      ...(PAGES.has(path) ? { challenge: "Basic realm=\"llmrouter\", charset=\"UTF-8\"" } : {})
    })

  const admit: Access["admit"] = (caller, path) => {
    const audience = audienceOf(path)
    if (audience === "public") return Effect.void
    if (caller._tag === "Anonymous") return Effect.fail(missingKey(path))
    if (audience === "admin" && !isAdmin(caller)) {
      return Effect.fail(new Forbidden({
        code: "admin_key_required",
        message: `${path} is for the router's operator: it needs an admin key (one of accessKeys, or \`llmrouter keygen --admin\`). ` +
          `This key reaches /v1/* only.`
      }))
    }
    return Effect.void
  }

  return { identify, admit }
}

const digest = (value: string) => createHash("sha256").update(value).digest()
