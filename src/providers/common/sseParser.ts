/**
 * Incremental Server-Sent Events decoder for translated upstreams (Anthropic, Gemini). Chunks may
 * split anywhere, including inside a multi-byte UTF-8 character or between `\r` and `\n`.
 */
import { StringDecoder } from "node:string_decoder"

export interface SseEvent {
  /** The `event:` field, when the upstream names its events (Anthropic does, Gemini does not). */
  readonly event: string | undefined
  readonly data: string
}

export class SseParser {
  private readonly decoder = new StringDecoder("utf8")
  private buffer = ""
  private event: string | undefined = undefined
  private data: Array<string> = []

  /** Feed bytes; returns every event completed by them (in order). */
  push(chunk: Buffer | string): Array<SseEvent> {
    this.buffer += typeof chunk === "string" ? chunk : this.decoder.write(chunk)
    return this.drain(false)
  }

  /**
   * The body ended: a last event without its blank line is still dispatched (lenient: some
   * servers omit the final separator), a partial line is treated as complete.
   */
  end(): Array<SseEvent> {
    this.buffer += this.decoder.end()
    const events = this.drain(true)
    if (this.buffer !== "") {
      this.line(this.buffer, events)
      this.buffer = ""
    }
    if (this.data.length > 0) events.push(this.take())
    return events
  }

  private drain(final: boolean): Array<SseEvent> {
    const events: Array<SseEvent> = []
    const terminator = /[\r\n]/g
    let start = 0
    for (;;) {
      terminator.lastIndex = start
      const found = terminator.exec(this.buffer)
      if (found === null) break
      const end = found.index
      let next = end + 1
      if (found[0] === "\r") {
        // A lone `\r` at the very end may be the first half of `\r\n`: wait for more bytes.
        if (end === this.buffer.length - 1 && !final) break
        if (this.buffer[end + 1] === "\n") next = end + 2
      }
      this.line(this.buffer.slice(start, end), events)
      start = next
    }
    this.buffer = this.buffer.slice(start)
    return events
  }

  private line(line: string, events: Array<SseEvent>): void {
    if (line === "") {
      if (this.data.length > 0) events.push(this.take())
      else this.event = undefined
      return
    }
    if (line.startsWith(":")) return
    const colon = line.indexOf(":")
    const field = colon === -1 ? line : line.slice(0, colon)
    let value = colon === -1 ? "" : line.slice(colon + 1)
    if (value.startsWith(" ")) value = value.slice(1)
    if (field === "data") this.data.push(value)
    else if (field === "event") this.event = value
  }

  private take(): SseEvent {
    const event = { event: this.event, data: this.data.join("\n") }
    this.event = undefined
    this.data = []
    return event
  }
}
