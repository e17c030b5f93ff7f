/**
 * A request that cannot go on because of a payment: once an authorization has been signed for a
 * logical request, every failure becomes this error. It is terminal (no retry, no failover) and is
 * answered with a status clients do not retry (402, or 400 for a reused idempotency key), because a
 * client's automatic retry would be a new request, and a new payment.
 */
import { Schema } from "effect"

export const PaymentFailure = Schema.Literal(
  /** The upstream answered the paid retry with another 402. */
  "payment_rejected",
  /** The paid request left, and its answer was lost: the payment may have settled. */
  "payment_outcome_unknown",
  /** The upstream answered the paid retry with an error. */
  "payment_upstream_error",
  /** The client's `Idempotency-Key` was already paid for. */
  "idempotency_key_already_paid",
  /** A second payment for one logical request was about to happen (refused by construction). */
  "second_payment_refused",
  /** The ledger (the store) cannot record a payment: nothing was signed, the request may be retried. */
  "payment_ledger_unavailable"
)
export type PaymentFailure = typeof PaymentFailure.Type

/** What was signed, for reconciliation on chain (never the signature itself). */
export const SignedPayment = Schema.Struct({
  ledgerId: Schema.Number,
  network: Schema.String,
  asset: Schema.String,
  amount: Schema.String,
  payTo: Schema.String,
  payer: Schema.String,
  nonce: Schema.String
})
export type SignedPayment = typeof SignedPayment.Type

export class PaymentFailed extends Schema.TaggedError<PaymentFailed>()("PaymentFailed", {
  /** `provider:modelId` of the endpoint that was paid (or asked for payment). */
  endpoint: Schema.String,
  message: Schema.String,
  reason: PaymentFailure,
  /**
   * The status for the client: 402, or 400 for a reused idempotency key, never a retryable one
   * once something was signed; 503 only when the ledger is unavailable and nothing was signed.
   */
  status: Schema.Literal(400, 402, 503),
  payment: Schema.optional(SignedPayment)
}) {}
