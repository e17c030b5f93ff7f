/**
 * The Router's answer events → the Responses API stream: `response.created`,
 * `response.in_progress`, per output item `response.output_item.added` … `.done` (a message with
 * its `output_text` part and deltas, a function call with its argument deltas, or the reasoning
 * with its summary or text deltas, `reasoning.ts`), then
 * `response.completed` (or `response.incomplete`); a failure as `response.failed`. Every event
 * carries `sequence_number`; item events their `output_index` and `item_id`.
 */
import type { AnswerEvent, AnswerToolCall } from "../answer.js"
import { AnswerTally, namedEvent, type StreamEncoder } from "../encodeStream.js"
import {
  assistantTurn,
  functionCallItem,
  messageItem,
  newId,
  outputText,
  type ResponseContext,
  responseObject,
  statusOf
} from "./response.js"
import { type ItemEvent, reasoningClosed, reasoningDelta, reasoningItem, reasoningOpened, type ReasoningStyle } from "./reasoning.js"

type OpenItem =
  | { readonly kind: "message"; readonly id: string; readonly outputIndex: number; text: string }
  | { readonly kind: "reasoning"; readonly id: string; readonly outputIndex: number; text: string }
  | { readonly kind: "call"; readonly id: string; readonly outputIndex: number; readonly toolIndex: number; readonly call: { id: string; name: string; arguments: string } }

export class ResponsesStreamEncoder implements StreamEncoder {
  private sequence = 0
  private started = false
  private ended = false
  private model = ""
  private item: OpenItem | undefined = undefined
  private readonly output: Array<unknown> = []
  private text = ""
  private readonly calls: Array<AnswerToolCall> = []
  private readonly tally = new AnswerTally()

  constructor(
    private readonly context: ResponseContext,
    /** How reasoning is reported (by the kind of upstream that answers). */
    private readonly style: ReasoningStyle,
    /** Called once with the answer as a chat turn, before `response.completed` is sent (to store it). */
    private readonly onComplete: (turn: Record<string, unknown>) => void
  ) {}

  push(event: AnswerEvent): string {
    // Finish reason and usage are sent at the end.
    if (this.ended || this.tally.note(event)) return ""
    switch (event._tag) {
      case "KeepAlive":
        return this.start() + ": keep-alive\n\n"
      case "Meta":
        this.model = event.model
        return this.start()
      case "Text": {
        const { out, item } = this.current("message", (outputIndex) => ({ kind: "message", id: newId("msg"), outputIndex, text: "" }), (item) =>
          this.emit("response.output_item.added", { output_index: item.outputIndex, item: messageItem(item.id, "", "in_progress") }) +
          this.emit("response.content_part.added", { item_id: item.id, output_index: item.outputIndex, content_index: 0, part: outputText("") }))
        item.text += event.text
        return out + this.emit("response.output_text.delta", {
          item_id: item.id,
          output_index: item.outputIndex,
          content_index: 0,
          delta: event.text,
          logprobs: []
        })
      }
      case "ToolCall": {
        let out = this.start()
        const current = this.item
        if (current?.kind !== "call" || current.toolIndex !== event.index || (event.id !== undefined && event.id !== current.call.id)) {
          out += this.close()
          const item = {
            kind: "call" as const,
            id: newId("fc"),
            outputIndex: this.output.length,
            toolIndex: event.index,
            call: { id: event.id ?? newId("fc").replace(/^fc_/, "call_"), name: event.name ?? "", arguments: "" }
          }
          this.item = item
          out += this.emit("response.output_item.added", { output_index: item.outputIndex, item: functionCallItem(item.id, item.call, "in_progress") })
        }
        const item = this.item as Extract<OpenItem, { kind: "call" }>
        if (event.arguments === "") return out
        item.call.arguments += event.arguments
        return out + this.emit("response.function_call_arguments.delta", { item_id: item.id, output_index: item.outputIndex, delta: event.arguments })
      }
      case "Reasoning": {
        const { out, item } = this.current("reasoning", (outputIndex) => ({ kind: "reasoning", id: newId("rs"), outputIndex, text: "" }), (item) =>
          this.emitAll(reasoningOpened(item.id, item.outputIndex, this.style)))
        item.text += event.text
        return out + this.emitAll([reasoningDelta(item.id, item.outputIndex, this.style, event.text)])
      }
      case "Native":
        return "" // only for a client that speaks the upstream's API (Messages)
      case "Error":
        return this.fail(event.code ?? "server_error", event.message)
      case "Done": {
        const out = this.start() + this.close()
        this.ended = true
        this.onComplete(assistantTurn(this.text, this.calls))
        const status = statusOf(this.tally.reason)
        const response = responseObject(this.context, { status, model: this.model, output: this.output, usage: this.tally.usage })
        return out + this.emit(status === "incomplete" ? "response.incomplete" : "response.completed", { response })
      }
    }
  }

