/**
 * The `Accounts` service: Ed25519 accounts and the scoped keys (JWTs) they sign, for sharing the
 * router without sharing provider keys or the wallet. Accounts live in `<dataDir>/accounts/`
 * (`accounts/store.ts`), keys' scope/budget/usage/revocation/rpm window in the `Store` (keys part:
 * `<dataDir>/keys.sqlite` or the shared Postgres, `accounts/keyStore.ts`). The server side — `authenticate` a bearer JWT, `metered` to check
 * scope, rpm and budgets and to record usage — is what `http/routes.ts` calls before routing.
 * Private keys never leave this module as text: no method returns, logs or serialises one.
 */
import { Clock, Context, Effect, FiberRef, Layer } from "effect"
import type { KeyObject } from "node:crypto"
import { decodeJwt } from "jose"
import { Config } from "./Config.js"
import { ConfigError } from "./config/errors.js"
import type { ChatRequest } from "./providers/Adapter.js"
import type { RouterResponse } from "./routing/response.js"
import { ALL_MODELS, describeScope, formatUsd, type KeyPrincipal, modelInScope } from "./accounts/claims.js"
import { AccountError, KeyRejected } from "./accounts/errors.js"
import { type Admission, type KeyRecord, type KeyStore, makeKeyStore } from "./accounts/keyStore.js"
import { makeUnwrittenUsage } from "./accounts/unwrittenUsage.js"
import { requireKeysFor } from "./accounts/requireKeys.js"
import { type AccountInfo, makeAccountStore } from "./accounts/store.js"
import { looksLikeJwt, mint, newJti, verify } from "./accounts/tokens.js"
import { CurrentUsageMeter, meterStream, tokensOfCompletion, type UsageMeter } from "./accounts/usage.js"
import * as StoreService from "./Store.js"
import { Store, type StoreUnavailable } from "./Store.js"

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
  /** Takes effect on the next request of every router sharing the store. */
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
  const { config } = yield* Config
  const store = yield* Store
  const scope = yield* Effect.scope
  const accounts = makeAccountStore(yield* Effect.map(Config, (c) => c.dataDir))
  const publicKeys = new Map<string, KeyObject>()

  // The keys part is opened on first use: a router that never sees a scoped key never creates it.
  const withKeys = <A, E>(f: (keys: KeyStore) => Effect.Effect<A, E>) => store.use("keys", (sql) => f(makeKeyStore(sql)))
  const usage = yield* makeUnwrittenUsage((batch) => withKeys((keys) => keys.addUsage(batch)), scope)
  yield* Effect.addFinalizer(() => Effect.ignore(usage.flush))
  const ensured = new Set<string>()

  const storeError = (error: StoreUnavailable) => new AccountError({ message: `keys store: ${error.message}` })
  const attempt = <A>(f: () => A) =>
    Effect.try({
      try: f,
      catch: (error) => error instanceof AccountError ? error : new AccountError({ message: (error as Error).message })
    })
  const keysEffect = <A, E>(f: (keys: KeyStore) => Effect.Effect<A, E>) =>
    Effect.mapError(withKeys(f), (error) => (error instanceof AccountError ? error : storeError(error as StoreUnavailable)))
  const unavailable = (error: StoreUnavailable) =>
    new KeyRejected({
      status: 503,
      code: "key_store_unavailable",
      message: `Access keys cannot be checked right now (${error.message}); retry shortly.`,
      retryAfterSeconds: 1
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
      // Read on every request (one indexed row): a revocation by any router or CLI sharing the
      // store takes effect on the next request everywhere.
      const revokedAt = yield* withKeys((keys) => keys.revokedAt(principal.jti)).pipe(Effect.mapError(unavailable))
      if (revokedAt != null) return yield* revoked(principal, revokedAt)
      return principal
    })

  const revoked = (key: KeyPrincipal, at: number) =>
    new KeyRejected({ status: 401, code: "key_revoked", message: `Access key '${key.name}' was revoked at ${new Date(at).toISOString()}.` })

  const refusal = (key: KeyPrincipal, admission: Exclude<Admission, { _tag: "Admitted" }>): KeyRejected => {
    switch (admission._tag) {
      case "Revoked":
        return revoked(key, admission.at)
      case "TokenBudgetUsed":
        return new KeyRejected({
          status: 403,
          code: "key_budget_exhausted",
          message: `Access key '${key.name}' has used its token budget (${admission.tokens} of ${key.budgetTokens} tokens).`
        })
      case "MoneyBudgetSpent":
        return new KeyRejected({
          status: 403,
          code: "key_budget_exhausted",
          message: `Access key '${key.name}' has spent its money budget (${formatUsd(admission.usdMicro)} of ${formatUsd(key.budgetUsdMicro ?? 0)} USD).`
        })
      case "RateLimited":
        return new KeyRejected({
          status: 429,
          code: "key_rate_limited",
          message: `Access key '${key.name}' is limited to ${key.rpm} requests per minute; retry in ${admission.retryAfterSeconds} s.`,
          retryAfterSeconds: admission.retryAfterSeconds
        })
    }
  }

  /** Scope, then (in one store transaction) revocation, budgets and the rpm window. */
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
      const limited = key.rpm !== undefined || key.budgetTokens !== undefined || key.budgetUsdMicro !== undefined
      if (!limited && ensured.has(key.jti)) return now
      const admission = yield* withKeys((keys) =>
        limited ? keys.admit(key, now, usage.unwritten(key.jti)) : Effect.as(keys.ensure(key, now), { _tag: "Admitted" } as const)
      ).pipe(Effect.mapError(unavailable))
      if (admission._tag !== "Admitted") return yield* refusal(key, admission)
      ensured.add(key.jti)
      return now
    })

  const metered: AccountsService["metered"] = (request, handle) =>
    Effect.flatMap(FiberRef.get(CurrentKey), (key) => {
      if (key === undefined) return handle
      return Effect.flatMap(admit(key, request.model), (startedAt) => {
        const meter: UsageMeter = { tokens: 0, usdMicro: 0 }
        // A store that is away must not fail an answer already given: the use stays counted here.
        const record = (tokens: number) =>
          usage.record(key.jti, {
            requests: 1,
            tokens: Math.max(0, Math.round(tokens)),
            usdMicro: Math.max(0, Math.ceil(meter.usdMicro)),
            lastUsedAt: startedAt
          })
        return Effect.locally(handle, CurrentUsageMeter, meter).pipe(
          Effect.tapErrorCause(() => record(0)),
          Effect.flatMap((response): Effect.Effect<RouterResponse> => {
            if (response.answer._tag === "Complete") return Effect.as(record(tokensOfCompletion(response.answer.bytes)), response)
            const prompt = Math.ceil(JSON.stringify(request.body.messages ?? "").length / 4)
            const onEnd = (tokens: number) => Effect.runFork(record(tokens))
            return Effect.succeed({ ...response, answer: { _tag: "Stream", stream: meterStream(response.answer.stream, prompt, onEnd) } })
          })
        )
      })
    })

  const listKeys = Effect.flatMap(Clock.currentTimeMillis, (now) =>
    Effect.zipRight(Effect.ignore(usage.flush), keysEffect((keys) => Effect.map(keys.list, (rows) => rows.map((r) => view(r, now))))))

  return Accounts.of({
    requireKeys: requireKeysFor(config),
    listAccounts: attempt(() => accounts.list()),
    generateAccount: (options) => attempt(() => accounts.generate(options)),
    useAccount: (ref) => attempt(() => accounts.use(ref)),
    mintKey,
    listKeys,
    showKey: (ref) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => Effect.zipRight(Effect.ignore(usage.flush), Effect.map(findKey(ref), (key) => view(key, now)))),
    revokeKey: (ref) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const key = yield* findKey(ref)
        yield* keysEffect((keys) => keys.revoke(key.jti, now, key))
        return view(yield* findKey(key.jti), now)
      }),
    authenticate,
    metered
  })
})

export const layer = Layer.scoped(Accounts, make)

/** `layer` with a `Store` of its own, for commands and tools outside a running router. */
export const standaloneLayer = layer.pipe(Layer.provide(StoreService.layer))

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
