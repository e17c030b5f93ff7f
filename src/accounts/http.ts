/** A refused scoped key as an error answer (401 / 403 / 429 with `Retry-After`), in whichever API's shape the route speaks. */
import type { ErrorDescription } from "../errors/describe.js"
import { describedErrorResponse } from "../http/errorResponse.js"
import type { KeyRejected } from "./errors.js"

export const keyRejectedDescription = (error: KeyRejected): ErrorDescription => ({
  status: error.status,
  message: error.message,
  type: error.type,
  code: error.code,
  headers: error.retryAfterSeconds === undefined ? {} : { "retry-after": String(error.retryAfterSeconds) }
})

export const keyRejectedResponse = (error: KeyRejected) => describedErrorResponse(keyRejectedDescription(error))
