/**
 * Gemini `streamGenerateContent?alt=sse` → OpenAI chunks. Every `data:` event is a whole
 * `GenerateContentResponse` holding the next piece of each candidate; function calls arrive whole,
 * so each becomes one tool-call delta with id, name and complete arguments.
 *
 * The answer is complete once every expected candidate (`n`) reported a `finishReason` (or the
 * prompt was blocked): finish chunks go out at once; the usage chunk and `[DONE]` follow when the
 * body ends, so a trailing usage-only event is still counted.
 */
import { StreamBroken } from "../../errors/upstream.js"
import type { StreamTranslator } from "../Adapter.js"
import { chunkEvent, completionId, nowSeconds, usageEvent, type ChunkBase, type Usage } from "../common/openaiOutput.js"
import { isRecord } from "../common/openaiRequest.js"
import { SseParser } from "../common/sseParser.js"
import { NO_MEMORY, type Thoughts } from "../common/thoughts.js"
import { DONE_EVENT } from "../sse.js"
import {
  answerBlockedRefusal,
  candidateIndex,
  finishOf,
  promptBlockedRefusal,
  readParts,
  upstreamError,
  usageFromMetadata
} from "./response.js"

interface CandidateState {
  started: boolean
  toolCalls: number
  content: boolean
  finished: boolean
}

export class GeminiStreamTranslator implements StreamTranslator {
  private readonly parser = new SseParser()
  private base: ChunkBase | undefined = undefined
  private readonly created = nowSeconds()
  private readonly candidates = new Map<number, CandidateState>()
  private finishedCount = 0
  private usage: Usage | undefined = undefined
  private broken: StreamBroken | undefined = undefined
  private closed = false

  constructor(
    private readonly endpointId: string,
    private readonly fallbackModel: string,
    private readonly expectedChoices: number,
    private readonly includeUsage: boolean,
    private readonly thoughts: Thoughts = NO_MEMORY(fallbackModel)
  ) {}

  get failure(): StreamBroken | undefined {
    return this.broken
  }

  private get done(): boolean {
    return this.finishedCount >= this.expectedChoices
  }

  push(chunk: Buffer): string {
    return this.handle(this.parser.push(chunk).map((e) => e.data))
  }

  end(): { readonly output: string; readonly complete: boolean } {
    let output = this.handle(this.parser.end().map((e) => e.data))
    const complete = this.done && this.broken === undefined && this.base !== undefined
    if (complete && !this.closed && this.base !== undefined) {
      this.closed = true
      if (this.includeUsage && this.usage !== undefined) output += usageEvent(this.base, this.usage)
      output += DONE_EVENT
    }
    return { output, complete }
  }

  private handle(payloads: ReadonlyArray<string>): string {
    let out = ""
    for (const payload of payloads) {
      if (this.broken !== undefined) break
      out += this.response(payload)
    }
    return out
  }

  private fail(message: string): string {
    this.broken = new StreamBroken({ endpoint: this.endpointId, message: `${this.endpointId}: ${message}` })
    return ""
  }

  private state(index: number): CandidateState {
    let state = this.candidates.get(index)
    if (state === undefined) {
      state = { started: false, toolCalls: 0, content: false, finished: false }
      this.candidates.set(index, state)
    }
    return state
  }

  private delta(base: ChunkBase, index: number, delta: Record<string, unknown>): string {
    const state = this.state(index)
    if (delta["content"] !== undefined || delta["tool_calls"] !== undefined || delta["refusal"] !== undefined) state.content = true
    if (state.started) return chunkEvent(base, index, delta)
    state.started = true
    return chunkEvent(base, index, { role: "assistant", ...delta })
  }

  private finish(base: ChunkBase, index: number, delta: Record<string, unknown>, reason: "stop" | "length" | "tool_calls" | "content_filter"): string {
    const state = this.state(index)
    if (state.finished) return ""
    let out = ""
    if (delta["refusal"] !== undefined) out += this.delta(base, index, { content: null, ...delta })
    else if (!state.started) out += this.delta(base, index, { content: "" })
    state.finished = true
    this.finishedCount++
    return out + chunkEvent(base, index, {}, reason)
  }

  private response(payload: string): string {
    let doc: unknown
    try {
      doc = JSON.parse(payload)
    } catch {
      return this.fail("malformed stream event: not JSON")
    }
    if (!isRecord(doc)) return this.fail("malformed stream event: not an object")
    const error = upstreamError(doc)
    if (error !== undefined) return this.fail(`stream error ${error}`)
    const responseId = typeof doc["responseId"] === "string" ? doc["responseId"] : ""
    this.base ??= {
      id: completionId(responseId === "" ? undefined : `chatcmpl-${responseId}`),
      created: this.created,
      model: typeof doc["modelVersion"] === "string" ? doc["modelVersion"] : this.fallbackModel
    }
    const base = this.base
    if (isRecord(doc["usageMetadata"])) this.usage = usageFromMetadata(doc["usageMetadata"])
    const candidates = Array.isArray(doc["candidates"]) ? doc["candidates"].filter(isRecord) : []
    const feedback = doc["promptFeedback"]
    if (candidates.length === 0 && isRecord(feedback) && typeof feedback["blockReason"] === "string") {
      let out = ""
      for (let index = 0; index < this.expectedChoices; index++) {
        out += this.finish(base, index, { refusal: promptBlockedRefusal(feedback["blockReason"]) }, "content_filter")
      }
      return out
    }
    let out = ""
    for (const candidate of candidates) {
      const index = candidateIndex(candidate)
      const state = this.state(index)
      if (state.finished) continue
      const parts = readParts(responseId, index, state.toolCalls, candidate["content"], this.thoughts)
      if (parts.reasoning !== "") out += this.delta(base, index, { reasoning_content: parts.reasoning })
      if (parts.text !== "") out += this.delta(base, index, { content: parts.text })
      for (const call of parts.toolCalls) {
        const toolIndex = state.toolCalls++
        out += this.delta(base, index, {
          ...(state.started ? {} : { content: null }),
          tool_calls: [{ index: toolIndex, ...call }]
        })
      }
      const raw = candidate["finishReason"]
      if (typeof raw !== "string" || raw === "FINISH_REASON_UNSPECIFIED") continue
      const finish = finishOf(raw, state.toolCalls > 0)
      if (!finish.ok) return out + this.fail(`finishReason ${finish.raw}`)
      const refusal = finish.reason === "content_filter" && !state.content ? { refusal: answerBlockedRefusal(raw) } : {}
      out += this.finish(base, index, refusal, finish.reason)
    }
    return out
  }
}
