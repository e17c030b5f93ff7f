/**
 * Pay once, never twice. `payOnce` wraps one endpoint's attempt:
 *
 *   attempt ── PaymentRequired ──▶ Payments.authorize ──▶ the same attempt, once, with the payment header
 *                                    │ declined (not x402, policy, caps): the original PaymentRequired,
 *                                    │ so failover goes on as usual; nothing was signed
 *
 * Once an authorization is signed for a logical request (`PaymentSession`), nothing is retried or
 * failed over: every failure of the paid attempt becomes a terminal `PaymentFailed` (status 402,
 * which clients do not retry), and a further 402 in the same logical request is refused without
 * signing. `sealAfterPayment`, applied once around the whole request, converts anything else that
 * escapes after a signature (the total deadline, say) the same way. Each outcome goes to the ledger.
 */
import { Effect, Either } from "effect"
import { PaymentFailed, type PaymentFailure } from "../errors/payment.js"
import type { InvalidRequest } from "../errors/request.js"
import { PaymentRequired, type UpstreamError } from "../errors/upstream.js"
import type { AuthorizedPayment, PaymentContext, PaymentOutcome, PaymentsService } from "../Payments.js"
import { refusalReason, sanitize } from "../payments/challenge.js"
import { decodeReceipt, receiptFailure } from "../payments/receipt.js"
import type { ResolvedEndpoint } from "../providers/Adapter.js"
import type { Attempted } from "./attempt.js"

type CallError = UpstreamError | InvalidRequest

/** One per logical (client) request: whether a payment was signed for it. */
export interface PaymentSession {
  readonly context: PaymentContext
  /** Set when an authorization is signed; never unset. */
  signed: AuthorizedPayment | undefined
}

export const makePaymentSession = (idempotencyKey?: string): PaymentSession => {
  // Almost no request pays: its id is made the first time a payment asks for it.
  let requestId: string | undefined
  return {
    context: {
      get requestId() {
        return (requestId ??= crypto.randomUUID())
      },
      idempotencyKey
    },
    signed: undefined
  }
}

export const payOnce = <E extends CallError>(
  payments: PaymentsService,
  session: PaymentSession,
  endpoint: ResolvedEndpoint,
  attempt: (extraHeaders?: Readonly<Record<string, string>>) => Effect.Effect<Attempted, E>
): Effect.Effect<Attempted, E | PaymentRequired | PaymentFailed> =>
  Effect.catchIf(attempt(), (error): error is E & PaymentRequired => error._tag === "PaymentRequired", (required) => {
    if (session.signed !== undefined) {
      return Effect.fail(failure(endpoint, session.signed, "second_payment_refused",
        `${endpoint.id} asked for a payment, but this request already paid (${session.signed.describe}). ` +
          `llmrouter pays at most once per request; nothing more was signed.`))
    }
    return payments.authorize(endpoint, required.challenge, session.context).pipe(
      Effect.matchEffect({
        onFailure: (declined): Effect.Effect<never, PaymentRequired | PaymentFailed> =>
          declined.terminal !== undefined
            ? Effect.fail(declined.terminal)
            : Effect.fail(new PaymentRequired({
              endpoint: required.endpoint,
              challenge: required.challenge,
              message: `${required.message} (not paid: ${declined.reason})`
            })),
        onSuccess: (payment) => {
          session.signed = payment
          return paidAttempt(payments, payment, endpoint, attempt({ [payment.header.name]: payment.header.value }))
        }
      })
    )
  })

const paidAttempt = (
  payments: PaymentsService,
  payment: AuthorizedPayment,
  endpoint: ResolvedEndpoint,
  paid: Effect.Effect<Attempted, CallError>
): Effect.Effect<Attempted, PaymentFailed> =>
  paid.pipe(
    Effect.onInterrupt(() => payments.record(payment, { status: "unknown", detail: "interrupted while waiting for the paid answer" })),
    Effect.matchEffect({
      onSuccess: (attempted) => {
        const { headers, outcome } = settlement(attempted, payment)
        return Effect.as(payments.record(payment, outcome), { ...attempted, upstreamHeaders: { ...attempted.upstreamHeaders, ...headers } })
      },
      onFailure: (error) => {
        const { outcome, reason, message } = afterPaidFailure(error, payment, endpoint)
        return payments.record(payment, outcome).pipe(
          Effect.zipRight(Effect.logWarning(`x402: ${message}`)),
          Effect.zipRight(Effect.fail(failure(endpoint, payment, reason, message)))
        )
      }
    })
  )

