/**
 * Failures the router itself reports to a client: bad input, access refusals, unknown models and
 * the end of a failed chain. Each maps to one OpenAI-shaped error response (`src/http/errorResponse.ts`).
 */
import { Schema } from "effect"

/** Malformed JSON or a missing/invalid field. `param` names the field, as OpenAI does. */
export class InvalidRequest extends Schema.TaggedError<InvalidRequest>()("InvalidRequest", {
  message: Schema.String,
  param: Schema.optional(Schema.String),
  code: Schema.optional(Schema.String)
}) {}

/** A store the request depends on (e.g. stored Responses) cannot be reached right now: retry shortly. */
export class StateUnavailable extends Schema.TaggedError<StateUnavailable>()("StateUnavailable", {
  message: Schema.String,
  code: Schema.String
}) {}

export class PayloadTooLarge extends Schema.TaggedError<PayloadTooLarge>()("PayloadTooLarge", {
  limitBytes: Schema.Number
}) {
  override get message() {
    return `Request body exceeds the limit of ${this.limitBytes} bytes (maxBodyBytes).`
  }
}

/** Host/Origin refusal: the router only serves local, non-browser (or allow-listed) callers. */
export class Forbidden extends Schema.TaggedError<Forbidden>()("Forbidden", {
  message: Schema.String,
  code: Schema.String
}) {}

export class Unauthorized extends Schema.TaggedError<Unauthorized>()("Unauthorized", {
  message: Schema.String,
  /** A `WWW-Authenticate` challenge (pages a browser opens: the Basic prompt for the key). */
  challenge: Schema.optional(Schema.String)
}) {}

/** A POST whose body is not declared JSON: a browser form or "simple request" never reaches routing. */
export class UnsupportedMediaType extends Schema.TaggedError<UnsupportedMediaType>()("UnsupportedMediaType", {
  contentType: Schema.optional(Schema.String)
}) {
  override get message() {
    return `${this.contentType === undefined ? "A request body without a Content-Type" : `Content-Type '${this.contentType.slice(0, 100)}'`} ` +
      `is not accepted: send JSON with 'Content-Type: application/json'.`
  }
}

export class ModelNotFound extends Schema.TaggedError<ModelNotFound>()("ModelNotFound", {
  model: Schema.String,
  available: Schema.Array(Schema.String)
}) {
  override get message() {
    return `The model '${this.model}' does not exist. Available: ${this.available.join(", ")}` +
      ` (or any 'provider:model_id' for a configured provider).`
  }
}

/** The route exists but no endpoint of it can be tried (no key, unknown provider, no adapter). */
export class NoRoutableEndpoint extends Schema.TaggedError<NoRoutableEndpoint>()("NoRoutableEndpoint", {
  model: Schema.String,
  reasons: Schema.Array(Schema.String)
}) {
  override get message() {
    return `No routable endpoint for '${this.model}': ${this.reasons.join("; ")}`
  }
}

export type RequestError =
  | InvalidRequest
  | StateUnavailable
  | PayloadTooLarge
  | Forbidden
  | Unauthorized
  | UnsupportedMediaType
  | ModelNotFound
  | NoRoutableEndpoint
