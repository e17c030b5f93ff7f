/**
 * Managing scoped keys (the CLI, the OpenClaw tools): mint one signed by the active account, list,
 * show and revoke them — found by jti, name or the token itself. The token is returned once, at
 * mint, and stored nowhere; views carry the key's usage, with this router's unwritten counts
 * flushed first.
 */
import { Clock, Effect } from "effect"
import { decodeJwt } from "jose"
import type { StoreUnavailable } from "../Store.js"
import type { WithKeys } from "./admission.js"
import { ALL_MODELS } from "./claims.js"
import { AccountError } from "./errors.js"
import type { KeyRecord, KeyStore } from "./keyStore.js"
import { type KeyView, keyView } from "./keyView.js"
import type { AccountStore } from "./store.js"
import { looksLikeJwt, mint, newJti } from "./tokens.js"

export interface MintOptions {
  /** Model patterns (`llmrouter/auto`, `fast`, `openai:*`); `["*"]` or `all: true` for every model. */
  readonly models?: ReadonlyArray<string> | undefined
  readonly all?: boolean | undefined
  /** Lifetime in seconds; undefined: never expires. */
  readonly expiresInSeconds?: number | undefined
  readonly budgetUsdMicro?: number | undefined
  readonly budgetTokens?: number | undefined
  readonly rpm?: number | undefined
  readonly name?: string | undefined
  /** The admin scope: the key also reaches `/stats`, `/metrics`, `/wallet`, the status page and `/health` details. */
  readonly admin?: boolean | undefined
}

/** An account file operation, its throw as an `AccountError`. */
export const accountOp = <A>(f: () => A) =>
  Effect.try({
    try: f,
    catch: (error) => error instanceof AccountError ? error : new AccountError({ message: (error as Error).message })
  })

export interface ManagementDeps {
  readonly accounts: AccountStore
  readonly withKeys: WithKeys
  /** Writes this router's unwritten usage, so a view is current (a failure leaves it counted). */
  readonly flushUsage: Effect.Effect<void>
}

export const makeKeyManagement = ({ accounts, withKeys, flushUsage }: ManagementDeps) => {
  const keysEffect = <A, E>(f: (keys: KeyStore) => Effect.Effect<A, E>) =>
    Effect.mapError(withKeys(f), (error) =>
      error instanceof AccountError ? error : new AccountError({ message: `keys store: ${(error as StoreUnavailable).message}` }))

  const findKey = (ref: string) =>
    keysEffect((keys) =>
      Effect.gen(function*() {
        const jti = looksLikeJwt(ref) ? (() => {
          try {
            return decodeJwt(ref).jti
          } catch {
            return undefined
          }
        })() : ref
        const byJti = jti === undefined ? undefined : yield* keys.get(jti)
        if (byJti !== undefined) return byJti
        const named = yield* keys.byName(ref)
        if (named.length === 1) return named[0] as KeyRecord
        if (named.length > 1) return yield* new AccountError({ message: `${named.length} keys are named '${ref}': use the jti (${named.map((k) => k.jti).join(", ")}).` })
        return yield* new AccountError({ message: `No key '${ref.length > 60 ? `${ref.slice(0, 12)}…` : ref}' (by jti or name). See \`llmrouter keys list\`.` })
      })
    )

  const mintKey = (options: MintOptions): Effect.Effect<{ readonly token: string; readonly key: KeyView }, AccountError> =>
    Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const models = options.all === true ? [ALL_MODELS] : [...(options.models ?? [])]
      const admin = options.admin === true
      // An admin key may be for the reports alone; a client key without models could do nothing.
      if (models.length === 0 && !admin) return yield* new AccountError({ message: "A key needs a scope: --models a,b (or --all for every model, or --admin for the reports)." })
      for (const [label, value] of [["rpm", options.rpm], ["budget tokens", options.budgetTokens], ["budget usd", options.budgetUsdMicro], ["expiry", options.expiresInSeconds]] as const) {
        if (value !== undefined && (!Number.isSafeInteger(value) || value <= 0)) return yield* new AccountError({ message: `The ${label} must be a positive whole number.` })
      }
      const jti = newJti()
      const name = options.name ?? `key-${jti.slice(4, 12)}`
      const account = yield* accountOp(() => accounts.active())
      if ((yield* keysEffect((keys) => keys.byName(name))).length > 0) {
        return yield* new AccountError({ message: `A key named '${name}' already exists; choose another --name.` })
      }
      const issuedAt = Math.floor(now / 1000)
      const expiresAt = options.expiresInSeconds === undefined ? undefined : issuedAt + options.expiresInSeconds
      const token = yield* mint({
        accountId: account.info.id,
        privateKey: account.privateKey,
        jti,
        issuedAt,
        expiresAt,
        claims: {
          models,
          name,
          ...(options.budgetUsdMicro === undefined ? {} : { budget_usd_micro: options.budgetUsdMicro }),
          ...(options.budgetTokens === undefined ? {} : { budget_tokens: options.budgetTokens }),
          ...(options.rpm === undefined ? {} : { rpm: options.rpm }),
          ...(admin ? { admin: true } : {})
        }
      })
      const record = {
        jti, name, accountId: account.info.id, createdAt: now, expiresAt: expiresAt ?? null, models,
        budgetUsdMicro: options.budgetUsdMicro ?? null, budgetTokens: options.budgetTokens ?? null, rpm: options.rpm ?? null, admin
      }
      yield* keysEffect((keys) => keys.insert(record))
      return { token, key: keyView({ ...record, revokedAt: null, requests: 0, tokens: 0, spentUsdMicro: 0, lastUsedAt: null }, now) }
    })

  const listKeys = Effect.flatMap(Clock.currentTimeMillis, (now) =>
    Effect.zipRight(flushUsage, keysEffect((keys) => Effect.map(keys.list, (rows) => rows.map((r) => keyView(r, now))))))

  const showKey = (ref: string) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => Effect.zipRight(flushUsage, Effect.map(findKey(ref), (key) => keyView(key, now))))

  const revokeKey = (ref: string) =>
    Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const key = yield* findKey(ref)
      yield* keysEffect((keys) => keys.revoke(key.jti, now, key))
      return keyView(yield* findKey(key.jti), now)
    })

  return { mintKey, listKeys, showKey, revokeKey }
}
