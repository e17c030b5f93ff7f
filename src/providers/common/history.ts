/**
 * Agent histories as they really arrive, made acceptable to the translating upstreams (Anthropic,
 * Gemini), without losing text and deterministically (the same history always translates the same
 * way, so prompt caches stay warm):
 * - a history that starts with the assistant (a greeting, a trimmed or compacted history) gets a
 *   fixed placeholder user turn before it: both APIs want the user first;
 * - whitespace-only text parts are dropped (Anthropic refuses them), and with them an assistant
 *   message left with nothing;
 * - a tool result whose call is not in the assistant message right before it (trimmed out) becomes
 *   user text naming the call, placed after that run of results;
 * - a tool call left without a result gets a placeholder result, so the pairing both APIs check holds.
 * Consecutive same-role messages are merged later, by each wire format's turn builder.
 */
import type { Message, TextPart, UserPart } from "./openaiRequest.js"

export const LEADING_PLACEHOLDER = "(The conversation so far continues below.)"
export const MISSING_RESULT = "(No result for this tool call is in the conversation.)"

export const orphanResultText = (callId: string, text: string): string => `Result of tool call ${callId}:\n${text}`

const blank = (part: TextPart | UserPart): boolean => part.type === "text" && part.text.trim() === ""

export interface NormalizedHistory {
  readonly messages: ReadonlyArray<Message>
  readonly notes: ReadonlyArray<string>
}

export const normalizeHistory = (input: ReadonlyArray<Message>): NormalizedHistory => {
  const out: Array<Message> = []
  let orphans = 0
  let placeholders = 0
  let leading = false
  /** The calls of the assistant message whose results are being read, and those still unanswered. */
  let run: { readonly calls: ReadonlySet<string>; readonly pending: Set<string>; readonly deferred: Array<Message> } | undefined
  const closeRun = (atEnd: boolean) => {
    if (run === undefined) return
    const answered = run.pending.size < run.calls.size
    // A final assistant message that called tools and got no result yet is left as the client sent it.
    if (!atEnd || answered) {
      for (const id of run.pending) {
        out.push({ role: "tool", toolCallId: id, parts: [{ type: "text", text: MISSING_RESULT }], param: "messages" })
        placeholders++
      }
    }
    out.push(...run.deferred)
    run = undefined
  }
  for (const message of input) {
    if (message.role === "tool") {
      if (run !== undefined && run.pending.has(message.toolCallId)) {
        run.pending.delete(message.toolCallId)
        out.push(message)
        continue
      }
      orphans++
      const text = orphanResultText(message.toolCallId, message.parts.map((p) => p.text).join(""))
      const asUser: Message = { role: "user", parts: [{ type: "text", text }] }
      if (run !== undefined) run.deferred.push(asUser)
      else out.push(asUser)
      continue
    }
    if (message.role !== "system") closeRun(false)
    switch (message.role) {
      case "system":
        out.push(message)
        break
      case "user": {
        const parts = message.parts.filter((p) => !blank(p))
        if (parts.length > 0) out.push({ role: "user", parts })
        break
      }
      case "assistant": {
        const parts = message.parts.filter((p) => !blank(p))
        if (parts.length === 0 && message.toolCalls.length === 0) break
        if (!out.some((m) => m.role !== "system")) {
          out.push({ role: "user", parts: [{ type: "text", text: LEADING_PLACEHOLDER }] })
          leading = true
        }
        out.push({ ...message, parts })
        if (message.toolCalls.length > 0) {
          const calls = new Set(message.toolCalls.map((c) => c.id))
          run = { calls, pending: new Set(calls), deferred: [] }
        }
        break
      }
    }
  }
  closeRun(true)
  const notes = [
    ...(leading ? ["history starts with the assistant: a placeholder user turn was put first"] : []),
    ...(orphans > 0 ? [`${orphans} tool result(s) whose call is not in the history sent as user text`] : []),
    ...(placeholders > 0 ? [`${placeholders} tool call(s) without a result answered with a placeholder result`] : [])
  ]
  return { messages: out, notes }
}