  end(): string {
    return this.ended ? "" : this.fail("server_error", "The answer stream ended before it was complete.")
  }

  private fail(code: string, message: string): string {
    const out = this.start()
    this.ended = true
    // What was delivered stays in the failed response's output, marked incomplete.
    const open = this.item
    if (open?.kind === "message") this.output.push({ ...messageItem(open.id, open.text, "completed"), status: "incomplete" })
    else if (open?.kind === "reasoning") this.output.push(reasoningItem(open.id, open.text, this.style, "incomplete"))
    else if (open?.kind === "call") this.output.push({ ...functionCallItem(open.id, open.call, "completed"), status: "incomplete" })
    const response = responseObject(this.context, { status: "failed", model: this.model, output: this.output, error: { code, message } })
    return out + this.emit("response.failed", { response })
  }

  /** The open item of `kind`, or a new one (the open one closed first), announced by `opened`. */
  private current<K extends "message" | "reasoning">(
    kind: K,
    make: (outputIndex: number) => Extract<OpenItem, { kind: K }>,
    opened: (item: Extract<OpenItem, { kind: K }>) => string
  ): { readonly out: string; readonly item: Extract<OpenItem, { kind: K }> } {
    let out = this.start()
    const open = this.item
    if (open?.kind === kind) return { out, item: open as Extract<OpenItem, { kind: K }> }
    out += this.close()
    const item = make(this.output.length)
    this.item = item
    return { out: out + opened(item), item }
  }

  private start(): string {
    if (this.started) return ""
    this.started = true
    const response = responseObject(this.context, { status: "in_progress", model: this.model, output: [] })
    return this.emit("response.created", { response }) + this.emit("response.in_progress", { response })
  }

  private close(): string {
    const item = this.item
    if (item === undefined) return ""
    this.item = undefined
    if (item.kind === "reasoning") {
      const { events, item: done } = reasoningClosed(item.id, item.outputIndex, this.style, item.text)
      this.output.push(done)
      return this.emitAll(events)
    }
    if (item.kind === "message") {
      this.text += item.text
      const done = messageItem(item.id, item.text, "completed")
      this.output.push(done)
      const at = { item_id: item.id, output_index: item.outputIndex, content_index: 0 }
      return this.emit("response.output_text.done", { ...at, text: item.text, logprobs: [] }) +
        this.emit("response.content_part.done", { ...at, part: outputText(item.text) }) +
        this.emit("response.output_item.done", { output_index: item.outputIndex, item: done })
    }
    const call = { ...item.call, arguments: item.call.arguments === "" ? "{}" : item.call.arguments }
    this.calls.push(call)
    const done = functionCallItem(item.id, call, "completed")
    this.output.push(done)
    return this.emit("response.function_call_arguments.done", { item_id: item.id, output_index: item.outputIndex, name: call.name, arguments: call.arguments }) +
      this.emit("response.output_item.done", { output_index: item.outputIndex, item: done })
  }

  private emitAll(events: ReadonlyArray<ItemEvent>): string {
    return events.map(([type, payload]) => this.emit(type, payload)).join("")
  }

  private emit(type: string, payload: Record<string, unknown>): string {
    return namedEvent(type, { type, sequence_number: this.sequence++, ...payload })
  }
}
