/**
 * The Router's answer events → Anthropic's Messages stream: `message_start`, per content block
 * `content_block_start` / `content_block_delta` (`text_delta`, `input_json_delta`) /
 * `content_block_stop`, then `message_delta` (stop reason, usage) and `message_stop`; `ping` while
 * waiting; a failure as an `error` event (the SDKs throw on it), never a clean end.
 *
 * An Anthropic upstream's own events (`Native`) are forwarded as they are; the encoder follows
 * them (open block, index, whether `message_delta` went out), so that a continuation by another
 * provider after a cut carries on in the same message.
 */
import type { AnswerEvent } from "../answer.js"
import { AnswerTally, namedEvent, type StreamEncoder } from "../encodeStream.js"
import { messageId, messagesUsage, stopReason, toolUseId, unsignedThinking } from "./response.js"
import { anthropicErrorType } from "./errors.js"
import { isRecord } from "../../providers/common/openaiRequest.js"

const dataOf = (frame: string): Record<string, unknown> => {
  try {
    const data: unknown = JSON.parse(frame.slice(frame.indexOf("data: ") + "data: ".length))
    return isRecord(data) ? data : {}
  } catch {
    return {}
  }
}

type OpenBlock =
  | { readonly kind: "text" }
  | { readonly kind: "thinking" }
  | { readonly kind: "tool"; readonly toolIndex: number; readonly id: string }
  /** A block an upstream's own event opened (thinking, tool_use, …): nothing of ours continues it. */
  | { readonly kind: "native" }

export class MessagesStreamEncoder implements StreamEncoder {
  private started = false
  private ended = false
  private block: OpenBlock | undefined = undefined
  private index = -1
  /** The upstream's own `message_delta` (stop reason, usage) was forwarded. */
  private delivered = false
  private readonly tally = new AnswerTally()

  constructor(
    private readonly requestedModel: string,
    /** The client turned thinking on: reasoning from other providers comes as (unsigned) thinking blocks. */
    private readonly showThinking: boolean
  ) {}

  push(event: AnswerEvent): string {
    // Finish reason and usage are sent at the end.
    if (this.ended || this.tally.note(event)) return ""
    switch (event._tag) {
      case "Native":
        return this.follow(event.frame)
      case "KeepAlive":
        return namedEvent("ping", { type: "ping" })
      case "Meta":
        return this.start(event.id, event.model)
      case "Text":
        return this.start("", "") + this.open({ kind: "text" }, { type: "text", text: "" }) +
          this.delta({ type: "text_delta", text: event.text })
      case "ToolCall": {
        let out = this.start("", "")
        const current = this.block
        // A new tool call: another index, or a new id (pieces of one call repeat neither).
        if (current?.kind !== "tool" || current.toolIndex !== event.index || (event.id !== undefined && event.id !== current.id)) {
          const id = toolUseId(event.id ?? "")
          out += this.open({ kind: "tool", toolIndex: event.index, id: event.id ?? id }, { type: "tool_use", id, name: event.name ?? "", input: {} }, true)
        }
        return event.arguments === "" ? out : out + this.delta({ type: "input_json_delta", partial_json: event.arguments })
      }
      case "Reasoning":
        if (!this.showThinking) return ""
        return this.start("", "") + this.open({ kind: "thinking" }, unsignedThinking("")) +
          this.delta({ type: "thinking_delta", thinking: event.text })
      case "Error":
        this.ended = true
        return namedEvent("error", { type: "error", error: { type: anthropicErrorType(500, event.code), message: event.message } })
      case "Done": {
        this.ended = true
        if (this.delivered) return this.close() + namedEvent("message_stop", { type: "message_stop" })
        const usage = messagesUsage(this.tally.usage)
        return this.start("", "") + this.close() +
          namedEvent("message_delta", {
            type: "message_delta",
            delta: { stop_reason: stopReason(this.tally.reason), stop_sequence: null },
            usage
          }) +
          namedEvent("message_stop", { type: "message_stop" })
      }
    }
  }

  end(): string {
    if (this.ended) return ""
    this.ended = true
    return namedEvent("error", { type: "error", error: { type: "api_error", message: "The answer stream ended before it was complete." } })
  }

  /** An upstream event forwarded as it is, its effect on the message noted. */
  private follow(frame: string): string {
    const type = frame.slice("event: ".length, frame.indexOf("\n"))
    switch (type) {
      case "message_start":
        this.started = true
        break
      case "content_block_start": {
        const data = dataOf(frame)
        this.index = typeof data["index"] === "number" ? data["index"] : this.index + 1
        const block = data["content_block"]
        this.block = isRecord(block) && block["type"] === "text" ? { kind: "text" } : { kind: "native" }
        break
      }
      case "content_block_stop":
        this.block = undefined
        break
      case "message_delta":
        this.delivered = true
        break
      case "message_stop":
        this.ended = true
        break
    }
    return frame
  }

  private start(id: string, model: string): string {
    if (this.started) return ""
    this.started = true
    return namedEvent("message_start", {
      type: "message_start",
      message: {
        id: messageId(id),
        type: "message",
        role: "assistant",
        model: model || this.requestedModel,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 0, output_tokens: 0 }
      }
    })
  }

  /** Opens a block unless one of the same kind is open (`force`: always a new one, e.g. the next tool call). */
  private open(block: OpenBlock, content: Record<string, unknown>, force = false): string {
    if (!force && this.block?.kind === block.kind) return ""
    const closed = this.close()
    this.block = block
    this.index += 1
    return closed + namedEvent("content_block_start", { type: "content_block_start", index: this.index, content_block: content })
  }

  private close(): string {
    if (this.block === undefined) return ""
    this.block = undefined
    return namedEvent("content_block_stop", { type: "content_block_stop", index: this.index })
  }

  private delta(delta: Record<string, unknown>): string {
    return namedEvent("content_block_delta", { type: "content_block_delta", index: this.index, delta })
  }
}
