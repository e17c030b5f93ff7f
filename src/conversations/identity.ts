/**
 * Which conversation a request belongs to, as a hash (never the text it was derived from):
 * the client's `x-session-id` header; else the body's `prompt_cache_key` or `user`; else the
 * conversation's stable prefix (system prompt + first real user message, OpenClaw's envelope
 * stripped as the classifier does). A request without any of these has no identity.
 *
 * `explicit` identities (header, `prompt_cache_key`) name a conversation, so even a request
 * without history continues it. Inferred ones (`user`, prefix) only hold for requests that
 * carry history: a one-shot request that repeats a prompt is not a follow-up. Every request
 * with an identity still leaves a pin, so that its follow-up finds it.
 */
import { createHash } from "node:crypto"
import { cleanUserText } from "../classifier/extract.js"
import { contentText, isRecord, messagesOf, roleOf } from "../classifier/messages.js"
import type { ChatRequest } from "../providers/Adapter.js"

export type IdentitySource = "header" | "prompt_cache_key" | "user" | "prefix"

export interface ConversationIdentity {
  /** Hex SHA-256 prefix of the source and its value. */
  readonly key: string
  readonly source: IdentitySource
  /** Whether a request without history may continue the conversation. */
  readonly explicit: boolean
}

const digest = (parts: ReadonlyArray<string>): string => {
  const hash = createHash("sha256")
  for (const part of parts) hash.update(part).update("\u0000")
  return hash.digest("hex").slice(0, 32)
}

const named = (source: IdentitySource, value: string, explicit: boolean): ConversationIdentity => ({
  key: digest([source, value]),
  source,
  explicit
})

const nonEmpty = (value: unknown): string | undefined => (typeof value === "string" && value.trim() !== "" ? value : undefined)

export const identify = (request: ChatRequest): ConversationIdentity | undefined => {
  if (request.sessionId !== undefined) return named("header", request.sessionId, true)
  const body = request.body
  const cacheKey = nonEmpty(body["prompt_cache_key"])
  if (cacheKey !== undefined) return named("prompt_cache_key", cacheKey, true)
  const user = nonEmpty(body["user"])
  if (user !== undefined) return named("user", user, false)
  return stablePrefix(body)
}

/**
 * System prompts run to tens of kilobytes and a deployment has few of them: the digests of the
 * last few are kept, since comparing a string costs a fraction of hashing it again.
 */
const SYSTEM_DIGESTS = 8
const systemDigests: Array<{ readonly text: string; readonly digest: string }> = []

const systemDigest = (text: string): string => {
  const index = systemDigests.findIndex((entry) => entry.text.length === text.length && entry.text === text)
  const hit = index < 0 ? undefined : systemDigests.splice(index, 1)[0]
  const found = hit ?? { text, digest: digest(["system", text]) }
  systemDigests.unshift(found)
  if (systemDigests.length > SYSTEM_DIGESTS) systemDigests.pop()
  return found.digest
}

/** System and developer text, then the first user message that has real text left after cleaning. */
const stablePrefix = (body: unknown): ConversationIdentity | undefined => {
  const system: Array<string> = []
  for (const message of messagesOf(body)) {
    const role = roleOf(message)
    const content = isRecord(message) ? message["content"] : undefined
    if (role === "system" || role === "developer") system.push(contentText(content))
    else if (role === "user") {
      const text = cleanUserText(contentText(content))
      if (text !== "") return { key: digest(["prefix", systemDigest(system.join("\u0000")), text]), source: "prefix", explicit: false }
    }
  }
  return undefined
}

/** Whether earlier turns are in the request: an assistant message or a tool result. */
export const hasHistory = (body: unknown): boolean =>
  messagesOf(body).some((message) => {
    const role = roleOf(message)
    return role === "assistant" || role === "tool" || role === "function"
  })

/**
 * Whether the request answers a tool call: its last message is a tool result, ignoring user
 * messages with no real text (OpenClaw appends an internal context block after every turn).
 */
export const isToolResultTurn = (body: unknown): boolean => {
  const messages = messagesOf(body)
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i]
    const role = roleOf(message)
    if (role === "tool" || role === "function") return true
    if (role !== "user") return false
    if (cleanUserText(contentText(isRecord(message) ? message["content"] : undefined)) !== "") return false
  }
  return false
}
