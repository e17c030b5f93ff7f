/**
 * Byte-level helpers for OpenAI-style SSE: the `[DONE]` terminator and the error event the router
 * appends when a stream cannot be completed. Kept at byte level: the pass-through path never
 * decodes or re-encodes the upstream's chunks.
 */

const DONE_MARKERS = [Buffer.from("data: [DONE]"), Buffer.from("data:[DONE]")]
const ERROR_MARKERS = [Buffer.from(`data: {"error"`), Buffer.from(`data:{"error"`)]
/** Enough trailing bytes to find a marker split across two chunks. */
const CARRY = 16

/** Watches a pass-through SSE byte stream for the terminator and for in-band error events. */
export class SseWatcher {
  private tail: Buffer = Buffer.alloc(0)
  done = false
  sawError = false

  observe(chunk: Buffer): void {
    if (this.done) return
    const window = this.tail.length === 0 ? chunk : Buffer.concat([this.tail, chunk.subarray(0, 64)])
    if (window !== chunk) this.scan(window)
    this.scan(chunk)
    this.tail = Buffer.from(chunk.subarray(Math.max(0, chunk.length - CARRY)))
  }

  private scan(bytes: Buffer): void {
    if (DONE_MARKERS.some((marker) => bytes.includes(marker))) this.done = true
    if (!this.sawError && ERROR_MARKERS.some((marker) => bytes.includes(marker))) this.sawError = true
  }
}

export const DONE_EVENT = "data: [DONE]\n\n"

/** An OpenAI-shaped SSE error event: the official SDKs throw on it instead of ending cleanly. */
export const sseErrorEvent = (message: string, code = "stream_broken"): string =>
  `event: error\ndata: ${JSON.stringify({ error: { message, type: "upstream_error", code, param: null } })}\n\n`

export const sseDataEvent = (payload: unknown): string => `data: ${JSON.stringify(payload)}\n\n`
