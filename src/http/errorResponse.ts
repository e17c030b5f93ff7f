/**
 * Every failure → one OpenAI-shaped error response `{ error: { message, type, code, param } }`
 * with the status an OpenAI client expects (`src/errors/describe.ts`). An upstream 4xx keeps the
 * provider's own type, code and param; its body is never passed on. Every message goes through
 * the router's `Redactor`: an upstream that echoes its request cannot hand a key to the client.
 */
import { HttpServerResponse } from "@effect/platform"
import type { ErrorDescription, HandledError } from "../errors/describe.js"
import type { Redactor } from "../redaction/redactor.js"

export type { HandledError }

export const openAiError = (
  status: number,
  body: { readonly message: string; readonly type: string; readonly code: string | null; readonly param?: string | null | undefined },
  headers: Readonly<Record<string, string>> = {}
) =>
  HttpServerResponse.unsafeJson(
    { error: { message: body.message, type: body.type, code: body.code, param: body.param ?? null } },
    { status, headers }
  )

/** A described failure in OpenAI's shape (Chat Completions and the Responses API share it). */
export const describedErrorResponse = (described: ErrorDescription): HttpServerResponse.HttpServerResponse =>
  openAiError(described.status, described.upstreamError ?? described, described.headers)

/** Every text of a described failure through the `Redactor`: what any error shape may show. */
export const redactDescription = (described: ErrorDescription, redactor: Redactor): ErrorDescription => {
  const redact = <T extends string | null | undefined>(text: T): T => (typeof text === "string" ? redactor.redact(text) as T : text)
  const { upstreamError, ...rest } = described
  return {
    ...rest,
    message: redact(described.message),
    param: redact(described.param),
    ...(upstreamError === undefined ? {} : {
      upstreamError: {
        message: redact(upstreamError.message),
        type: redact(upstreamError.type),
        code: redact(upstreamError.code),
        param: redact(upstreamError.param)
      }
    })
  }
}
