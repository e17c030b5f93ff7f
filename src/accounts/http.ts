/** A refused scoped key as an OpenAI-shaped error response (401 / 403 / 429 with `Retry-After`). */
import { openAiError } from "../http/errorResponse.js"
import type { KeyRejected } from "./errors.js"

export const keyRejectedResponse = (error: KeyRejected) =>
  openAiError(
    error.status,
    { message: error.message, type: error.type, code: error.code },
    error.retryAfterSeconds === undefined ? {} : { "retry-after": String(error.retryAfterSeconds) }
  )
