/**
 * OpenAI-style SSE output: the `[DONE]` terminator, data events, and the error event the router
 * sends when a stream cannot be completed.
 */

export const DONE_EVENT = "data: [DONE]\n\n"

/** An OpenAI-shaped SSE error event: the official SDKs throw on it instead of ending cleanly. */
export const sseErrorEvent = (message: string, code = "stream_broken"): string =>
  `event: error\ndata: ${JSON.stringify({ error: { message, type: "upstream_error", code, param: null } })}\n\n`

export const sseDataEvent = (payload: unknown): string => `data: ${JSON.stringify(payload)}\n\n`
