/**
 * The `Accounts` service: Ed25519 accounts and the scoped keys (JWTs) they sign, for sharing the
 * router without sharing provider keys or the wallet. Accounts live in `<dataDir>/accounts/`
 * (`accounts/store.ts`), keys' scope/budget/usage/revocation in `<dataDir>/keys.sqlite`
 * (`accounts/keyStore.ts`). The server side — `authenticate` a bearer JWT, `metered` to check
 * scope, rpm and budgets and to record usage — is what `http/routes.ts` calls before routing.
 * Private keys never leave this module as text: no method returns, logs or serialises one.
 */
import { Clock, Context, Effect, FiberRef, Layer } from "effect"
import type { KeyObject } from "node:crypto"
import { decodeJwt } from "jose"
import { Config } from "./Config.js"
import { ConfigError } from "./config/errors.js"
import type { ChatRequest } from "./providers/Adapter.js"
import type { RouterResponse } from "./Router.js"
import { ALL_MODELS, describeScope, formatUsd, type KeyPrincipal, modelInScope } from "./accounts/claims.js"
import { AccountError, KeyRejected } from "./accounts/errors.js"
import { KeyStore, keyStorePath, type KeyRecord } from "./accounts/keyStore.js"
import { makeRateLimiter } from "./accounts/rateLimit.js"
import { requireKeysFor } from "./accounts/requireKeys.js"
import { type AccountInfo, makeAccountStore } from "./accounts/store.js"
import { looksLikeJwt, mint, newJti, verify } from "./accounts/tokens.js"
import { CurrentUsageMeter, meterStream, tokensOfCompletion, type UsageMeter } from "./accounts/usage.js"

export { AccountError, KeyRejected } from "./accounts/errors.js"
export type { AccountInfo } from "./accounts/store.js"
export type { KeyPrincipal } from "./accounts/claims.js"

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

/** A key as shown to people and tools: never the token, never a private key. */
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

export interface AccountsService {
  /** Whether requests must carry a key (`requireKeys`, default: when `host` is not loopback). */
  readonly requireKeys: boolean
  readonly listAccounts: Effect.Effect<ReadonlyArray<AccountInfo>, AccountError>
  readonly generateAccount: (options?: { readonly name?: string | undefined }) => Effect.Effect<AccountInfo, AccountError>
  readonly useAccount: (ref: string) => Effect.Effect<AccountInfo, AccountError>
  /** Mints a key signed by the active account. The token is returned once and stored nowhere. */
  readonly mintKey: (options: MintOptions) => Effect.Effect<{ readonly token: string; readonly key: KeyView }, AccountError>
  readonly listKeys: Effect.Effect<ReadonlyArray<KeyView>, AccountError>
  /** By jti, name, or the token itself. */
  readonly showKey: (ref: string) => Effect.Effect<KeyView, AccountError>
  /** Takes effect on the next request of every router using this data dir. */
  readonly revokeKey: (ref: string) => Effect.Effect<KeyView, AccountError>
  /** Server: a bearer JWT → the key it proves (known account, signature, expiry, revocation). */
  readonly authenticate: (token: string) => Effect.Effect<KeyPrincipal, KeyRejected>
  /**
   * Server: runs `handle` for the key in `CurrentKey` (unchanged when there is none) after the
   * scope, rpm and budget checks, and records its tokens and x402 spend when the answer ends.
   */
  readonly metered: <E>(request: ChatRequest, handle: Effect.Effect<RouterResponse, E>) => Effect.Effect<RouterResponse, E | KeyRejected>
}

export class Accounts extends Context.Tag("llmrouter/Accounts")<Accounts, AccountsService>() {}

/** The verified key of the request being served (set by the HTTP layer). */
export const CurrentKey = FiberRef.unsafeMake<KeyPrincipal | undefined>(undefined)

/** A bearer token that is one of our JWTs (plain `accessKeys` are left to the guard). */
export const scopedToken = (headers: Readonly<Record<string, string | undefined>>): string | undefined => {
  const token = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? "")?.[1]?.trim()
  return token !== undefined && looksLikeJwt(token) ? token : undefined
}

