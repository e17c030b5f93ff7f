/**
 * What a scoped key says about itself: the JWT claims llmrouter mints and checks, the model scope
 * (patterns) and the small parsers the CLI needs (`30d`, `5`, `a,b`).
 */
import { Schema } from "effect"

/** Custom claims, under short names; the registered ones (`exp`, `iat`, `jti`, `iss`) are set by jose. */
export const KeyClaims = Schema.Struct({
  /** Allowed model patterns: exact names, `prefix*` (e.g. `openai:*`, `llmrouter/*`), or `*` for all. */
  models: Schema.Array(Schema.String),
  name: Schema.String,
  /** Money budget in micro-USD (x402 payments made for this key's requests). */
  budget_usd_micro: Schema.optional(Schema.Number),
  budget_tokens: Schema.optional(Schema.Number),
  rpm: Schema.optional(Schema.Number),
  /** An operator's key: also reaches the reports, the wallet and health details (`keygen --admin`). */
  admin: Schema.optional(Schema.Boolean)
})
export type KeyClaims = typeof KeyClaims.Type

/** A verified key, as enforcement sees it. Never holds the token. */
export interface KeyPrincipal {
  readonly jti: string
  readonly accountId: string
  readonly name: string
  readonly models: ReadonlyArray<string>
  /** Seconds since the epoch; undefined: never expires. */
  readonly expiresAt: number | undefined
  readonly budgetUsdMicro: number | undefined
  readonly budgetTokens: number | undefined
  readonly rpm: number | undefined
  /** Minted with the admin scope: may read `/stats`, `/metrics`, `/wallet`, the status page, `/health` details. */
  readonly admin: boolean
}

export const ALL_MODELS = "*"

export const modelInScope = (model: string, patterns: ReadonlyArray<string>) =>
  patterns.some((pattern) =>
    pattern === ALL_MODELS || pattern === model || (pattern.endsWith("*") && model.startsWith(pattern.slice(0, -1)))
  )

export const describeScope = (patterns: ReadonlyArray<string>) =>
  patterns.includes(ALL_MODELS) ? "all models" : patterns.length === 0 ? "no models" : patterns.join(", ")

const UNITS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800, y: 31_536_000 }

/** `30d`, `12h`, `90m`, `45s`, `2w`, `1y` → seconds; undefined when malformed. */
export const parseDuration = (text: string): number | undefined => {
  const match = /^(\d+)\s*([smhdwy])$/i.exec(text.trim())
  if (match === null) return undefined
  const seconds = Number(match[1]) * (UNITS[(match[2] ?? "").toLowerCase()] ?? Number.NaN)
  return Number.isSafeInteger(seconds) && seconds > 0 ? seconds : undefined
}

/** `5`, `0.25`, `$2` → micro-USD (rounded down, so a budget never grows); undefined when malformed. */
export const parseUsd = (text: string): number | undefined => {
  const match = /^\$?(\d+)(?:\.(\d{1,6}))?$/.exec(text.trim())
  if (match === null) return undefined
  const micro = Number(match[1]) * 1_000_000 + Number((match[2] ?? "").padEnd(6, "0"))
  return Number.isSafeInteger(micro) ? micro : undefined
}

export const formatUsd = (micro: number) => (micro / 1_000_000).toFixed(micro % 10_000 === 0 ? 2 : 6)

export const parseModels = (text: string) => text.split(",").map((m) => m.trim()).filter((m) => m !== "")
