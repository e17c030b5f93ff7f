/**
 * The plugin's two files in the data dir, both 0600 and written atomically:
 * - `openclaw-access-key`: the local key the in-process router requires and OpenClaw sends, so
 *   no other local process or web page can spend the user's keys and wallet through the router;
 * - `.env`: provider API keys entered through `openclaw models auth login --provider llmrouter`.
 */
import { randomBytes } from "node:crypto"
import { chmodSync, linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from "node:fs"
import * as Path from "node:path"

export const ACCESS_KEY_FILE = "openclaw-access-key"

const isErrno = (error: unknown, code: string) =>
  typeof error === "object" && error !== null && (error as NodeJS.ErrnoException).code === code

/** Reads the access key, creating it on first use. Safe when several processes race. */
export const ensureAccessKey = (dataDir: string): string => {
  const file = Path.join(dataDir, ACCESS_KEY_FILE)
  const existing = readKey(file)
  if (existing !== undefined) return existing
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  const key = `llmr-local-${randomBytes(24).toString("base64url")}`
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`
  writeFileSync(tmp, `${key}\n`, { mode: 0o600, flag: "wx" })
  try {
    // `link` is atomic and fails when another process won the race: then its key is the one.
    linkSync(tmp, file)
    return key
  } catch (error) {
    if (!isErrno(error, "EEXIST")) throw error
    return readKey(file) ?? key
  } finally {
    unlinkSync(tmp)
  }
}

const readKey = (file: string): string | undefined => {
  try {
    const key = readFileSync(file, "utf8").trim()
    return key === "" ? undefined : key
  } catch (error) {
    if (isErrno(error, "ENOENT")) return undefined
    throw error
  }
}

/** Sets `KEY=value` lines in `<dataDir>/.env`, keeping the other lines; the file ends up 0600. */
export const writeEnvKeys = (dataDir: string, values: Readonly<Record<string, string>>): string => {
  const file = Path.join(dataDir, ".env")
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  let lines: Array<string> = []
  try {
    lines = readFileSync(file, "utf8").split(/\r?\n/)
  } catch (error) {
    if (!isErrno(error, "ENOENT")) throw error
  }
  const pending = new Map(Object.entries(values))
  const out = lines.map((line) => {
    const name = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line)?.[1]
    if (name === undefined || !pending.has(name)) return line
    const value = pending.get(name) ?? ""
    pending.delete(name)
    return `${name}=${quote(value)}`
  })
  while (out.length > 0 && out[out.length - 1] === "") out.pop()
  for (const [name, value] of pending) out.push(`${name}=${quote(value)}`)
  const tmp = `${file}.${process.pid}.tmp`
  writeFileSync(tmp, `${out.join("\n")}\n`, { mode: 0o600 })
  chmodSync(tmp, 0o600)
  renameSync(tmp, file)
  return file
}

const quote = (value: string) => (/^[A-Za-z0-9_\-.:/+=@]*$/.test(value) ? value : JSON.stringify(value))
