/**
 * The `Accounts` service: Ed25519 accounts and the scoped keys (JWTs) they sign, for sharing the
 * router without sharing provider keys or the wallet. Accounts live in `<dataDir>/accounts/`
 * (`accounts/store.ts`), keys' scope/budget/usage/revocation/rpm window in the `Store` (keys part:
 * `<dataDir>/keys.sqlite` or the shared Postgres, `accounts/keyStore.ts`). The server side —
 * `authenticate` a bearer JWT (`accounts/admission.ts`), `metered` to check scope, rpm and budgets
 * and to record usage (`accounts/metering.ts`) — is what the HTTP edge calls before routing; key
 * management (mint, list, show, revoke) is `accounts/management.ts`.
 * Private keys never leave this module as text: no method returns, logs or serialises one.
 */
import { Context, Effect, Layer } from "effect"
import { Config } from "./Config.js"
import { ConfigError } from "./config/errors.js"
import type { ChatRequest } from "./providers/Adapter.js"
import type { RouterResponse } from "./routing/response.js"
import { makeAdmission, type WithKeys } from "./accounts/admission.js"
import type { KeyPrincipal } from "./accounts/claims.js"
import type { AccountError, KeyRejected } from "./accounts/errors.js"
import { makeKeyStore } from "./accounts/keyStore.js"
import type { KeyView } from "./accounts/keyView.js"
import { accountOp, makeKeyManagement, type MintOptions } from "./accounts/management.js"
import { makeMetered } from "./accounts/metering.js"
import { makeUnwrittenUsage } from "./accounts/unwrittenUsage.js"
import { requireKeysFor } from "./accounts/requireKeys.js"
import { type AccountInfo, makeAccountStore } from "./accounts/store.js"
import * as StoreService from "./Store.js"
import { Store } from "./Store.js"

export { AccountError, KeyRejected } from "./accounts/errors.js"
export type { AccountInfo } from "./accounts/store.js"
export type { KeyPrincipal } from "./accounts/claims.js"
export type { KeyView } from "./accounts/keyView.js"
export type { MintOptions } from "./accounts/management.js"
export { CurrentKey } from "./accounts/metering.js"

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

export const make = Effect.gen(function*() {
  const { config, dataDir } = yield* Config
  const store = yield* Store
  const scope = yield* Effect.scope
  const accounts = makeAccountStore(dataDir)

  // The keys part is opened on first use: a router that never sees a scoped key never creates it.
  const withKeys: WithKeys = (f) => store.use("keys", (sql) => f(makeKeyStore(sql)))
  const usage = yield* makeUnwrittenUsage((batch) => withKeys((keys) => keys.addUsage(batch)), scope)
  yield* Effect.addFinalizer(() => Effect.ignore(usage.flush))

  const { authenticate, admit } = makeAdmission({ accounts, withKeys, unwritten: usage.unwritten })
  const keys = makeKeyManagement({ accounts, withKeys, flushUsage: Effect.ignore(usage.flush) })

  return Accounts.of({
    requireKeys: requireKeysFor(config),
    listAccounts: accountOp(() => accounts.list()),
    generateAccount: (options) => accountOp(() => accounts.generate(options)),
    useAccount: (ref) => accountOp(() => accounts.use(ref)),
    ...keys,
    authenticate,
    metered: makeMetered({ admit, record: usage.record })
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
