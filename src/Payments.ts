/**
 * The `Payments` service: x402 on our own terms. `authorize` turns an upstream's 402 into a signed
 * payment header, or declines: not x402, refused by policy (scheme, network, asset, domain, caps,
 * validity, plain http), wallet or ledger unavailable. The payment is recorded in the ledger
 * (daily cap and idempotency window checked in the same transaction) BEFORE it is signed.
 * `record` stores the outcome. The single-retry discipline lives in `routing/payOnce.ts`.
 */
import { Clock, Context, Duration, Effect, Either, Layer, Schedule, Schema } from "effect"
import { Config } from "./Config.js"
import { PaymentFailed, type SignedPayment } from "./errors/payment.js"
import { buildAuthorization, paymentHeader, typedData } from "./payments/authorization.js"
import { parseChallenge } from "./payments/challenge.js"
import { type Ledger, makeLedger, type PaymentStatus, type UpstreamSpend } from "./payments/ledger.js"
import { atomicToMicroUsd, formatUnits, networkLabel, usdToAtomic, walletRpcUrl } from "./payments/networks.js"
import { type ReconcileDeps, reconcileOnce } from "./payments/reconcile.js"
import { selectRequirement } from "./payments/policy.js"
import type { ResolvedEndpoint } from "./providers/Adapter.js"
import { Store, type StoreUnavailable } from "./Store.js"
import { readAuthorizationState } from "./wallet/authorizations.js"
import { Wallet } from "./Wallet.js"

/** Why a 402 was not paid. `terminal` set: the request must stop here (no failover). */
export class PaymentDeclined extends Schema.TaggedError<PaymentDeclined>()("PaymentDeclined", {
  reason: Schema.String,
  terminal: Schema.optional(PaymentFailed)
}) {}

export class LedgerUnavailable extends Schema.TaggedError<LedgerUnavailable>()("LedgerUnavailable", {
  message: Schema.String
}) {}

/** The logical request a payment is for. */
export interface PaymentContext {
  readonly requestId: string
  readonly idempotencyKey: string | undefined
}

export interface AuthorizedPayment {
  /** The header for the paid retry (`payment-signature` or `x-payment`). */
  readonly header: { readonly name: string; readonly value: string }
  readonly signed: SignedPayment
  /** `0.001 USDC on Base to 0x…`, for messages. */
  readonly describe: string
  /** `0.001 USDC`. */
  readonly amountLabel: string
}

export interface PaymentOutcome {
  readonly status: Exclude<PaymentStatus, "pending" | "not_signed">
  readonly txHash?: string | undefined
  readonly detail?: string | undefined
}

export interface SpendReport {
  readonly last24hMicroUsd: bigint
  readonly dailyCapMicroUsd: bigint
  readonly byUpstream: ReadonlyArray<UpstreamSpend>
}

export interface PaymentsService {
  readonly enabled: boolean
  readonly authorize: (
    endpoint: ResolvedEndpoint,
    challenge: unknown,
    context: PaymentContext
  ) => Effect.Effect<AuthorizedPayment, PaymentDeclined>
  readonly record: (payment: AuthorizedPayment, outcome: PaymentOutcome) => Effect.Effect<void>
  readonly spend: Effect.Effect<SpendReport, LedgerUnavailable>
}

export class Payments extends Context.Tag("llmrouter/Payments")<Payments, PaymentsService>() {}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "::1"])

