/**
 * Gemini function calls carry no ids, OpenAI tool calls must. Ids are derived deterministically
 * from the response (`responseId`), the candidate, the call's position and content, so the same
 * upstream answer always yields the same ids; they stay within OpenAI's 40-character limit.
 * Tool results are mapped back to function names through the assistant message's `tool_calls`.
 *
 * Gemini 3 also returns a `thoughtSignature` on function calls that must be echoed on the next
 * turn. OpenAI clients cannot carry it, so it is remembered by tool-call id in the router's
 * thinking memory (`reasoning/memory.ts`, shared with Anthropic's thinking blocks). When it is
 * unknown (other client, restart), Google's documented `skip_thought_signature_validator` sentinel
 * is sent for Gemini 3 models instead.
 */
import { createHash } from "node:crypto"

export const toolCallId = (responseId: string, candidate: number, ordinal: number, name: string, args: unknown): string =>
  `call_${ordinal}_${
    createHash("sha256").update(JSON.stringify([responseId, candidate, ordinal, name, args ?? {}])).digest("hex").slice(0, 24)
  }`

export const SKIP_SIGNATURE = "skip_thought_signature_validator"

/** Gemini 3 rejects replayed function calls without a thought signature. */
export const needsSignature = (modelId: string): boolean => /^(models\/)?gemini-3/.test(modelId)
