/**
 * Accounts on disk: one Ed25519 keypair per file, `<dataDir>/accounts/<id>.json` (0600, in a 0700
 * directory, written atomically, refused when group or others may read it), and the active
 * account's id in `<dataDir>/accounts/active`. The id is derived from the public key
 * (`acct_` + 16 hex digits of its SHA-256), so a token's `kid` names exactly one key.
 * Private keys are turned into `KeyObject`s here and never leave as text.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto"
import { readdirSync } from "node:fs"
import * as Path from "node:path"
import { createSecureFile, readSecureFile, replaceSecureFile, SecureFileError } from "../files/secureFile.js"
import { AccountError } from "./errors.js"

export interface AccountInfo {
  readonly id: string
  readonly name: string
  readonly createdAt: string
  /** The Ed25519 public key, base64url (the JWK `x`). Safe to share. */
  readonly publicKey: string
  readonly active: boolean
}

export interface LoadedAccount {
  readonly info: Omit<AccountInfo, "active">
  readonly publicKey: KeyObject
  readonly privateKey: KeyObject
}

export const accountsDir = (dataDir: string) => Path.join(dataDir, "accounts")
const activeFile = (dir: string) => Path.join(dir, "active")
const accountFile = (dir: string, id: string) => Path.join(dir, `${id}.json`)

const ID = /^acct_[0-9a-f]{16}$/
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

const wrap = <A>(f: () => A): A => {
  try {
    return f()
  } catch (error) {
    if (error instanceof AccountError) throw error
    if (error instanceof SecureFileError) throw new AccountError({ message: error.message })
    throw new AccountError({ message: `account storage failed: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` })
  }
}

const readAccount = (dir: string, id: string): LoadedAccount => {
  const file = accountFile(dir, id)
  const text = readSecureFile(file, { label: "the account key file", advice: "(and generate a new account if others may have copied it)" })
  if (text === undefined) throw new AccountError({ message: `No account '${id}' in ${dir}.` })
  let raw: Record<string, unknown>
  try {
    raw = JSON.parse(text) as Record<string, unknown>
  } catch {
    throw new AccountError({ message: `The account key file ${file} is not valid JSON.` })
  }
  const { name, createdAt, privateKey } = raw
  if (raw.id !== id || typeof name !== "string" || typeof createdAt !== "string" || typeof privateKey !== "string") {
    throw new AccountError({ message: `The account key file ${file} is malformed (expected id, name, createdAt, privateKey).` })
  }
  let secret: KeyObject
  try {
    secret = createPrivateKey({ key: privateKey, format: "pem" })
  } catch {
    throw new AccountError({ message: `The account key file ${file} does not hold a valid Ed25519 private key.` })
  }
  if (secret.asymmetricKeyType !== "ed25519") throw new AccountError({ message: `The account key file ${file} does not hold an Ed25519 key.` })
  const publicKey = createPublicKey(secret)
  if (idOf(publicKey) !== id) throw new AccountError({ message: `The account key file ${file} holds a key that does not match its id.` })
  return { info: { id, name, createdAt, publicKey: rawPublic(publicKey) }, publicKey, privateKey: secret }
}

const rawPublic = (key: KeyObject) => String(key.export({ format: "jwk" }).x)
const idOf = (key: KeyObject) => `acct_${createHash("sha256").update(rawPublic(key)).digest("hex").slice(0, 16)}`

export const makeAccountStore = (dataDir: string) => {
  const dir = accountsDir(dataDir)

  const ids = (): ReadonlyArray<string> => wrap(() => {
    try {
      return readdirSync(dir).filter((f) => f.endsWith(".json")).map((f) => f.slice(0, -5)).filter((id) => ID.test(id)).sort()
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return []
      throw error
    }
  })

  const activeId = (): string | undefined => wrap(() => {
    const text = readSecureFile(activeFile(dir), { label: "the active-account file" })?.trim()
    return text === undefined || text === "" ? undefined : text
  })

  const load = (id: string): LoadedAccount => wrap(() => readAccount(dir, id))

  const list = (): ReadonlyArray<AccountInfo> => {
    const active = activeId()
    return ids().map((id) => ({ ...load(id).info, active: id === active }))
  }

  /** By exact id, id prefix or name; an ambiguous or unknown reference is an error. */
  const find = (ref: string): LoadedAccount => {
    const all = ids().map(load)
    const matches = all.filter((a) => a.info.id === ref || a.info.name === ref)
    const byPrefix = matches.length > 0 ? matches : all.filter((a) => ref.length >= 6 && a.info.id.startsWith(ref))
    if (byPrefix.length === 1) return byPrefix[0] as LoadedAccount
    if (byPrefix.length === 0) {
      throw new AccountError({ message: `No account '${ref}'. Known: ${all.map((a) => `${a.info.name} (${a.info.id})`).join(", ") || "none (run `llmrouter account generate`)"}.` })
    }
    throw new AccountError({ message: `'${ref}' matches ${byPrefix.length} accounts; use the id.` })
  }

  const use = (ref: string): AccountInfo => {
    const account = find(ref)
    wrap(() => replaceSecureFile(activeFile(dir), `${account.info.id}\n`))
    return { ...account.info, active: true }
  }

  /** A new keypair; it becomes active when no account is active yet (or when `activate`). */
  const generate = (options: { readonly name?: string | undefined; readonly activate?: boolean | undefined } = {}): AccountInfo => {
    const existing = ids().map(load)
    const name = options.name ?? (existing.length === 0 ? "default" : `account-${existing.length + 1}`)
    if (!NAME.test(name)) throw new AccountError({ message: `Invalid account name '${name}': letters, digits, '.', '_' and '-' (up to 64).` })
    if (existing.some((a) => a.info.name === name)) throw new AccountError({ message: `An account named '${name}' already exists.` })
    const { privateKey, publicKey } = generateKeyPairSync("ed25519")
    const id = idOf(publicKey)
    const createdAt = new Date().toISOString()
    const body = JSON.stringify({ id, name, createdAt, privateKey: privateKey.export({ format: "pem", type: "pkcs8" }).toString() }, null, 2)
    wrap(() => {
      if (createSecureFile(accountFile(dir, id), `${body}\n`) === "exists") throw new AccountError({ message: `Account ${id} already exists.` })
    })
    const current = activeId()
    if (options.activate === true || current === undefined || !existing.some((a) => a.info.id === current)) {
      wrap(() => replaceSecureFile(activeFile(dir), `${id}\n`))
      return { id, name, createdAt, publicKey: rawPublic(publicKey), active: true }
    }
    return { id, name, createdAt, publicKey: rawPublic(publicKey), active: false }
  }

  /** The active account; an error that says what to run when there is none. */
  const active = (): LoadedAccount => {
    const id = activeId()
    if (id === undefined || !ID.test(id)) {
      throw new AccountError({ message: "No active account: run `llmrouter account generate` (or `llmrouter account use <name>`)." })
    }
    return load(id)
  }

  return { dir, ids, list, find, use, generate, active, load }
}

export type AccountStore = ReturnType<typeof makeAccountStore>
