/**
 * The client's `Idempotency-Key` header, attached to the chat request: a key whose request was
 * already paid (x402) is not paid again. A key we could not honour is refused, not ignored.
 */
import { Effect } from "effect"
import { InvalidRequest } from "../errors/request.js"
import type { ChatRequest } from "../providers/Adapter.js"

const VALID_KEY = /^[\x21-\x7e]{1,255}$/

export const withIdempotencyKey = (
  chat: ChatRequest,
  headers: Readonly<Record<string, string | undefined>>
): Effect.Effect<ChatRequest, InvalidRequest> => {
  const key = headers["idempotency-key"]?.trim()
  if (key === undefined || key === "") return Effect.succeed(chat)
  if (!VALID_KEY.test(key)) {
    return Effect.fail(new InvalidRequest({
      message: "Invalid Idempotency-Key header: expected 1 to 255 printable ASCII characters without spaces.",
      code: "invalid_idempotency_key"
    }))
  }
  return Effect.succeed({ ...chat, idempotencyKey: key })
}
