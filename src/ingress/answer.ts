/**
 * The Router's answer, read back for the client-facing codecs. The Router speaks one internal
 * answer format (an OpenAI `chat.completion`, or its `chat.completion.chunk` SSE stream, with an SSE
 * `error` event when a stream cannot be completed); the Messages and Responses codecs re-encode it.
 * Reading it here once, into plain values and events, keeps each codec to its own wire format.
 */
import type { Readable } from "node:stream"
import { isRecord } from "../providers/common/openaiRequest.js"
import { SseParser } from "../providers/common/sseParser.js"

export interface AnswerUsage {
  /** Every prompt token, cache hits included (OpenAI's `prompt_tokens`). */
  readonly input: number
  readonly output: number
  /** Prompt tokens served from a cache (`prompt_tokens_details.cached_tokens`). */
  readonly cached: number
  /** Prompt tokens written to a cache (`prompt_tokens_details.cache_write_tokens`: Anthropic's, translated). */
  readonly written: number
  readonly reasoning: number
}

export interface AnswerToolCall {
  readonly id: string
  readonly name: string
  readonly arguments: string
}

export type FinishReason = "stop" | "length" | "tool_calls" | "content_filter"

export interface CompleteAnswer {
  readonly id: string
  readonly model: string
  readonly text: string
  readonly reasoning: string
  readonly refusal: string
  readonly toolCalls: ReadonlyArray<AnswerToolCall>
  readonly finishReason: FinishReason
  readonly usage: AnswerUsage | undefined
}

export type AnswerEvent =
  /**
   * An upstream event in the client's own wire format (`ChunkBase.native`), to forward as it is;
   * the chunks translated from it are not events of their own.
   */
  | { readonly _tag: "Native"; readonly frame: string }
  /** The first chunk's id and model (once, before any content). */
  | { readonly _tag: "Meta"; readonly id: string; readonly model: string }
  | { readonly _tag: "Text"; readonly text: string }
  | { readonly _tag: "Reasoning"; readonly text: string }
  /** A tool call's start (`id` and `name` set) or a piece of its arguments. */
  | { readonly _tag: "ToolCall"; readonly index: number; readonly id: string | undefined; readonly name: string | undefined; readonly arguments: string }
  | { readonly _tag: "Finish"; readonly reason: FinishReason }
  | { readonly _tag: "Usage"; readonly usage: AnswerUsage }
  | { readonly _tag: "Error"; readonly message: string; readonly code: string | null }
  | { readonly _tag: "KeepAlive" }
  | { readonly _tag: "Done" }

const num = (value: unknown): number => (typeof value === "number" && Number.isFinite(value) ? value : 0)
const str = (value: unknown): string => (typeof value === "string" ? value : "")

const finishReason = (value: unknown): FinishReason =>
  value === "length" || value === "tool_calls" || value === "content_filter" ? value : value === "function_call" ? "tool_calls" : "stop"

export const usageOf = (value: unknown): AnswerUsage | undefined => {
  if (!isRecord(value)) return undefined
  const prompt = isRecord(value["prompt_tokens_details"]) ? value["prompt_tokens_details"] : {}
  const completion = isRecord(value["completion_tokens_details"]) ? value["completion_tokens_details"] : {}
  return {
    input: num(value["prompt_tokens"]),
    output: num(value["completion_tokens"]),
    cached: num(prompt["cached_tokens"]),
    written: num(prompt["cache_write_tokens"]),
    reasoning: num(completion["reasoning_tokens"])
  }
}

