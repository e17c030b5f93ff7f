/**
 * Reads translated OpenAI SSE back, for adapter unit tests: the chunk list, whether `[DONE]` came,
 * and the message the official SDK would assemble from it (content, tool calls, finish, usage).
 */
export interface Chunk {
  readonly id: string
  readonly object: string
  readonly created: number
  readonly model: string
  readonly choices: ReadonlyArray<{
    readonly index: number
    readonly delta: Record<string, unknown>
    readonly finish_reason: string | null
  }>
  readonly usage?: Record<string, unknown>
}

export const parseSse = (text: string): { chunks: Array<Chunk>; done: boolean; tail: string } => {
  const chunks: Array<Chunk> = []
  let done = false
  const events = text.split("\n\n")
  const tail = events.pop() ?? ""
  for (const event of events) {
    const data = event.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n")
    if (data === "[DONE]") done = true
    else chunks.push(JSON.parse(data) as Chunk)
  }
  return { chunks, done, tail }
}

export interface Assembled {
  role: string | undefined
  content: string | null
  reasoning: string | undefined
  refusal: string | undefined
  toolCalls: Array<{ id: string; type: string; name: string; arguments: string }>
  finishReason: string | null
}

export const assemble = (chunks: ReadonlyArray<Chunk>, choice = 0): Assembled => {
  const out: Assembled = { role: undefined, content: null, reasoning: undefined, refusal: undefined, toolCalls: [], finishReason: null }
  for (const chunk of chunks) {
    for (const c of chunk.choices) {
      if (c.index !== choice) continue
      const d = c.delta
      if (typeof d["role"] === "string") {
        if (out.role !== undefined) throw new Error("role sent twice")
        out.role = d["role"]
      }
      if (typeof d["content"] === "string" && d["content"] !== "") out.content = (out.content ?? "") + d["content"]
      if (typeof d["reasoning_content"] === "string") out.reasoning = (out.reasoning ?? "") + d["reasoning_content"]
      if (typeof d["refusal"] === "string") out.refusal = (out.refusal ?? "") + d["refusal"]
      for (const call of (d["tool_calls"] ?? []) as Array<Record<string, unknown>>) {
        const index = call["index"] as number
        const fn = (call["function"] ?? {}) as Record<string, unknown>
        let slot = out.toolCalls[index]
        if (slot === undefined) {
          if (index !== out.toolCalls.length) throw new Error(`tool call index ${index} skips ahead`)
          if (typeof call["id"] !== "string" || typeof fn["name"] !== "string") throw new Error("first delta of a tool call lacks id/name")
          slot = { id: call["id"], type: String(call["type"]), name: fn["name"], arguments: "" }
          out.toolCalls[index] = slot
        } else if (call["id"] !== undefined) {
          throw new Error("id repeated on a later tool-call delta")
        }
        if (typeof fn["arguments"] === "string") slot.arguments += fn["arguments"]
      }
      if (c.finish_reason !== null) out.finishReason = c.finish_reason
    }
  }
  return out
}

/** Chunks with `created` zeroed, to compare translations made at different instants. */
export const normalized = (chunks: ReadonlyArray<Chunk>) => chunks.map((c) => ({ ...c, created: 0 }))
