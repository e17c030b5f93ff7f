/**
 * Prompt caching on the wire to Anthropic, which caches only up to the `cache_control` breakpoints
 * a request marks (at most 4): the tools, the system prompt and, when the request continues a
 * conversation, its latest message and the previous user turn (Anthropic looks back only 20
 * blocks from a breakpoint, which a long tool loop exceeds). A one-shot request marks only tools
 * and system, which every conversation shares: a cache write costs 1.25× input, so its own turn
 * is not written until a follow-up can read it. A client that sets its own breakpoints keeps
 * exactly those.
 */
type Block = Record<string, unknown>

const EPHEMERAL = { type: "ephemeral" } as const

const blocksOf = (content: unknown): ReadonlyArray<Block> => (Array.isArray(content) ? (content as Array<Block>) : [])

/** Whether the client marked anything itself (system, message blocks, tool results' inner blocks). */
const hasBreakpoint = (body: Block): boolean => {
  const marked = (blocks: ReadonlyArray<Block>): boolean =>
    blocks.some((block) => block["cache_control"] !== undefined || marked(blocksOf(block["content"])))
  return marked(blocksOf(body["system"])) || blocksOf(body["messages"]).some((message) => marked(blocksOf(message["content"])))
}

/** Thinking blocks cannot carry a breakpoint; empty text blocks are refused with one. */
const markable = (block: Block | undefined): block is Block =>
  block !== undefined && block["type"] !== "thinking" && block["type"] !== "redacted_thinking" &&
  !(block["type"] === "text" && block["text"] === "")

const markLast = (blocks: ReadonlyArray<Block>): Array<Block> | undefined => {
  const last = blocks[blocks.length - 1]
  return markable(last) ? [...blocks.slice(0, -1), { ...last, cache_control: EPHEMERAL }] : undefined
}

export const withCacheBreakpoints = (body: Block): Block => {
  if (hasBreakpoint(body)) return body
  const out: Block = { ...body }
  const tools = markLast(blocksOf(body["tools"]))
  if (tools !== undefined) out["tools"] = tools
  const system = body["system"]
  if (typeof system === "string" && system !== "") out["system"] = [{ type: "text", text: system, cache_control: EPHEMERAL }]
  else if (Array.isArray(system)) out["system"] = markLast(blocksOf(system)) ?? system
  const messages = blocksOf(body["messages"])
  if (messages.length > 1) {
    const marked = [...messages]
    const mark = (index: number) => {
      const message = marked[index]
      const content = message === undefined ? undefined : markLast(blocksOf(message["content"]))
      if (message !== undefined && content !== undefined) marked[index] = { ...message, content }
    }
    mark(marked.length - 1)
    // The previous user turn: the conversation so far, as the last request had it.
    const previousUser = marked.slice(0, -1).map((m) => m["role"]).lastIndexOf("user")
    if (previousUser >= 0) mark(previousUser)
    out["messages"] = marked
  }
  return out
}
