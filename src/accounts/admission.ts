/**
 * The server side of a scoped key: `authenticate` a bearer JWT (known account, signature, expiry,
 * revocation), then `admit` it for one request — scope, and in one store transaction revocation,
 * budgets (counting what this router has not written yet) and the rpm window. A store that cannot
 * be read refuses with 503 rather than letting an unchecked key through.
 */
import type { SqlError } from "@effect/sql/SqlError"
import { Clock, Effect } from "effect"
import type { KeyObject } from "node:crypto"
import type { StoreUnavailable } from "../Store.js"
import { describeScope, formatUsd, type KeyPrincipal, modelInScope } from "./claims.js"
import { KeyRejected } from "./errors.js"
import type { Admission, KeyStore, Usage } from "./keyStore.js"
import type { AccountStore } from "./store.js"
import { verify } from "./tokens.js"

/** Runs `f` on the keys part of the `Store` (opened on first use); database errors become `StoreUnavailable`. */
export type WithKeys = <A, E>(f: (keys: KeyStore) => Effect.Effect<A, E>) => Effect.Effect<A, Exclude<E, SqlError> | StoreUnavailable>

export interface AdmissionDeps {
  readonly accounts: AccountStore
  readonly withKeys: WithKeys
  /** What this router counted for a key and has not written to the store yet. */
  readonly unwritten: (jti: string) => Usage | undefined
}

export const makeAdmission = ({ accounts, withKeys, unwritten }: AdmissionDeps) => {
  const publicKeys = new Map<string, KeyObject>()
  /** Keys without limits already known to the store: admitted without a write. */
  const ensured = new Set<string>()

  const publicKeyOf = (accountId: string): KeyObject | undefined => {
    const cached = publicKeys.get(accountId)
    if (cached !== undefined) return cached
    // An account generated while the router runs is found on its first use.
    if (!accounts.ids().includes(accountId)) return undefined
    const key = accounts.load(accountId).publicKey
    publicKeys.set(accountId, key)
    return key
  }

  const unavailable = (error: StoreUnavailable) =>
    new KeyRejected({
      status: 503,
      code: "key_store_unavailable",
      message: `Access keys cannot be checked right now (${error.message}); retry shortly.`,
      retryAfterSeconds: 1
    })

  const authenticate = (token: string): Effect.Effect<KeyPrincipal, KeyRejected> =>
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

  /** Scope, then (in one store transaction) revocation, budgets and the rpm window; the admission time. */
  const admit = (key: KeyPrincipal, model: string): Effect.Effect<number, KeyRejected> =>
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
        limited ? keys.admit(key, now, unwritten(key.jti)) : Effect.as(keys.ensure(key, now), { _tag: "Admitted" } as const)
      ).pipe(Effect.mapError(unavailable))
      if (admission._tag !== "Admitted") return yield* refusal(key, admission)
      ensured.add(key.jti)
      return now
    })

  return { authenticate, admit }
}

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