export { isLoopbackHost, requireKeysFor } from "./accounts/requireKeys.js"

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

const view = (r: KeyRecord, now: number): KeyView => ({
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

export const make = Effect.gen(function*() {
  const { config, dataDir } = yield* Config
  const accounts = makeAccountStore(dataDir)
  const limiter = makeRateLimiter()
  const publicKeys = new Map<string, KeyObject>()

  // Opened on first use: a router that never sees a scoped key never touches keys.sqlite.
  let store: KeyStore | undefined
  yield* Effect.addFinalizer(() => Effect.sync(() => store?.close()))
  const keyStore = () => (store ??= KeyStore.open(keyStorePath(dataDir)))

  const attempt = <A>(f: () => A) =>
    Effect.try({
      try: f,
      catch: (error) => error instanceof AccountError ? error : new AccountError({ message: `keys store ${keyStorePath(dataDir)}: ${(error as Error).message}` })
    })

  const publicKeyOf = (accountId: string): KeyObject | undefined => {
    const cached = publicKeys.get(accountId)
    if (cached !== undefined) return cached
    // An account generated while the router runs is found on its first use.
    if (!accounts.ids().includes(accountId)) return undefined
    const key = accounts.load(accountId).publicKey
    publicKeys.set(accountId, key)
    return key
  }

  const findKey = (ref: string): KeyRecord => {
    const db = keyStore()
    const jti = looksLikeJwt(ref) ? (() => {
      try {
        return decodeJwt(ref).jti
      } catch {
        return undefined
      }
    })() : ref
    const byJti = jti === undefined ? undefined : db.get(jti)
    if (byJti !== undefined) return byJti
    const named = db.byName(ref)
    if (named.length === 1) return named[0] as KeyRecord
    if (named.length > 1) throw new AccountError({ message: `${named.length} keys are named '${ref}': use the jti (${named.map((k) => k.jti).join(", ")}).` })
    throw new AccountError({ message: `No key '${ref.length > 60 ? `${ref.slice(0, 12)}…` : ref}' (by jti or name). See \`llmrouter keys list\`.` })
  }

  const mintKey: AccountsService["mintKey"] = (options) =>
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
      const account = yield* attempt(() => accounts.active())
      if ((yield* attempt(() => keyStore().byName(name))).length > 0) {
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
      yield* attempt(() => keyStore().insert(record))
      return { token, key: view({ ...record, revokedAt: null, requests: 0, tokens: 0, spentUsdMicro: 0, lastUsedAt: null }, now) }
    })

  const authenticate: AccountsService["authenticate"] = (token) =>
    Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const lookup = (id: string) => {
        try {
          return publicKeyOf(id)
        } catch {
          return undefined // an unreadable account file: its keys cannot be verified
        }
      }
      const principal = yield* verify(token, lookup, now)
      const state = yield* Effect.try({
        try: () => keyStore().state(principal.jti),
        catch: () => new KeyRejected({ status: 401, code: "key_store_unavailable", message: "Access keys cannot be checked right now (the keys store is unavailable)." })
      })
      if (state?.revokedAt != null) {
        return yield* new KeyRejected({
          status: 401,
          code: "key_revoked",
          message: `Access key '${principal.name}' was revoked at ${new Date(state.revokedAt).toISOString()}.`
        })
      }
      return principal
    })

  const admit = (key: KeyPrincipal, model: string) =>
    Effect.gen(function*() {
      if (!modelInScope(model, key.models)) {
        return yield* new KeyRejected({
          status: 403,
          code: "model_not_in_scope",
          message: `Access key '${key.name}' may not use model '${model}': its scope is ${describeScope(key.models)}.`
        })
      }
      const now = yield* Clock.currentTimeMillis
      const db = yield* Effect.orDie(Effect.try(() => keyStore()))
      yield* Effect.orDie(Effect.try(() => db.ensure(key, now)))
      const state = db.state(key.jti) ?? { revokedAt: null, tokens: 0, spentUsdMicro: 0 }
      if (key.budgetTokens !== undefined && state.tokens >= key.budgetTokens) {
        return yield* new KeyRejected({
          status: 403,
          code: "key_budget_exhausted",
          message: `Access key '${key.name}' has used its token budget (${state.tokens} of ${key.budgetTokens} tokens).`
        })
      }
      if (key.budgetUsdMicro !== undefined && state.spentUsdMicro >= key.budgetUsdMicro) {
        return yield* new KeyRejected({
          status: 403,
          code: "key_budget_exhausted",
          message: `Access key '${key.name}' has spent its money budget (${formatUsd(state.spentUsdMicro)} of ${formatUsd(key.budgetUsdMicro)} USD).`
        })
      }
      if (key.rpm !== undefined) {
        const decision = limiter.admit(key.jti, key.rpm, now)
        if (!decision.ok) {
          return yield* new KeyRejected({
            status: 429,
            code: "key_rate_limited",
            message: `Access key '${key.name}' is limited to ${key.rpm} requests per minute; retry in ${decision.retryAfterSeconds} s.`,
            retryAfterSeconds: decision.retryAfterSeconds
          })
        }
      }
      db.recordStart(key.jti, now)
      return db
    })

  const metered: AccountsService["metered"] = (request, handle) =>
    Effect.flatMap(FiberRef.get(CurrentKey), (key) => {
      if (key === undefined) return handle
      return Effect.flatMap(admit(key, request.model), (db) => {
        const meter: UsageMeter = { tokens: 0, usdMicro: 0 }
        const record = (tokens: number) => {
          try {
            db.recordEnd(key.jti, tokens, meter.usdMicro)
          } catch {
            // a full or locked disk must not fail an answer already given; the next check reads what was stored
          }
        }
        return Effect.locally(handle, CurrentUsageMeter, meter).pipe(
          Effect.tapErrorCause(() => Effect.sync(() => record(0))),
          Effect.map((response): RouterResponse => {
            if (response.answer._tag === "Complete") {
              record(tokensOfCompletion(response.answer.bytes))
              return response
            }
            const prompt = Math.ceil(JSON.stringify(request.body.messages ?? "").length / 4)
            return { ...response, answer: { _tag: "Stream", stream: meterStream(response.answer.stream, prompt, record) } }
          })
        )
      })
    })

  const listKeys = Effect.flatMap(Clock.currentTimeMillis, (now) => attempt(() => keyStore().list().map((r) => view(r, now))))

  return Accounts.of({
    requireKeys: requireKeysFor(config),
    listAccounts: attempt(() => accounts.list()),
    generateAccount: (options) => attempt(() => accounts.generate(options)),
    useAccount: (ref) => attempt(() => accounts.use(ref)),
    mintKey,
    listKeys,
    showKey: (ref) => Effect.flatMap(Clock.currentTimeMillis, (now) => attempt(() => view(findKey(ref), now))),
    revokeKey: (ref) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        attempt(() => {
          const key = findKey(ref)
          keyStore().revoke(key.jti, now, key)
          return view(findKey(key.jti), now)
        })),
    authenticate,
    metered
  })
})

export const layer = Layer.scoped(Accounts, make)

/**
 * For the server: `layer`, refusing to start when keys are required (`requireKeys`, on by default
 * off loopback) but nothing could ever present one — no account and no `accessKeys`. Checked
 * before the server binds.
 */
export const serverLayer = Layer.scoped(
  Accounts,
  Effect.gen(function*() {
    const service = yield* make
    const { config, dataDir } = yield* Config
    if (!service.requireKeys) return service
    const accounts = yield* Effect.orElseSucceed(service.listAccounts, () => [])
    if (accounts.length === 0 && config.accessKeys.length === 0) {
      return yield* new ConfigError({
        message: `Refusing to serve on ${config.host} without keys: requireKeys is on` +
          `${config.requireKeys === undefined ? ` (the default when host is not a loopback address)` : ""}, ` +
          `but there is no account in ${dataDir}/accounts and no accessKeys. ` +
          `Run \`llmrouter account generate\` then \`llmrouter keygen --models llmrouter/auto\` and give clients that key ` +
          `(or set "accessKeys"; or listen on 127.0.0.1).`
      })
    }
    return service
  })
)
