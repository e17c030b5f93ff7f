/**
 * Files that hold secrets (the wallet key, account keys) and the small state next to them: created
 * 0600 in a 0700 directory by atomic writes (temp file, fsync, then a no-clobber hard link or a
 * rename into place, then the directory fsync'd), and refused on read when group or others may
 * read them, or when they are not regular files (the ssh rule). No message ever contains contents.
 */
import { chmodSync, closeSync, fsyncSync, linkSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from "node:fs"
import { randomBytes } from "node:crypto"
import * as Path from "node:path"

export class SecureFileError extends Error {}

export interface ReadOptions {
  /** How messages name the file: `the wallet key file`. */
  readonly label: string
  /** Appended to the loose-permissions message, e.g. what to do if the secret may have leaked. */
  readonly advice?: string
}

/** The file's text, undefined when there is no file. Throws `SecureFileError` for an unsafe or unreadable file. */
export const readSecureFile = (file: string, options: ReadOptions): string | undefined => {
  let stat
  try {
    stat = lstatSync(file)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined
    throw new SecureFileError(`Cannot read ${options.label} ${file}: ${(error as NodeJS.ErrnoException).code ?? "error"}.`)
  }
  if (stat.isSymbolicLink() || !stat.isFile()) {
    throw new SecureFileError(`Refusing to use ${options.label} ${file}: it is not a regular file.`)
  }
  if (process.platform !== "win32" && (stat.mode & 0o077) !== 0) {
    const mode = (stat.mode & 0o777).toString(8).padStart(3, "0")
    throw new SecureFileError(
      `Refusing to use ${options.label} ${file}: its permissions (${mode}) give group or other users access to it. ` +
        `Run \`chmod 600 ${file}\`${options.advice === undefined ? "" : ` ${options.advice}`}.`
    )
  }
  try {
    return readFileSync(file, "utf8")
  } catch (error) {
    throw new SecureFileError(`Cannot read ${options.label} ${file}: ${(error as NodeJS.ErrnoException).code ?? "error"}.`)
  }
}

/** A fsync'd 0600 temp file next to `file`, holding `contents`. */
const writeTemp = (file: string, contents: string) => {
  const dir = Path.dirname(file)
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const temp = Path.join(dir, `.${Path.basename(file)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`)
  const fd = openSync(temp, "wx", 0o600)
  try {
    writeSync(fd, contents)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  chmodSync(temp, 0o600)
  return temp
}

const removeQuietly = (path: string) => {
  try {
    unlinkSync(path)
  } catch {
    // already renamed into place
  }
}

/**
 * Creates `file` with `contents` atomically, never replacing an existing one: `"created"`, or
 * `"exists"` when another writer got there first (the file is left untouched).
 */
export const createSecureFile = (file: string, contents: string): "created" | "exists" => {
  const temp = writeTemp(file, contents)
  try {
    try {
      linkSync(temp, file) // no-clobber: fails with EEXIST if the file appeared meanwhile
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === "EEXIST") return "exists"
      if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EXDEV") throw error
      renameSync(temp, file) // filesystems without hard links
    }
  } finally {
    removeQuietly(temp)
  }
  syncDirectory(Path.dirname(file))
  return "created"
}

/** Writes `file` atomically (0600), replacing it if present: readers see the old or the new contents, never a mix. */
export const replaceSecureFile = (file: string, contents: string): void => {
  const temp = writeTemp(file, contents)
  try {
    renameSync(temp, file)
  } finally {
    removeQuietly(temp)
  }
  syncDirectory(Path.dirname(file))
}

export const syncDirectory = (dir: string) => {
  try {
    const fd = openSync(dir, "r")
    try {
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
  } catch {
    // not supported everywhere (e.g. Windows); the file itself was fsync'd
  }
}
