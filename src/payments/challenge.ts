/**
 * Reading an x402 challenge out of an upstream 402, with Schema. v2 puts it in the
 * `PAYMENT-REQUIRED` header (base64 JSON); v1 in the JSON body. Anything else is not x402: the 402
 * stays an ordinary upstream error. The challenge is untrusted input: sizes are bounded, and each
 * requirement keeps its raw JSON so that v2 can echo it back exactly (`accepted`).
 */
import { Either, Schema } from "effect"
import { headerValue } from "../providers/httpErrors.js"

/** Largest `PAYMENT-REQUIRED` header or v1 body we are willing to decode. */
const MAX_CHALLENGE_CHARS = 64 * 1024
/** At most this many requirements are looked at. */
const MAX_REQUIREMENTS = 32

export type Headers = Readonly<Record<string, string | ReadonlyArray<string> | undefined>>

/** One element of `accepts[]`, normalised across v1 and v2. */
export interface Requirement {
  readonly index: number
  readonly scheme: string
  /** As written in the challenge: a CAIP-2 id (v2) or a v1 name (`base`). */
  readonly network: string
  /** Atomic units, as written (validated by the policy). */
  readonly amount: string
  readonly asset: string
  readonly payTo: string
  readonly maxTimeoutSeconds: number
  readonly extra: Readonly<Record<string, unknown>>
  /** The element exactly as received, echoed back in a v2 payload. */
  readonly raw: unknown
}

export interface Challenge {
  readonly version: 1 | 2
  /** The server's `error` text (a reason after a refused payment). */
  readonly error: string | undefined
  readonly resource: unknown
  readonly extensions: unknown
  readonly accepts: ReadonlyArray<Requirement>
  /** Elements of `accepts[]` that could not be read, with why. */
  readonly unreadable: ReadonlyArray<string>
}

export type ChallengeProblem =
  | { readonly _tag: "NotX402"; readonly detail: string }
  | { readonly _tag: "Malformed"; readonly detail: string }

const Extra = Schema.Record({ key: Schema.String, value: Schema.Unknown })

const RequirementV2 = Schema.Struct({
  scheme: Schema.String,
  network: Schema.String,
  amount: Schema.String,
  asset: Schema.String,
  payTo: Schema.String,
  maxTimeoutSeconds: Schema.Number,
  extra: Schema.optional(Extra)
})

const RequirementV1 = Schema.Struct({
  scheme: Schema.String,
  network: Schema.String,
  maxAmountRequired: Schema.String,
  asset: Schema.String,
  payTo: Schema.String,
  maxTimeoutSeconds: Schema.Number,
  extra: Schema.optional(Schema.NullOr(Extra))
})

const Envelope = Schema.Struct({
  x402Version: Schema.Literal(1, 2),
  error: Schema.optional(Schema.String),
  resource: Schema.optional(Schema.Unknown),
  extensions: Schema.optional(Schema.Unknown),
  accepts: Schema.Array(Schema.Unknown)
})

const decodeEnvelope = Schema.decodeUnknownEither(Envelope)
const decodeV2 = Schema.decodeUnknownEither(RequirementV2)
const decodeV1 = Schema.decodeUnknownEither(RequirementV1)

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

/** The raw challenge kept by `PaymentRequired` (`{headers, body}`), parsed. */
export const parseChallenge = (raw: unknown): Either.Either<Challenge, ChallengeProblem> => {
  const { body, headers } = rawParts(raw)
  const header = headerValue(headers, "payment-required")?.trim()
  if (header !== undefined && header !== "") return parseV2Header(header)
  return parseV1Body(body)
}

const rawParts = (raw: unknown): { headers: Headers; body: string } => {
  if (typeof raw !== "object" || raw === null) return { headers: {}, body: "" }
  const { body, headers } = raw as { headers?: unknown; body?: unknown }
  return {
    headers: typeof headers === "object" && headers !== null ? (headers as Headers) : {},
    body: typeof body === "string" ? body : ""
  }
}

