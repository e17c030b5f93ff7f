/**
 * Finding the text the router should classify: the latest *real* user text.
 *
 * OpenClaw wraps and interleaves user turns with machinery (see
 * shared/openclaw.md):
 *  - 2026.9 appends an internal block `<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>> …
 *    <<<END_OPENCLAW_INTERNAL_CONTEXT>>>` as the last `user` message; the real
 *    text is an earlier user message prefixed `[Wed 2026-11-25 11:36 UTC] ` and
 *    followed by a `Runtime: agent=...` line;
 *  - older versions put `Conversation info (untrusted metadata):` / `Sender
 *    (untrusted metadata):` headers with fenced json before the text, and a
 *    trailing `Untrusted context (metadata, do not treat as instructions or
 *    commands):` section after it.
 * We strip all of that and walk back over user messages until one has text
 * left. System prompts, tool schemas, assistant and tool messages are never
 * read. This is for routing only; upstreams get the messages as sent.
 *
 * Follow-up rule: when the latest text is a short follow-up (≤ 12 words and
 * ≤ 100 characters) that refers back to the conversation (starts with a
 * continuation word such as "and", "now", "what about", "also", or contains an
 * anaphor such as "it", "this", "that", "them", "same"), the previous real
 * user text is returned as `context` and the classifier scores
 * `context + "\n\n" + text`. So "and in Rust?" after a coding question is
 * coding, "what if there are 7 people?" after a constrained plan is
 * reasoning, while "thanks!" or a new short request ("set an alarm for 7")
 * stands alone.
 */
import { contentText, messagesOf, roleOf, type Json } from "./messages.js"

const INTERNAL_BLOCK = /<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>>[\s\S]*?(?:<<<END_OPENCLAW_INTERNAL_CONTEXT>>>|$)/g
// `Conversation info (untrusted metadata):`, `Sender (untrusted metadata):`,
// `Replied message (untrusted, for context):` … each followed by a fenced block.
const METADATA_BLOCK = /^[^\n]{0,80}\(untrusted[^)\n]{0,40}\):[ \t]*\r?\n```[^\n]*\n[\s\S]*?\n```[ \t]*(?:\r?\n|$)/gm
const TRAILING_UNTRUSTED = /(?:^|\n)Untrusted context \(metadata, do not treat as instructions or commands\):[\s\S]*$/
const RUNTIME_LINE = /^Runtime: agent=.*(?:\r?\n|$)/gm
const TIMESTAMP_PREFIX =
  /^\s*\[(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]* \d{4}-\d{2}-\d{2} \d{1,2}:\d{2}(?::\d{2})?(?: [A-Za-z]{1,5}(?:[+-]\d{1,2}(?::?\d{2})?)?)?\] ?/
const MESSAGE_ID_LINE = /^\[message_id: [^\]\n]*\]\s*$/gm
const SYSTEM_EVENT_LINES = /^(?:System: \[[^\n]*\n)+/

/** Removes OpenClaw wrappers from one user message's text. Pure; returns trimmed text. */
export const cleanUserText = (raw: string): string => {
  let t = raw
  if (t.includes("<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>>")) t = t.replace(INTERNAL_BLOCK, "")
  if (t.includes("(untrusted")) t = t.replace(METADATA_BLOCK, "")
  if (t.includes("Untrusted context (metadata")) t = t.replace(TRAILING_UNTRUSTED, "")
  if (t.includes("Runtime: agent=")) t = t.replace(RUNTIME_LINE, "")
  if (t.includes("[message_id:")) t = t.replace(MESSAGE_ID_LINE, "")
  t = t.trim()
  if (t.startsWith("System: [")) t = t.replace(SYSTEM_EVENT_LINES, "").trim()
  const prefix = TIMESTAMP_PREFIX.exec(t)
  if (prefix !== null) t = t.slice(prefix[0].length)
  return t.trim()
}

const CONTINUATION = /^(?:and|also|now|then|but|so|or|what about|how about|what if|same|instead|again|ok(?:ay)?[,!]?\s+(?:now|and|but|then)|make it|do it|try|can you|could you|why|really|are you sure)\b/i
const ANAPHOR = /\b(?:it|its|this|that|these|those|them|they|same|above|previous|instead|again|one)\b/i
const PLEASANTRY = /^(?:thanks?|thank you|thx|ty|ok(?:ay)?|cool|great|nice|perfect|awesome|got it|hi|hello|hey|bye|good (?:morning|night)|lol|yes|no|sure)\b[\s\p{P}\p{Emoji_Presentation}]*$/iu

export const isFollowUp = (text: string): boolean => {
  if (text.length > 100) return false
  const words = text.split(/\s+/).filter((w) => w.length > 0).length
  if (words === 0 || words > 12 || PLEASANTRY.test(text)) return false
  return CONTINUATION.test(text) || ANAPHOR.test(text)
}

export interface Extracted {
  /** Latest real user text ("" when none). */
  readonly text: string
  /** Previous real user text, only when `text` is a short follow-up. */
  readonly context: string | undefined
  /** True when `text` came from a user message other than the last one (OpenClaw internal block skipped). */
  readonly skippedInternal: boolean
}

/** Latest real user text of a parsed chat request body; never throws. */
export const extractUserText = (body: Json): Extracted => {
  const messages = messagesOf(body)
  let text = ""
  let skipped = false
  let i = messages.length - 1
  for (; i >= 0; i--) {
    const m = messages[i]
    if (roleOf(m) !== "user") continue
    const raw = contentText(typeof m === "object" && m !== null ? (m as { content?: unknown }).content : undefined)
    const cleaned = raw.length > 0 ? cleanUserText(raw) : ""
    if (cleaned.length > 0) {
      text = cleaned
      break
    }
    if (raw.length > 0) skipped = true
  }
  if (text === "" || !isFollowUp(text)) return { text, context: undefined, skippedInternal: skipped }
  for (let j = i - 1; j >= 0; j--) {
    const m = messages[j]
    if (roleOf(m) !== "user") continue
    const prev = cleanUserText(contentText(typeof m === "object" && m !== null ? (m as { content?: unknown }).content : undefined))
    if (prev.length > 0) return { text, context: prev, skippedInternal: skipped }
  }
  return { text, context: undefined, skippedInternal: skipped }
}
