import type { ChatRequest } from "../providers/Adapter.js"

/**
 * The client's `x-session-id` header names its conversation (sticky auto routing). Only its hash
 * is kept, so any value is accepted; an empty one is none.
 */
export const withSessionId = (chat: ChatRequest, headers: Readonly<Record<string, string | undefined>>): ChatRequest => {
  const session = headers["x-session-id"]?.trim()
  return session === undefined || session === "" ? chat : { ...chat, sessionId: session }
}