const parseV2Header = (header: string): Either.Either<Challenge, ChallengeProblem> => {
  if (header.length > MAX_CHALLENGE_CHARS) return malformed(`PAYMENT-REQUIRED header over ${MAX_CHALLENGE_CHARS} characters`)
  if (!BASE64.test(header)) return malformed("PAYMENT-REQUIRED header is not base64")
  let json: unknown
  try {
    json = JSON.parse(Buffer.from(header, "base64").toString("utf8"))
  } catch {
    return malformed("PAYMENT-REQUIRED header is not base64 JSON")
  }
  return fromEnvelope(json, 2)
}

const parseV1Body = (body: string): Either.Either<Challenge, ChallengeProblem> => {
  if (body.length > MAX_CHALLENGE_CHARS) return Either.left({ _tag: "NotX402", detail: "no PAYMENT-REQUIRED header and a large body" })
  let json: unknown
  try {
    json = JSON.parse(body)
  } catch {
    return Either.left({ _tag: "NotX402", detail: "no PAYMENT-REQUIRED header and the body is not JSON" })
  }
  if (typeof json !== "object" || json === null || (json as { x402Version?: unknown }).x402Version !== 1) {
    return Either.left({ _tag: "NotX402", detail: "no PAYMENT-REQUIRED header and no x402 v1 body" })
  }
  return fromEnvelope(json, 1)
}

const fromEnvelope = (json: unknown, expected: 1 | 2): Either.Either<Challenge, ChallengeProblem> => {
  const envelope = decodeEnvelope(json)
  if (Either.isLeft(envelope)) return malformed(`not an x402 v${expected} challenge (missing x402Version or accepts)`)
  const { accepts, error, extensions, resource, x402Version } = envelope.right
  if (x402Version !== expected) return malformed(`x402Version ${x402Version} where v${expected} was expected`)
  if (accepts.length === 0) return malformed("accepts[] is empty")
  const requirements: Array<Requirement> = []
  const unreadable: Array<string> = []
  accepts.slice(0, MAX_REQUIREMENTS).forEach((element, index) => {
    const read = readRequirement(element, index, x402Version)
    if (typeof read === "string") unreadable.push(read)
    else requirements.push(read)
  })
  return Either.right({
    version: x402Version,
    error: error === undefined ? undefined : sanitize(error),
    resource,
    extensions,
    accepts: requirements,
    unreadable
  })
}

const readRequirement = (element: unknown, index: number, version: 1 | 2): Requirement | string => {
  if (version === 2) {
    const decoded = decodeV2(element)
    if (Either.isLeft(decoded)) return `accepts[${index}]: not a v2 payment requirement`
    const r = decoded.right
    return { index, scheme: r.scheme, network: r.network, amount: r.amount, asset: r.asset, payTo: r.payTo, maxTimeoutSeconds: r.maxTimeoutSeconds, extra: r.extra ?? {}, raw: element }
  }
  const decoded = decodeV1(element)
  if (Either.isLeft(decoded)) return `accepts[${index}]: not a v1 payment requirement`
  const r = decoded.right
  return { index, scheme: r.scheme, network: r.network, amount: r.maxAmountRequired, asset: r.asset, payTo: r.payTo, maxTimeoutSeconds: r.maxTimeoutSeconds, extra: r.extra ?? {}, raw: element }
}

const malformed = (detail: string): Either.Either<Challenge, ChallengeProblem> => Either.left({ _tag: "Malformed", detail })

/** Untrusted text for messages and logs: printable, single line, short. */
export const sanitize = (text: string, max = 200): string => {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, " ").trim()
  return clean.length > max ? `${clean.slice(0, max)}…` : clean
}

/** The server's reason after a refused payment: `PAYMENT-REQUIRED.error`, else the v1 body's `error`. */
export const refusalReason = (raw: unknown): string | undefined => {
  const parsed = parseChallenge(raw)
  return Either.isRight(parsed) ? parsed.right.error : undefined
}
