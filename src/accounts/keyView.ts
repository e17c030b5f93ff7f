/** A key as shown to people and tools (`keys list`, `/stats`, the OpenClaw tools): never the token, never a private key. */
import { formatUsd } from "./claims.js"
import type { KeyRecord } from "./keyStore.js"

export interface KeyView {
  readonly jti: string
  readonly name: string
  readonly account: string
  readonly models: ReadonlyArray<string>
  /** An operator's key (reports, wallet, health details), besides its model scope. */
  readonly admin: boolean
  readonly status: "active" | "revoked" | "expired"
  readonly createdAt: string
  readonly expiresAt: string | null
  readonly revokedAt: string | null
  readonly rpm: number | null
  readonly budget: { readonly usd: string | null; readonly tokens: number | null }
  readonly usage: { readonly requests: number; readonly tokens: number; readonly spentUsd: string; readonly lastUsedAt: string | null }
  readonly remaining: { readonly usd: string | null; readonly tokens: number | null }
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

export const keyView = (r: KeyRecord, now: number): KeyView => ({
  jti: r.jti,
  name: r.name,
  account: r.accountId,
  models: r.models,
  admin: r.admin,
  status: r.revokedAt !== null ? "revoked" : r.expiresAt !== null && r.expiresAt * 1000 <= now ? "expired" : "active",
  createdAt: new Date(r.createdAt).toISOString(),
  expiresAt: r.expiresAt === null ? null : new Date(r.expiresAt * 1000).toISOString(),
  revokedAt: iso(r.revokedAt),
  rpm: r.rpm,
  budget: { usd: r.budgetUsdMicro === null ? null : formatUsd(r.budgetUsdMicro), tokens: r.budgetTokens },
  usage: { requests: r.requests, tokens: r.tokens, spentUsd: formatUsd(r.spentUsdMicro), lastUsedAt: iso(r.lastUsedAt) },
  remaining: {
    usd: r.budgetUsdMicro === null ? null : formatUsd(Math.max(0, r.budgetUsdMicro - r.spentUsdMicro)),
    tokens: r.budgetTokens === null ? null : Math.max(0, r.budgetTokens - r.tokens)
  }
})
