/**
 * Every secret the configuration knows, as the exact strings to hide: provider keys (literal or
 * from the environment), endpoint keys, credential-looking provider headers, the credentials and
 * query values of every configured base URL, `accessKeys`, and the wallet key (environment or key
 * file). Also each secret's URL-encoded, JSON-escaped and Basic-auth forms, since an upstream that
 * echoes a request shows it the way it was sent.
 */
import { existsSync, readFileSync } from "node:fs"
import type { LoadedConfig } from "../config/load.js"
import { WALLET_KEY_ENV, walletKeyPath } from "../wallet/keyFile.js"

/** Shorter values would hide ordinary words; no real key is this short. */
export const MIN_SECRET_LENGTH = 6

/** Environment variables whose values are secrets by name. */
const SECRET_NAME = /KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL/i
/** Provider headers that carry credentials. */
const SECRET_HEADER = /authorization|key|token|secret|cookie|signature/i

/** Query parameters that carry credentials (`?key=`, `?token=`, `?sig=`, …), not `?api-version=`. */
const SECRET_PARAM = /key|token|secret|password|passwd|sig|auth|credential|code/i

const ENV_REFERENCE = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/

export const configuredSecrets = ({ config, dataDir, env }: Pick<LoadedConfig, "config" | "dataDir" | "env">): ReadonlyArray<string> => {
  const found: Array<string> = []
  const value = (text: string | undefined) => {
    if (text === undefined) return
    const reference = ENV_REFERENCE.exec(text)
    found.push(reference === null ? text : env[reference[1] ?? ""] ?? "")
  }
  const url = (text: string | undefined) => {
    if (text === undefined) return
    try {
      const parsed = new URL(text)
      const user = decodeURIComponent(parsed.username)
      const password = decodeURIComponent(parsed.password)
      if (password !== "") found.push(password, Buffer.from(`${user}:${password}`).toString("base64"))
      for (const [name, v] of parsed.searchParams) if (SECRET_PARAM.test(name)) found.push(v)
    } catch {
      // not a URL: nothing to take apart
    }
  }

  for (const [name, v] of Object.entries(env)) {
    if (SECRET_NAME.test(name)) found.push(v)
    if (/URL|BASE/i.test(name)) url(v)
  }
  for (const provider of Object.values(config.providers)) {
    value(provider.apiKey)
    url(provider.apiBase)
    for (const [name, v] of Object.entries(provider.headers ?? {})) {
      if (!SECRET_HEADER.test(name)) continue
      found.push(v, v.replace(/^\s*(?:Bearer|Basic|Token)\s+/i, ""))
    }
  }
  const endpoints = [...Object.values(config.models).flatMap((m) => m.endpoints), ...Object.values(config.categories).flatMap((c) => c ?? [])]
  for (const endpoint of endpoints) {
    value(endpoint.apiKey)
    url(endpoint.apiBase)
  }
  found.push(...config.accessKeys)
  if (config.store.kind === "postgres") {
    const reference = ENV_REFERENCE.exec(config.store.url)
    url(reference === null ? config.store.url : env[reference[1] ?? ""])
  }
  found.push(...walletKeys(env[WALLET_KEY_ENV], dataDir))
  return expand(found)
}

/** The wallet key as configured and as read from its file, with and without `0x`. */
const walletKeys = (fromEnv: string | undefined, dataDir: string): ReadonlyArray<string> => {
  const keys = [fromEnv?.trim() ?? ""]
  try {
    const file = walletKeyPath(dataDir)
    if (existsSync(file)) keys.push(readFileSync(file, "utf8").trim())
  } catch {
    // unreadable: the Wallet reports that; it registers its key when it loads one
  }
  return keys.flatMap((k) => (k.startsWith("0x") ? [k, k.slice(2)] : [k]))
}

/** Each secret in the forms it may come back in; too-short and duplicate values dropped. */
export const expand = (secrets: Iterable<string>): ReadonlyArray<string> => {
  const out = new Set<string>()
  for (const raw of secrets) {
    const secret = raw.trim()
    if (secret.length < MIN_SECRET_LENGTH) continue
    out.add(secret)
    out.add(encodeURIComponent(secret))
    out.add(JSON.stringify(secret).slice(1, -1))
  }
  return [...out]
}
