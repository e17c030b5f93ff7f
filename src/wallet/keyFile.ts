/**
 * Where the wallet's private key comes from: `LLM_ROUTER_WALLET_KEY`, else `<dataDir>/wallet.key`,
 * else a fresh key saved there. The file is created 0600 in a 0700 directory by an atomic,
 * no-clobber write (temp file, fsync, hard link into place), and refused on load when group or
 * others may read it (the ssh rule). No message ever contains the key.
 */
import * as Path from "node:path"
import { randomBytes } from "node:crypto"
import type { Hex } from "viem"
import { createSecureFile, readSecureFile, SecureFileError } from "../files/secureFile.js"

export type KeySource = "env" | "file" | "generated"

export const WALLET_KEY_ENV = "LLM_ROUTER_WALLET_KEY"

export interface LoadedKey {
  readonly key: Hex
  readonly source: KeySource
  /** The key file, when the key came from (or was saved to) one. */
  readonly file: string | undefined
}

/** An unsafe, unreadable or malformed key file (the same class as the shared secure-file errors). */
export const KeyError = SecureFileError
export type KeyError = SecureFileError

export const walletKeyPath = (dataDir: string) => Path.join(dataDir, "wallet.key")

/** `0x` + 64 hex digits (the `0x` may be omitted); surrounding whitespace ignored. */
export const parsePrivateKey = (text: string, where: string): Hex => {
  const trimmed = text.trim()
  const hex = trimmed.startsWith("0x") || trimmed.startsWith("0X") ? trimmed.slice(2) : trimmed
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw new KeyError(`${where} does not hold a valid private key (expected 0x followed by 64 hex digits; got ${describeShape(trimmed)}).`)
  }
  if (!inCurveRange(hex)) {
    throw new KeyError(`${where} does not hold a valid private key (out of range for secp256k1).`)
  }
  return `0x${hex.toLowerCase()}`
}

/** secp256k1's order n: a private key must be in [1, n-1]. */
const CURVE_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n

const inCurveRange = (hex: string) => {
  const value = BigInt(`0x${hex}`)
  return value !== 0n && value < CURVE_ORDER
}

/**
 * A new key: 32 bytes from the OS's CSPRNG, drawn again in the (2^-128) case it falls outside
 * [1, n-1], so every valid key is equally likely. Without viem, which loads only with the wallet.
 */
const generatePrivateKey = (): Hex => {
  for (;;) {
    const hex = randomBytes(32).toString("hex")
    if (inCurveRange(hex)) return `0x${hex}`
  }
}

/** What was there instead, without any of its characters. */
const describeShape = (text: string) =>
  text === "" ? "an empty value" : `${text.length} characters${/^(0x)?[0-9a-fA-F]*$/i.test(text) ? "" : " including non-hex ones"}`

export const loadOrCreateKey = (env: Readonly<Record<string, string | undefined>>, dataDir: string): LoadedKey => {
  const fromEnv = env[WALLET_KEY_ENV]
  if (fromEnv !== undefined && fromEnv.trim() !== "") {
    return { key: parsePrivateKey(fromEnv, WALLET_KEY_ENV), source: "env", file: undefined }
  }
  const file = walletKeyPath(dataDir)
  const existing = readKeyFile(file)
  if (existing !== undefined) return { key: existing, source: "file", file }
  const created = createKeyFile(file)
  return created.existing ? { key: created.key, source: "file", file } : { key: created.key, source: "generated", file }
}

/** The key in `file`, undefined when there is no file. Throws `KeyError` for an unsafe or malformed file. */
export const readKeyFile = (file: string): Hex | undefined => {
  const text = readSecureFile(file, {
    label: "the wallet key file",
    advice: "(and move your funds to a new key if others may have copied it)"
  })
  return text === undefined ? undefined : parsePrivateKey(text, `The wallet key file ${file}`)
}

/** Writes a new key atomically; if another process created the file first, loads that one instead. */
const createKeyFile = (file: string): { readonly key: Hex; readonly existing: boolean } => {
  const key = generatePrivateKey()
  if (createSecureFile(file, `${key}\n`) === "created") return { key, existing: false }
  const other = readKeyFile(file)
  if (other === undefined) throw new KeyError(`Cannot create the wallet key file ${file}: it appeared and vanished meanwhile.`)
  return { key: other, existing: true }
}
