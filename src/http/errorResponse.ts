/**
 * Every failure → one OpenAI-shaped error response `{ error: { message, type, code, param } }`
 * with the status an OpenAI client expects (`src/errors/describe.ts`). Upstream 4xx answers are
 * passed on as the provider gave them.
 */
import { HttpServerResponse } from "@effect/platform"
import { describeError, type ErrorDescription, type HandledError } from "../errors/describe.js"

export type { HandledError }

export const openAiError = (
  status: number,
  body: { readonly message: string; readonly type: string; readonly code: string | null; readonly param?: string | undefined },
  headers: Readonly<Record<string, string>> = {}
) =>
  HttpServerResponse.unsafeJson(
    { error: { message: body.message, type: body.type, code: body.code, param: body.param ?? null } },
    { status, headers }
  )

export const errorResponse = (error: HandledError): HttpServerResponse.HttpServerResponse => describedErrorResponse(describeError(error))

/** A described failure in OpenAI's shape (Chat Completions and the Responses API share it). */
export const describedErrorResponse = (described: ErrorDescription): HttpServerResponse.HttpServerResponse =>
  described.upstreamBody === undefined
    ? openAiError(described.status, described, described.headers)
    : HttpServerResponse.text(described.upstreamBody, { status: described.status, contentType: "application/json", headers: described.headers })
