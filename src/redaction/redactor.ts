/**
 * Hides secrets in text that leaves the process (responses, SSE error events, reports, logs): the
 * configured secrets exactly (`secrets.ts`), and by shape what the config cannot list — URL
 * credentials, secret-looking query parameters, bearer tokens, credential headers echoed back, and
 * anything shaped like a JWT (scoped keys).
 */
import { expand } from "./secrets.js"

export const REDACTED = "[redacted]"

const SHAPES: ReadonlyArray<readonly [RegExp, string]> = [
  // scheme://user:password@host
  [/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@"'<>\\]+@/gi, `$1${REDACTED}@`],
  // ?key=… &token=… (and the usual spellings of keys, tokens, signatures, passwords)
  [/([?&;](?:[a-z0-9_-]*(?:key|token|secret|password|passwd|signature|sig|auth|credential)[a-z0-9_-]*)=)[^&\s"'<>#\\]+/gi, `$1${REDACTED}`],
  // Authorization: Bearer … / Basic …
  [/\b(Bearer|Basic)(\s+)[A-Za-z0-9._~+/=-]{6,}/g, `$1$2${REDACTED}`],
  // "x-api-key": "…", x-goog-api-key=…, "authorization":"…" as an upstream echoes its headers
  [/((?:x-api-key|api-key|x-goog-api-key|authorization|proxy-authorization|cookie)["']?\s*[:=]\s*["']?)(?!Bearer\b|Basic\b)[^\s"',;}\\]{6,}/gi, `$1${REDACTED}`],
  // a JWT (compact JWS): header.payload.signature
  [/\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, REDACTED]
]

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

export class Redactor {
  private readonly secrets = new Set<string>()
  private exact: RegExp | undefined

  constructor(secrets: Iterable<string> = []) {
    this.add(...secrets)
  }

  /** Secrets learned at run time (a wallet key generated after start). */
  add(...secrets: ReadonlyArray<string>): void {
    const before = this.secrets.size
    for (const secret of expand(secrets)) this.secrets.add(secret)
    if (this.secrets.size === before) return
    // Longest first, so a secret containing another is hidden whole.
    const sorted = [...this.secrets].sort((a, b) => b.length - a.length).map(escape)
    this.exact = new RegExp(sorted.join("|"), "g")
  }

  redact(text: string): string {
    let out = this.exact === undefined ? text : text.replace(this.exact, REDACTED)
    for (const [shape, replacement] of SHAPES) out = out.replace(shape, replacement)
    return out
  }
}
