/**
 * What an OpenAI-format client cannot carry back: the thinking of an assistant turn that called
 * tools. Anthropic needs that turn's `thinking` / `redacted_thinking` blocks back verbatim (with
 * their signatures) when the tool loop continues; Gemini needs each function call's
 * `thoughtSignature`. Both are remembered here, keyed by the tool-call ids of that turn (the one
 * thing the client does send back), for the model that produced them.
 *
 * Bounded (entries and bytes, least recently used forgotten first), in memory only, never logged:
 * after a restart or an eviction the adapters fall back to what the upstream accepts without it.
 */

/** An opaque provider payload: Anthropic's content blocks, or Gemini's `{ thoughtSignature }`. */
export type Thought = ReadonlyArray<Readonly<Record<string, unknown>>>

interface Entry {
  readonly model: string
  readonly thought: Thought
  readonly bytes: number
}

export interface ThinkingMemoryLimits {
  readonly entries: number
  readonly bytes: number
}

export class ThinkingMemory {
  private readonly entries = new Map<string, Entry>()
  private bytes = 0

  constructor(private readonly limits: ThinkingMemoryLimits) {}

  /** Remembers `thought` for every tool call of one assistant turn of `model`. */
  remember(callIds: ReadonlyArray<string>, model: string, thought: Thought): void {
    if (callIds.length === 0 || thought.length === 0) return
    const bytes = JSON.stringify(thought).length
    if (bytes > this.limits.bytes) return
    for (const id of callIds) {
      this.forget(id)
      this.entries.set(id, { model, thought, bytes })
      this.bytes += bytes
    }
    while (this.entries.size > this.limits.entries || this.bytes > this.limits.bytes) {
      const oldest = this.entries.keys().next()
      if (oldest.done === true) break
      this.forget(oldest.value)
    }
  }

  /** The thought of the turn that made tool call `callId`, if it was `model`'s and is still known. */
  recall(callId: string, model: string): Thought | undefined {
    const entry = this.entries.get(callId)
    if (entry === undefined || entry.model !== model) return undefined
    // Recently used: moves to the young end.
    this.entries.delete(callId)
    this.entries.set(callId, entry)
    return entry.thought
  }

  get size(): number {
    return this.entries.size
  }

  private forget(id: string): void {
    const entry = this.entries.get(id)
    if (entry === undefined) return
    this.entries.delete(id)
    this.bytes -= entry.bytes
  }
}
