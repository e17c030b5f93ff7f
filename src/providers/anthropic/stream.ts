/**
 * Anthropic Messages SSE → OpenAI `chat.completion.chunk` SSE, incrementally.
 *
 * - The role is sent with the first content delta (not on `message_start`), so an upstream that
 *   fails right after `message_start` (e.g. `overloaded_error`) has produced no client bytes yet.
 * - Tool calls get OpenAI indices 0, 1, … in order of appearance (not Anthropic's block index);
 *   `id`/`name` go on the first delta of each call, `input_json_delta` fragments follow verbatim.
 * - `thinking_delta` → `delta.reasoning_content` (the de-facto field of OpenAI-compatible servers),
 *   unless the client asked `reasoning.exclude`. Thinking and redacted thinking blocks are
 *   reassembled (signature included) and remembered for the tool calls of the same message.
 * - `message_stop` is the terminal event: finish chunk, usage chunk (`include_usage`), `[DONE]`.
 * - `event: error` sets `failure`; the Router appends the client-facing error event.
 * - Relay mode (a Messages client): every upstream event also travels as it is, in the `native`
 *   field of the first chunk translated from it (or of a carrier chunk when nothing is), so the
 *   Messages codec forwards Anthropic's own events (signatures, stop_sequence, cache usage, block
 *   types added later) while the stream session reads the translation as for any answer.
 */
import { StreamBroken } from "../../errors/upstream.js"
import type { StreamTranslator } from "../Adapter.js"
import { carrierEvent, chunkEvent, completionId, nowSeconds, usageEvent, type ChunkBase, type FinishReason } from "../common/openaiOutput.js"
import { isRecord } from "../common/openaiRequest.js"
import { SseParser, type SseEvent } from "../common/sseParser.js"
import { DONE_EVENT } from "../sse.js"
import { NO_MEMORY, rememberThought, type Thoughts } from "../common/thoughts.js"
import { finishReasonOf, usageFrom } from "./response.js"

type Block =
  | { readonly kind: "text" }
  | { readonly kind: "thinking"; readonly block: Record<string, unknown> }
  | { readonly kind: "tool"; readonly index: number; readonly initialInput: unknown; sentArguments: boolean }
  | { readonly kind: "other" }

export class AnthropicStreamTranslator implements StreamTranslator {
  private readonly parser = new SseParser()
  private base: ChunkBase
  private started = false
  private done = false
  private broken: StreamBroken | undefined = undefined
  private readonly blocks = new Map<number, Block>()
  private nextToolIndex = 0
  private finishReason: FinishReason = "stop"
  private usage: Record<string, unknown> = {}
  /** This message's thinking blocks, as the upstream would have sent them whole, and its tool-call ids. */
  private readonly thinking: Array<Record<string, unknown>> = []
  private readonly toolIds: Array<string> = []
  /** Relay mode: the upstream event being translated, until a chunk carries it ("" once one did). */
  private frame: string | undefined = undefined

  constructor(
    private readonly endpointId: string,
    fallbackModel: string,
    private readonly includeUsage: boolean,
    private readonly thoughts: Thoughts = NO_MEMORY(fallbackModel),
    private readonly relay = false
  ) {
    this.base = { id: completionId(undefined), created: nowSeconds(), model: fallbackModel }
  }

  get failure(): StreamBroken | undefined {
    return this.broken
  }

  push(chunk: Buffer): string {
    return this.handle(this.parser.push(chunk))
  }

  end(): { readonly output: string; readonly complete: boolean } {
    const output = this.handle(this.parser.end())
    return { output, complete: this.done && this.broken === undefined }
  }

  private handle(events: ReadonlyArray<SseEvent>): string {
    let out = ""
    for (const event of events) {
      if (this.done || this.broken !== undefined) break
      if (!this.relay) {
        out += this.event(event)
        continue
      }
      const translated = this.event(event)
      // An `error` event is not relayed: the session ends the stream with its own, in the client's shape.
      if (this.broken !== undefined) break
      out += (this.frame === "" ? "" : carrierEvent(this.next())) + translated
    }
    return out
  }

  /** What the next chunk repeats; in relay mode the first chunk of an upstream event carries that event. */
  private next(): ChunkBase {
    if (this.frame === undefined) return this.base
    const native = this.frame
    this.frame = ""
    return { ...this.base, native }
  }

  private fail(message: string): string {
    this.broken = new StreamBroken({ endpoint: this.endpointId, message: `${this.endpointId}: ${message}` })
    return ""
  }

  /** A content delta, with the role on the very first one. */
  private delta(delta: Record<string, unknown>): string {
    if (this.started) return chunkEvent(this.next(), 0, delta)
    this.started = true
    return chunkEvent(this.next(), 0, { role: "assistant", ...delta })
  }

