/**
 * The settlement receipt an upstream returns after a paid request: v2 `PAYMENT-RESPONSE`, v1
 * `X-PAYMENT-RESPONSE`, base64 JSON `SettleResponse`. Untrusted and possibly kilobytes of raw RPC
 * text: the header is bounded, every field is checked, and text is sanitised before use.
 */
import { Either, Schema } from "effect"
import { headerValue } from "../providers/httpErrors.js"
import { type Headers, sanitize } from "./challenge.js"

const MAX_RECEIPT_CHARS = 32 * 1024

const SettleResponse = Schema.Struct({
  success: Schema.Boolean,
  transaction: Schema.optional(Schema.String),
  network: Schema.optional(Schema.String),
  payer: Schema.optional(Schema.String),
  amount: Schema.optional(Schema.String),
  errorReason: Schema.optional(Schema.String)
})
const decodeSettle = Schema.decodeUnknownEither(SettleResponse)

export interface Receipt {
  readonly success: boolean
  /** A 32-byte transaction hash, only when well-formed. */
  readonly transaction: string | undefined
  readonly network: string | undefined
  readonly errorReason: string | undefined
}

export const receiptHeader = (headers: Headers): string | undefined =>
  headerValue(headers, "payment-response") ?? headerValue(headers, "x-payment-response")

/** The settlement failure reason of a 402 that carries a receipt (settlement failed after the handler ran). */
export const receiptFailure = (raw: unknown): string | undefined => {
  const headers = typeof raw === "object" && raw !== null && "headers" in raw ? (raw as { headers: unknown }).headers : undefined
  if (typeof headers !== "object" || headers === null) return undefined
  const receipt = decodeReceipt(receiptHeader(headers as Headers))
  return receipt !== undefined && Either.isRight(receipt) && !receipt.right.success ? receipt.right.errorReason ?? "settlement failed" : undefined
}

/** Undefined when there is no receipt; `Left` with why when there is one we cannot read. */
export const decodeReceipt = (value: string | undefined): Either.Either<Receipt, string> | undefined => {
  if (value === undefined || value.trim() === "") return undefined
  if (value.length > MAX_RECEIPT_CHARS) return Either.left(`receipt header over ${MAX_RECEIPT_CHARS} characters`)
  let json: unknown
  try {
    json = JSON.parse(Buffer.from(value.trim(), "base64").toString("utf8"))
  } catch {
    return Either.left("receipt header is not base64 JSON")
  }
  const decoded = decodeSettle(json)
  if (Either.isLeft(decoded)) return Either.left("receipt is not a settlement response")
  const r = decoded.right
  return Either.right({
    success: r.success,
    transaction: r.transaction !== undefined && /^0x[0-9a-fA-F]{64}$/.test(r.transaction) ? r.transaction : undefined,
    network: r.network === undefined ? undefined : sanitize(r.network, 40),
    errorReason: r.errorReason === undefined ? undefined : sanitize(r.errorReason)
  })
}
