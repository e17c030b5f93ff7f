/**
 * Failures of accounts and scoped keys. `KeyRejected` is what a client sees (401 bad key, 403 out
 * of scope or budget spent, 429 over its rate), already in OpenAI's error vocabulary;
 * `AccountError` is what the CLI and the service API report (no file, ambiguous name, unsafe file).
 */
import { Schema } from "effect"

export class KeyRejected extends Schema.TaggedError<KeyRejected>()("KeyRejected", {
  status: Schema.Literal(401, 403, 429, 503),
  /** OpenAI-style `error.code`: `key_expired`, `model_not_in_scope`, `key_rate_limited`, … */
  code: Schema.String,
  message: Schema.String,
  retryAfterSeconds: Schema.optional(Schema.Number)
}) {
  get type() {
    return this.status === 401 ? "authentication_error" : this.status === 429 ? "rate_limit_error" : this.status === 503 ? "server_error" : "permission_error"
  }
}

export class AccountError extends Schema.TaggedError<AccountError>()("AccountError", {
  message: Schema.String
}) {}
