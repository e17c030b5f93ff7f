/**
 * Builders for what the translating adapters send back: OpenAI `chat.completion` documents and
 * `chat.completion.chunk` SSE events, in the exact shapes the official SDKs assemble.
 */
import { randomBytes } from "node:crypto"
import { StreamBroken } from "../../errors/upstream.js"
import { sseDataEvent } from "../sse.js"

export type FinishReason = "stop" | "length" | "tool_calls" | "content_filter"

export interface Usage {
  readonly prompt_tokens: number
  readonly completion_tokens: number
  readonly total_tokens: number
  /** `cache_write_tokens`: prompt tokens written to the cache (Anthropic bills them apart; OpenRouter's name). */
  readonly prompt_tokens_details?: { readonly cached_tokens: number; readonly cache_write_tokens?: number }
  readonly completion_tokens_details?: { readonly reasoning_tokens: number }
}

export interface ToolCallOut {
  readonly id: string
  readonly type: "function"
  readonly function: { readonly name: string; readonly arguments: string }
}

/** What every chunk of one answer repeats. */
export interface ChunkBase {
  readonly id: string
  readonly created: number
  readonly model: string
  /**
   * Relay mode (`anthropic/stream.ts`): the upstream's own SSE event this chunk translates, for a
   * client that speaks the upstream's API; "" on the further chunks of the same event.
   */
  readonly native?: string
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000)

/** A completion id: the upstream's own when it has one, else a fresh random one. */
export const completionId = (upstream: string | undefined): string =>
  upstream !== undefined && upstream !== "" ? upstream : `chatcmpl-${randomBytes(12).toString("hex")}`

export const chunkEvent = (
  base: ChunkBase,
  index: number,
  delta: Readonly<Record<string, unknown>>,
  finishReason: FinishReason | null = null
): string =>
  sseDataEvent({
    id: base.id,
    object: "chat.completion.chunk",
    created: base.created,
    model: base.model,
    choices: [{ index, delta, logprobs: null, finish_reason: finishReason }],
    ...(base.native === undefined ? {} : { native: base.native })
  })

/** The `stream_options.include_usage` chunk: no choices, the whole answer's usage. */
export const usageEvent = (base: ChunkBase, usage: Usage): string =>
  sseDataEvent({ id: base.id, object: "chat.completion.chunk", created: base.created, model: base.model, choices: [], usage, ...(base.native === undefined ? {} : { native: base.native }) })

/** A chunk without choices that only carries `base.native` (an upstream event with nothing to translate). */
export const carrierEvent = (base: ChunkBase): string =>
  sseDataEvent({ id: base.id, object: "chat.completion.chunk", created: base.created, model: base.model, choices: [], native: base.native })

export interface ChoiceOut {
  readonly text: string
  readonly reasoning: string
  readonly refusal: string | undefined
  readonly toolCalls: ReadonlyArray<ToolCallOut>
  readonly finishReason: FinishReason
}

export const completionDocument = (
  base: ChunkBase,
  choices: ReadonlyArray<ChoiceOut>,
  usage: Usage | undefined
): string =>
  JSON.stringify({
    id: base.id,
    object: "chat.completion",
    created: base.created,
    model: base.model,
    choices: choices.map((choice, index) => ({
      index,
      message: {
        role: "assistant",
        content: choice.text === "" && (choice.toolCalls.length > 0 || choice.refusal !== undefined) ? null : choice.text,
        refusal: choice.refusal ?? null,
        ...(choice.reasoning === "" ? {} : { reasoning_content: choice.reasoning }),
        ...(choice.toolCalls.length === 0 ? {} : { tool_calls: choice.toolCalls })
      },
      logprobs: null,
      finish_reason: choice.finishReason
    })),
    ...(usage === undefined ? {} : { usage })
  })

export const usageOf = (prompt: number, completion: number, cached: number, reasoning: number, total?: number, written = 0): Usage => ({
  prompt_tokens: prompt,
  completion_tokens: completion,
  total_tokens: total ?? prompt + completion,
  ...(cached > 0 || written > 0
    ? { prompt_tokens_details: { cached_tokens: cached, ...(written > 0 ? { cache_write_tokens: written } : {}) } }
    : {}),
  ...(reasoning > 0 ? { completion_tokens_details: { reasoning_tokens: reasoning } } : {})
})

export const malformed = (endpoint: string, what: string): StreamBroken =>
  new StreamBroken({ endpoint, message: `${endpoint} answered with ${what}` })

export const num = (value: unknown): number => (typeof value === "number" && Number.isFinite(value) ? value : 0)

/** An OpenAI-shaped error body, so the client's SDK reads the provider's message and type. */
export const openAiErrorBody = (message: string, type: string, code: string | number | null): string =>
  JSON.stringify({ error: { message, type, code, param: null } })
