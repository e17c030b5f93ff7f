/**
 * Gemini `GenerateContentResponse` → OpenAI: candidate parts, finish reasons, usage and safety
 * blocks. Shared by the non-streaming translation and the stream translator.
 *
 * Safety: a blocked prompt (`promptFeedback.blockReason`, no candidates) or an answer stopped by a
 * filter with nothing in it becomes a normal completion with `finish_reason: "content_filter"`,
 * `content: null` and a `refusal` explaining the block, which is how OpenAI itself reports filtered
 * output and what the official SDKs surface (`message.refusal`). It is not retried elsewhere.
 */
import { Either } from "effect"
import type { StreamBroken } from "../../errors/upstream.js"
import {
  completionDocument,
  completionId,
  malformed,
  nowSeconds,
  num,
  usageOf,
  type ChoiceOut,
  type FinishReason,
  type ToolCallOut,
  type Usage
} from "../common/openaiOutput.js"
import { isRecord } from "../common/openaiRequest.js"
import { NO_MEMORY, rememberThought, type Thoughts } from "../common/thoughts.js"
import { toolCallId } from "./toolIds.js"

const FILTERED = new Set(["SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY"])
/** The model produced an unusable function call: an upstream failure, worth another attempt. */
const BROKEN = new Set(["MALFORMED_FUNCTION_CALL", "UNEXPECTED_TOOL_CALL"])

export type Finish = { readonly ok: true; readonly reason: FinishReason } | { readonly ok: false; readonly raw: string }

export const finishOf = (raw: string, hasToolCalls: boolean): Finish => {
  if (BROKEN.has(raw)) return { ok: false, raw }
  if (raw === "MAX_TOKENS") return { ok: true, reason: "length" }
  if (FILTERED.has(raw)) return { ok: true, reason: "content_filter" }
  return { ok: true, reason: hasToolCalls ? "tool_calls" : "stop" } // STOP, OTHER, LANGUAGE, …
}

export const promptBlockedRefusal = (reason: string): string =>
  `The prompt was blocked by Gemini's safety filters (blockReason: ${reason}).`
export const answerBlockedRefusal = (reason: string): string =>
  `The answer was blocked by Gemini's safety filters (finishReason: ${reason}).`

/** `promptTokenCount` includes cached tokens (like OpenAI); thoughts count as completion tokens. */
export const usageFromMetadata = (meta: Readonly<Record<string, unknown>>): Usage => {
  const prompt = num(meta["promptTokenCount"]) + num(meta["toolUsePromptTokenCount"])
  const thoughts = num(meta["thoughtsTokenCount"])
  const completion = num(meta["candidatesTokenCount"]) + thoughts
  return usageOf(prompt, completion, num(meta["cachedContentTokenCount"]), thoughts)
}

export interface CandidateParts {
  readonly text: string
  readonly reasoning: string
  readonly toolCalls: ReadonlyArray<ToolCallOut>
}

/**
 * The parts of one candidate (or one streamed piece of it). `ordinal` is the number of function
 * calls this candidate already produced, so ids and OpenAI indices continue across stream chunks.
 */
export const readParts = (
  responseId: string,
  candidateIndex: number,
  ordinal: number,
  content: unknown,
  thoughts: Thoughts
): CandidateParts => {
  let text = ""
  let reasoning = ""
  const toolCalls: Array<ToolCallOut> = []
  const parts = isRecord(content) && Array.isArray(content["parts"]) ? content["parts"] : []
  for (const part of parts) {
    if (!isRecord(part)) continue
    const call = part["functionCall"]
    if (isRecord(call) && typeof call["name"] === "string") {
      const args = isRecord(call["args"]) ? call["args"] : {}
      const id = typeof call["id"] === "string" && call["id"] !== ""
        ? call["id"]
        : toolCallId(responseId, candidateIndex, ordinal + toolCalls.length, call["name"], args)
      if (typeof part["thoughtSignature"] === "string") rememberThought(thoughts, [id], [{ thoughtSignature: part["thoughtSignature"] }])
      toolCalls.push({ id, type: "function", function: { name: call["name"], arguments: JSON.stringify(args) } })
    } else if (typeof part["text"] === "string") {
      if (part["thought"] === true) {
        if (thoughts.show) reasoning += part["text"]
      }
      else text += part["text"]
    }
  }
  return { text, reasoning, toolCalls }
}

export const candidateIndex = (candidate: Readonly<Record<string, unknown>>): number => num(candidate["index"])

export const upstreamError = (doc: Readonly<Record<string, unknown>>): string | undefined => {
  const error = doc["error"]
  if (!isRecord(error)) return undefined
  return `${typeof error["status"] === "string" ? error["status"] : "error"}: ${typeof error["message"] === "string" ? error["message"] : "unknown"}`
}

export const translateGenerateContent = (
  endpointId: string,
  fallbackModel: string,
  expectedChoices: number,
  body: Buffer,
  thoughts: Thoughts = NO_MEMORY(fallbackModel)
): Either.Either<string, StreamBroken> => {
  let doc: unknown
  try {
    doc = JSON.parse(body.toString("utf8"))
  } catch {
    return Either.left(malformed(endpointId, "a body that is not JSON"))
  }
  if (!isRecord(doc)) return Either.left(malformed(endpointId, "JSON that is not a GenerateContentResponse"))
  const error = upstreamError(doc)
  if (error !== undefined) return Either.left(malformed(endpointId, `an error: ${error}`))
  const responseId = typeof doc["responseId"] === "string" ? doc["responseId"] : ""
  const base = {
    id: completionId(responseId === "" ? undefined : `chatcmpl-${responseId}`),
    created: nowSeconds(),
    model: typeof doc["modelVersion"] === "string" ? doc["modelVersion"] : fallbackModel
  }
  const usage = isRecord(doc["usageMetadata"]) ? usageFromMetadata(doc["usageMetadata"]) : undefined
  const candidates = Array.isArray(doc["candidates"]) ? doc["candidates"].filter(isRecord) : []
  if (candidates.length === 0) {
    const feedback = doc["promptFeedback"]
    const reason = isRecord(feedback) && typeof feedback["blockReason"] === "string" ? feedback["blockReason"] : undefined
    if (reason === undefined) return Either.left(malformed(endpointId, "no candidates"))
    const blocked: ChoiceOut = { text: "", reasoning: "", refusal: promptBlockedRefusal(reason), toolCalls: [], finishReason: "content_filter" }
    return Either.right(completionDocument(base, Array.from({ length: expectedChoices }, () => blocked), usage))
  }
  const choices: Array<ChoiceOut> = []
  for (const candidate of [...candidates].sort((a, b) => candidateIndex(a) - candidateIndex(b))) {
    const parts = readParts(responseId, candidateIndex(candidate), 0, candidate["content"], thoughts)
    const raw = typeof candidate["finishReason"] === "string" ? candidate["finishReason"] : "STOP"
    const finish = finishOf(raw, parts.toolCalls.length > 0)
    if (!finish.ok) return Either.left(malformed(endpointId, `finishReason ${finish.raw}`))
    const empty = parts.text === "" && parts.toolCalls.length === 0
    choices.push({
      ...parts,
      refusal: finish.reason === "content_filter" && empty ? answerBlockedRefusal(raw) : undefined,
      finishReason: finish.reason
    })
  }
  return Either.right(completionDocument(base, choices, usage))
}