/** A complete `chat.completion` body; undefined when it is not one (never expected from the Router). */
export const readCompletion = (bytes: Buffer | string): CompleteAnswer | undefined => {
  let parsed: unknown
  try {
    parsed = JSON.parse(typeof bytes === "string" ? bytes : bytes.toString("utf8"))
  } catch {
    return undefined
  }
  if (!isRecord(parsed) || !Array.isArray(parsed["choices"])) return undefined
  const choice: unknown = parsed["choices"][0]
  const message = isRecord(choice) && isRecord(choice["message"]) ? choice["message"] : {}
  const calls = Array.isArray(message["tool_calls"]) ? message["tool_calls"] : []
  return {
    id: str(parsed["id"]),
    model: str(parsed["model"]),
    text: str(message["content"]),
    reasoning: str(message["reasoning_content"]) || str(message["reasoning"]),
    refusal: str(message["refusal"]),
    toolCalls: calls.flatMap((call): Array<AnswerToolCall> => {
      if (!isRecord(call) || !isRecord(call["function"])) return []
      return [{ id: str(call["id"]), name: str(call["function"]["name"]), arguments: str(call["function"]["arguments"]) || "{}" }]
    }),
    finishReason: finishReason(isRecord(choice) ? choice["finish_reason"] : undefined),
    usage: usageOf(parsed["usage"])
  }
}

/** One parsed SSE `data:` payload of the Router's stream → the events it carries. */
const eventsOf = (data: string, seenMeta: { value: boolean }): Array<AnswerEvent> => {
  if (data === "[DONE]") return [{ _tag: "Done" }]
  let parsed: unknown
  try {
    parsed = JSON.parse(data)
  } catch {
    return [{ _tag: "Error", message: "llmrouter produced an unreadable stream event", code: "stream_broken" }]
  }
  if (!isRecord(parsed)) return []
  const native = parsed["native"]
  if (typeof native === "string") return native === "" ? [] : [{ _tag: "Native", frame: native }]
  if (isRecord(parsed["error"])) {
    const code = parsed["error"]["code"]
    return [{ _tag: "Error", message: str(parsed["error"]["message"]) || "the stream failed", code: typeof code === "string" ? code : null }]
  }
  const events: Array<AnswerEvent> = []
  if (!seenMeta.value) {
    seenMeta.value = true
    events.push({ _tag: "Meta", id: str(parsed["id"]), model: str(parsed["model"]) })
  }
  const choice: unknown = Array.isArray(parsed["choices"]) ? parsed["choices"][0] : undefined
  if (isRecord(choice)) {
    const delta = isRecord(choice["delta"]) ? choice["delta"] : {}
    const reasoning = str(delta["reasoning_content"]) || str(delta["reasoning"])
    if (reasoning !== "") events.push({ _tag: "Reasoning", text: reasoning })
    const text = str(delta["content"])
    if (text !== "") events.push({ _tag: "Text", text })
    if (Array.isArray(delta["tool_calls"])) {
      for (const call of delta["tool_calls"]) {
        if (!isRecord(call)) continue
        const fn = isRecord(call["function"]) ? call["function"] : {}
        events.push({
          _tag: "ToolCall",
          index: num(call["index"]),
          id: typeof call["id"] === "string" ? call["id"] : undefined,
          name: typeof fn["name"] === "string" ? fn["name"] : undefined,
          arguments: str(fn["arguments"])
        })
      }
    }
    if (choice["finish_reason"] !== null && choice["finish_reason"] !== undefined) {
      events.push({ _tag: "Finish", reason: finishReason(choice["finish_reason"]) })
    }
  }
  const usage = usageOf(parsed["usage"])
  if (usage !== undefined) events.push({ _tag: "Usage", usage })
  return events
}

/** The Router's SSE stream as answer events; a keep-alive comment becomes `KeepAlive`. */
export async function* answerEvents(stream: Readable): AsyncGenerator<AnswerEvent, void> {
  const parser = new SseParser()
  const seenMeta = { value: false }
  for await (const chunk of stream) {
    const bytes = chunk as Buffer | string
    // Keep-alive comments arrive as whole chunks of their own (`routing/keepAlive.ts`).
    if (bytes[0] === ":" || bytes[0] === 0x3a) yield { _tag: "KeepAlive" }
    for (const event of parser.push(bytes)) yield* eventsOf(event.data, seenMeta)
  }
  for (const event of parser.end()) yield* eventsOf(event.data, seenMeta)
}
