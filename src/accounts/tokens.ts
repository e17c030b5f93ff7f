/**
 * Scoped keys as JWTs, with `jose`: EdDSA (Ed25519) signatures, `kid` = the signing account's id,
 * `iss` = `llmrouter`, a random `jti`, `iat`, optional `exp`, and the scope/budget claims of
 * `claims.ts`. Verification reports each failure distinctly (malformed, unknown account, bad
 * signature, expired) so the holder knows what to fix; it never echoes the token.
 */
import { Effect, Either, Schema } from "effect"
import { decodeProtectedHeader, errors, jwtVerify, SignJWT } from "jose"
import { randomBytes } from "node:crypto"
import type { KeyObject } from "node:crypto"
import { KeyClaims, type KeyPrincipal } from "./claims.js"
import { KeyRejected } from "./errors.js"

export const ISSUER = "llmrouter"

/** Three base64url segments, the last (the signature) possibly empty: an unsigned `alg: none` token too. */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/

/**
 * A bearer value shaped like a JWT (compact JWS), whatever its header says. Such a value is either
 * verified as one of our keys or refused: never taken for a keyless request.
 */
export const looksLikeJwt = (token: string) => JWT_SHAPE.test(token)

export const newJti = () => `key_${randomBytes(12).toString("base64url")}`

export interface MintInput {
  readonly accountId: string
  readonly privateKey: KeyObject
  readonly jti: string
  readonly claims: KeyClaims
  /** Seconds since the epoch. */
  readonly issuedAt: number
  readonly expiresAt: number | undefined
}

export const mint = (input: MintInput) =>
  Effect.promise(() => {
    const jwt = new SignJWT({ ...input.claims })
      .setProtectedHeader({ alg: "EdDSA", typ: "JWT", kid: input.accountId })
      .setIssuer(ISSUER)
      .setJti(input.jti)
      .setIssuedAt(input.issuedAt)
    return (input.expiresAt === undefined ? jwt : jwt.setExpirationTime(input.expiresAt)).sign(input.privateKey)
  })

const reject = (code: string, message: string) => new KeyRejected({ status: 401, code, message })

const decodeClaims = Schema.decodeUnknownEither(KeyClaims)

/**
 * Signature, issuer, expiry and claim shape. `publicKeyOf` returns the account's key, undefined
 * for an account this router does not know.
 */
export const verify = (token: string, publicKeyOf: (accountId: string) => KeyObject | undefined, now: number) =>
  Effect.gen(function*() {
    const header = yield* Effect.try({
      try: () => decodeProtectedHeader(token),
      catch: () => reject("invalid_api_key", "Invalid access key: not a well-formed llmrouter key.")
    })
    if (header.alg !== "EdDSA" || typeof header.kid !== "string") {
      return yield* reject("invalid_api_key", "Invalid access key: not an llmrouter key (expected an EdDSA JWT with a kid).")
    }
    const accountId = header.kid
    const publicKey = publicKeyOf(accountId)
    if (publicKey === undefined) {
      return yield* reject(
        "unknown_account",
        `Access key signed by account '${accountId.slice(0, 40)}', which this router does not know (a key from another account or another machine).`
      )
    }
    const verified = yield* Effect.tryPromise({
      try: () => jwtVerify(token, publicKey, { algorithms: ["EdDSA"], issuer: ISSUER, currentDate: new Date(now) }),
      catch: (error) => {
        if (error instanceof errors.JWTExpired) {
          const exp = typeof error.payload.exp === "number" ? ` at ${new Date(error.payload.exp * 1000).toISOString()}` : ""
          return reject("key_expired", `Access key expired${exp}: ask for a new one (\`llmrouter keygen\`).`)
        }
        if (error instanceof errors.JWSSignatureVerificationFailed) {
          return reject("invalid_signature", "Access key signature does not verify: the key was altered, or signed by another key than its account's.")
        }
        return reject("invalid_api_key", `Invalid access key: ${error instanceof errors.JOSEError ? error.code : "unreadable"}.`)
      }
    })
    const { payload } = verified
    const claims = decodeClaims(payload)
    if (Either.isLeft(claims) || typeof payload.jti !== "string") {
      return yield* reject("invalid_api_key", "Invalid access key: its claims are not llmrouter's (models, name, jti).")
    }
    const principal: KeyPrincipal = {
      jti: payload.jti,
      accountId,
      name: claims.right.name,
      models: claims.right.models,
      expiresAt: payload.exp,
      budgetUsdMicro: claims.right.budget_usd_micro,
      budgetTokens: claims.right.budget_tokens,
      rpm: claims.right.rpm,
      admin: claims.right.admin === true
    }
    return principal
  })