  private event(event: SseEvent): string {
    let data: unknown
    try {
      data = JSON.parse(event.data)
    } catch {
      return this.fail(`malformed stream event (${event.event ?? "data"}): not JSON`)
    }
    if (!isRecord(data)) return this.fail("malformed stream event: not an object")
    const type = typeof data["type"] === "string" ? data["type"] : event.event
    // Named by its type, as Anthropic names them (the SDKs dispatch on the name).
    if (this.relay) this.frame = `event: ${type ?? "message"}\ndata: ${event.data}\n\n`
    switch (type) {
      case "message_start":
        return this.messageStart(data["message"])
      case "content_block_start":
        return this.blockStart(data["index"], data["content_block"])
      case "content_block_delta":
        return this.blockDelta(data["index"], data["delta"])
      case "content_block_stop":
        return this.blockStop(data["index"])
      case "message_delta": {
        const delta = data["delta"]
        if (isRecord(delta) && typeof delta["stop_reason"] === "string") this.finishReason = finishReasonOf(delta["stop_reason"])
        if (isRecord(data["usage"])) this.mergeUsage(data["usage"])
        return ""
      }
      case "message_stop":
        return this.messageStop()
      case "error": {
        const error = isRecord(data["error"]) ? data["error"] : {}
        const kind = typeof error["type"] === "string" ? error["type"] : "error"
        const message = typeof error["message"] === "string" ? error["message"] : "unknown error"
        return this.fail(`stream error ${kind}: ${message}`)
      }
      default: // ping, and event types added later
        return ""
    }
  }

  private messageStart(message: unknown): string {
    if (!isRecord(message)) return ""
    this.base = {
      id: typeof message["id"] === "string" ? completionId(message["id"]) : this.base.id,
      created: this.base.created,
      model: typeof message["model"] === "string" ? message["model"] : this.base.model
    }
    if (isRecord(message["usage"])) this.mergeUsage(message["usage"])
    return ""
  }

  /** `message_delta` usage is cumulative: later values replace earlier ones field by field. */
  private mergeUsage(usage: Readonly<Record<string, unknown>>): void {
    for (const [key, value] of Object.entries(usage)) {
      if (typeof value === "number") this.usage[key] = value
    }
  }

  private blockStart(index: unknown, block: unknown): string {
    if (typeof index !== "number" || !isRecord(block)) return ""
    switch (block["type"]) {
      case "text": {
        this.blocks.set(index, { kind: "text" })
        const text = block["text"]
        return typeof text === "string" && text !== "" ? this.delta({ content: text }) : ""
      }
      case "thinking":
      case "redacted_thinking": {
        const whole = { ...block }
        this.thinking.push(whole)
        this.blocks.set(index, { kind: "thinking", block: whole })
        return ""
      }
      case "tool_use": {
        const toolIndex = this.nextToolIndex++
        if (typeof block["id"] === "string") this.toolIds.push(block["id"])
        this.blocks.set(index, { kind: "tool", index: toolIndex, initialInput: block["input"], sentArguments: false })
        return this.delta({
          ...(this.started ? {} : { content: null }),
          tool_calls: [{
            index: toolIndex,
            id: typeof block["id"] === "string" ? block["id"] : `call_${toolIndex}`,
            type: "function",
            function: { name: typeof block["name"] === "string" ? block["name"] : "", arguments: "" }
          }]
        })
      }
      default:
        this.blocks.set(index, { kind: "other" })
        return ""
    }
  }

  private blockDelta(index: unknown, delta: unknown): string {
    if (typeof index !== "number" || !isRecord(delta)) return ""
    const block = this.blocks.get(index)
    if (block === undefined) return this.fail(`content_block_delta for unknown block ${index}`)
    if (delta["type"] === "text_delta" && block.kind === "text" && typeof delta["text"] === "string" && delta["text"] !== "") {
      return this.delta({ content: delta["text"] })
    }
    if (delta["type"] === "thinking_delta" && block.kind === "thinking" && typeof delta["thinking"] === "string" && delta["thinking"] !== "") {
      block.block["thinking"] = `${String(block.block["thinking"] ?? "")}${delta["thinking"]}`
      return this.thoughts.show ? this.delta({ reasoning_content: delta["thinking"] }) : ""
    }
    if (delta["type"] === "signature_delta" && block.kind === "thinking" && typeof delta["signature"] === "string") {
      block.block["signature"] = `${String(block.block["signature"] ?? "")}${delta["signature"]}`
      return ""
    }
    if (delta["type"] === "input_json_delta" && block.kind === "tool" && typeof delta["partial_json"] === "string" && delta["partial_json"] !== "") {
      block.sentArguments = true
      return this.delta({ tool_calls: [{ index: block.index, function: { arguments: delta["partial_json"] } }] })
    }
    return "" // citations_delta, …
  }

  /** A tool call whose input never streamed (no arguments) still gets valid JSON arguments. */
  private blockStop(index: unknown): string {
    if (typeof index !== "number") return ""
    const block = this.blocks.get(index)
    if (block?.kind !== "tool" || block.sentArguments) return ""
    block.sentArguments = true
    const initial = isRecord(block.initialInput) ? block.initialInput : {}
    return this.delta({ tool_calls: [{ index: block.index, function: { arguments: JSON.stringify(initial) } }] })
  }

  private messageStop(): string {
    rememberThought(this.thoughts, this.toolIds, this.thinking)
    let out = this.started ? "" : this.delta({ content: "" })
    out += chunkEvent(this.next(), 0, {}, this.finishReason)
    if (this.includeUsage) out += usageEvent(this.next(), usageFrom(this.usage))
    this.done = true
    return out + DONE_EVENT
  }
}