/** The receipt of a paid answer → ledger outcome and response headers (only well-formed values). */
const settlement = (attempted: Attempted, payment: AuthorizedPayment) => {
  const receipt = decodeReceipt(attempted.paymentReceipt)
  const amount = { "x-llmrouter-payment-amount": payment.amountLabel }
  if (receipt === undefined) {
    return { outcome: { status: "answered", detail: "no settlement receipt" } satisfies PaymentOutcome, headers: { "x-llmrouter-payment": "answered", ...amount } }
  }
  if (Either.isLeft(receipt)) {
    return { outcome: { status: "answered", detail: receipt.left } satisfies PaymentOutcome, headers: { "x-llmrouter-payment": "answered", ...amount } }
  }
  const { errorReason, success, transaction } = receipt.right
  return {
    outcome: { status: success ? "settled" : "rejected", txHash: transaction, detail: errorReason } satisfies PaymentOutcome,
    headers: {
      "x-llmrouter-payment": success ? "settled" : "rejected",
      ...amount,
      ...(transaction === undefined ? {} : { "x-llmrouter-payment-tx": transaction })
    }
  }
}

const afterPaidFailure = (error: CallError, payment: AuthorizedPayment, endpoint: ResolvedEndpoint): {
  readonly outcome: PaymentOutcome
  readonly reason: PaymentFailure
  readonly message: string
} => {
  switch (error._tag) {
    case "PaymentRequired": {
      const why = refusalReason(error.challenge) ?? receiptFailure(error.challenge) ?? sanitize(error.message)
      return {
        outcome: { status: "rejected", detail: why },
        reason: "payment_rejected",
        message: `${endpoint.id} refused the payment of ${payment.describe}: ${why}. ` +
          `llmrouter pays at most once per request, so nothing more was signed.${ledgerNote(payment)}`
      }
    }
    case "Timeout":
    case "ConnectionFailed":
    case "StreamBroken":
    case "Unavailable":
      return {
        outcome: { status: "unknown", detail: sanitize(error.message) },
        reason: "payment_outcome_unknown",
        message: unknownOutcome(payment, endpoint, error.message)
      }
    default:
      return {
        outcome: { status: "rejected", detail: sanitize(error.message) },
        reason: "payment_upstream_error",
        message: `${endpoint.id} answered the paid request with an error: ${sanitize(error.message, 500)}. ` +
          `x402 upstreams do not settle failed requests; llmrouter does not retry or fail over after a payment.${ledgerNote(payment)}`
      }
  }
}

const unknownOutcome = (payment: AuthorizedPayment, endpoint: string | ResolvedEndpoint, what: string) =>
  `A payment of ${payment.describe} was signed and sent to ${typeof endpoint === "string" ? endpoint : endpoint.id}, ` +
  `but its answer was lost (${sanitize(what, 300)}). The payment may have settled. To never pay twice, llmrouter ` +
  `does not retry or fail over after a paid attempt: send the request again yourself if you want a new, paid answer.` +
  ledgerNote(payment)

const ledgerNote = (payment: AuthorizedPayment) =>
  ` (ledger #${payment.signed.ledgerId}; payer ${payment.signed.payer}, authorization nonce ${payment.signed.nonce}; see \`llmrouter spend\`)`

const failure = (endpoint: ResolvedEndpoint, payment: AuthorizedPayment, reason: PaymentFailure, message: string) =>
  new PaymentFailed({ endpoint: endpoint.id, reason, status: 402, message, payment: payment.signed })

/**
 * Around the whole logical request: after a signature, any error that is not already a
 * `PaymentFailed` (a deadline that interrupted the paid attempt, say) becomes one, so the client
 * gets a status it does not retry.
 */
export const sealAfterPayment = (session: PaymentSession) =>
<A, E extends { readonly _tag: string; readonly message: string }, R>(
  self: Effect.Effect<A, E, R>
): Effect.Effect<A, E | PaymentFailed, R> =>
  Effect.mapError(self, (error): E | PaymentFailed => {
    const payment = session.signed
    if (payment === undefined || error._tag === "PaymentFailed") return error
    const endpoint = "endpoint" in error && typeof error.endpoint === "string" ? error.endpoint : "the upstream"
    return new PaymentFailed({
      endpoint,
      reason: "payment_outcome_unknown",
      status: 402,
      message: unknownOutcome(payment, endpoint, error.message),
      payment: payment.signed
    })
  })