export const make = Effect.gen(function*() {
  const { config } = yield* Config
  const wallet = yield* Wallet
  const settings = config.payments
  const dailyCapMicroUsd = usdToAtomic(settings.maxDailyUsd, 6)
  const policy = {
    network: config.wallet.network,
    allow: settings.allow,
    maxPerPaymentUsd: settings.maxPerPaymentUsd,
    validForSeconds: settings.validForSeconds
  }

  // The ledger part is opened on first use: a router that never meets a 402 never creates it.
  const store = yield* Store
  const scope = yield* Effect.scope
  const withLedger = <A, E>(f: (ledger: Ledger) => Effect.Effect<A, E>) =>
    store.use("ledger", (sql) => f(makeLedger(sql, store.instance.id)))

  /**
   * An outcome is written at once when the store answers; otherwise in the background until it
   * does (the answer is not held for it). The row itself was written before signing: even if this
   * router stops first, the payment stays recorded (as `unknown`) and counted.
   */
  const finish = (id: number, status: Exclude<PaymentStatus, "pending">, outcome: { readonly txHash?: string | undefined; readonly detail?: string | undefined }) =>
    withLedger((ledger) => ledger.finish(id, status, outcome)).pipe(
      Effect.catchAll((first) =>
        Effect.logWarning(`x402: ledger #${id} (${status}) not recorded yet, retrying in the background: ${first.message}`).pipe(
          Effect.zipRight(withLedger((ledger) => ledger.finish(id, status, outcome)).pipe(
            Effect.retry(Schedule.spaced(Duration.seconds(2)).pipe(Schedule.upTo(Duration.hours(1)))),
            Effect.tapError((error) => Effect.logError(`x402: could not record the outcome of ledger #${id} (${status}): ${error.message}`)),
            Effect.ignore,
            Effect.forkIn(scope)
          )),
          Effect.asVoid
        )
      )
    )

  const ledgerUnavailable = (endpoint: ResolvedEndpoint, error: StoreUnavailable) =>
    new PaymentDeclined({
      reason: `the payment ledger cannot record the payment: ${error.message}`,
      terminal: new PaymentFailed({
        endpoint: endpoint.id,
        reason: "payment_ledger_unavailable",
        status: 503,
        message: `${endpoint.id} asks for an x402 payment, but the payment ledger is unavailable, so nothing was paid ` +
          `(a payment is recorded before it is signed): ${error.message}. Retry shortly.`
      })
    })

  const decline = (reason: string) => Effect.fail(new PaymentDeclined({ reason }))

  const authorize: PaymentsService["authorize"] = (endpoint, raw, context) =>
    Effect.gen(function*() {
      if (!settings.enabled) return yield* decline("payments are disabled (payments.enabled = false)")
      const challenge = parseChallenge(raw)
      if (Either.isLeft(challenge)) {
        return yield* decline(challenge.left._tag === "NotX402" ? `not an x402 challenge: ${challenge.left.detail}` : `malformed x402 challenge: ${challenge.left.detail}`)
      }
      if (!isSafeOrigin(endpoint.apiBase)) {
        return yield* decline(`refusing to pay over plain http to ${endpoint.apiBase} (the payee could be rewritten in transit)`)
      }
      const selected = selectRequirement(challenge.right, policy)
      if (Either.isLeft(selected)) {
        return yield* decline(`no acceptable payment requirement: ${selected.left.slice(0, 4).join("; ")}`)
      }
      const choice = selected.right
      const { address } = yield* Effect.mapError(wallet.info, (error) => new PaymentDeclined({ reason: `wallet unavailable: ${error.message}` }))
      const now = yield* Clock.currentTimeMillis
      const authorization = buildAuthorization(choice, address, Math.floor(now / 1000))
      const signed: Omit<SignedPayment, "ledgerId"> = {
        network: choice.asset.network,
        asset: choice.asset.asset,
        amount: choice.amount.toString(),
        payTo: authorization.to,
        payer: address,
        nonce: authorization.nonce
      }
      const reservation = yield* withLedger((ledger) =>
        ledger.reserve({
          requestId: context.requestId,
          idempotencyKey: context.idempotencyKey,
          endpoint: endpoint.id,
          upstream: endpoint.provider,
          network: signed.network,
          asset: signed.asset,
          symbol: choice.asset.symbol,
          amount: choice.amount,
          microUsd: atomicToMicroUsd(choice.amount, choice.asset.decimals),
          payTo: signed.payTo,
          payer: address,
          nonce: signed.nonce,
          validBefore: authorization.validBefore,
          x402Version: challenge.right.version
        }, { now, dailyCapMicroUsd, idempotencyWindowMs: settings.idempotencyWindowSeconds * 1000 })
      ).pipe(Effect.mapError((error) => ledgerUnavailable(endpoint, error)))
      switch (reservation._tag) {
        case "AlreadyPaid": {
          const previous = reservation.previous
          return yield* Effect.fail(new PaymentDeclined({
            reason: "idempotency key already paid",
            terminal: new PaymentFailed({
              endpoint: endpoint.id,
              reason: "idempotency_key_already_paid",
              status: 400,
              message: `A request with this Idempotency-Key was already paid at ${new Date(previous.createdAt).toISOString()} ` +
                `(${previous.endpoint}, ${previous.amount} atomic ${previous.symbol}, status ${previous.status}` +
                `${previous.txHash === null ? "" : `, tx ${previous.txHash}`}). llmrouter does not pay twice for one key: ` +
                `send a new Idempotency-Key to make a new, paid request.`
            })
          }))
        }
        case "DailyCapReached":
          return yield* decline(
            `the daily cap is reached: ${formatUnits(reservation.spentMicroUsd, 6)} USD signed in the last 24 h, ` +
              `cap ${formatUnits(reservation.capMicroUsd, 6)} USD (payments.maxDailyUsd)`
          )
        case "Reserved":
          break
      }
      const ledgerId = reservation.id
      const signature = yield* wallet.signTypedData(typedData(choice, authorization)).pipe(
        Effect.tapError(() => finish(ledgerId, "not_signed", { detail: "signing failed" })),
        Effect.mapError((error) => new PaymentDeclined({ reason: error.message }))
      )
      const amountLabel = `${formatUnits(choice.amount, choice.asset.decimals)} ${choice.asset.symbol}`
      const describe = `${amountLabel} on ${networkLabel(choice.asset.network)} to ${signed.payTo}`
      yield* Effect.logInfo(`x402: signed ${describe} for ${endpoint.id} (ledger #${ledgerId}, nonce ${signed.nonce})`)
      return {
        header: paymentHeader(challenge.right, choice, authorization, signature),
        signed: { ...signed, ledgerId },
        describe,
        amountLabel
      }
    })

  const record: PaymentsService["record"] = (payment, outcome) => finish(payment.signed.ledgerId, outcome.status, outcome)

  const spend = Effect.flatMap(Clock.currentTimeMillis, (now) =>
    withLedger((ledger) =>
      Effect.all({ last24hMicroUsd: ledger.spentSince(now - 24 * 60 * 60 * 1000), byUpstream: ledger.byUpstream(now) })
    ).pipe(
      Effect.map((report): SpendReport => ({ ...report, dailyCapMicroUsd })),
      Effect.mapError((error) => new LedgerUnavailable({ message: `the payment ledger cannot be read: ${error.message}` }))
    ))

  /**
   * Settles `unknown` payments from the chain (`payments/reconcile.ts`), in the background, for as
   * long as the router runs: first after a short delay (never during a CLI command), then every
   * `intervalSeconds`. A ledger that does not exist yet is not created.
   */
  const reconcileUnknown = (rpcUrl: string, intervalSeconds: number) => {
    const deps: ReconcileDeps = {
      unresolved: withLedger((ledger) => ledger.unresolved(config.wallet.network, 50)),
      read: (payment) => readAuthorizationState(rpcUrl, payment.asset, payment.payer, payment.nonce, config.wallet.balanceTimeoutMs),
      resolve: (id, resolved) => withLedger((ledger) => ledger.resolve(id, resolved.status, resolved.detail))
    }
    const pass = Effect.suspend(() => (store.exists("ledger") ? reconcileOnce(deps) : Effect.void)).pipe(Effect.catchAllCause((cause) => Effect.logWarning("x402: could not settle unknown payments this time", cause)))
    return pass.pipe(
      Effect.repeat(Schedule.spaced(Duration.seconds(intervalSeconds))),
      Effect.delay(Duration.seconds(Math.min(intervalSeconds, 30))),
      Effect.forkScoped
    )
  }

  const rpcUrl = walletRpcUrl(config.wallet)
  if (settings.enabled && settings.reconcileIntervalSeconds > 0 && rpcUrl !== undefined) {
    yield* reconcileUnknown(rpcUrl, settings.reconcileIntervalSeconds)
  }

  return Payments.of({ enabled: settings.enabled, authorize, record, spend })
})

/** https, or http to a loopback address (local test servers). */
const isSafeOrigin = (apiBase: string) => {
  try {
    const url = new URL(apiBase)
    return url.protocol === "https:" || (url.protocol === "http:" && LOOPBACK.has(url.hostname))
  } catch {
    return false
  }
}

export const layer = Layer.scoped(Payments, make)
