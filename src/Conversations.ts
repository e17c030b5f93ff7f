/**
 * The `Conversations` service: the memory behind conversation-aware auto routing. It names the
 * conversation a request belongs to (`conversations/identity.ts`), recalls where its last turn
 * was served, and remembers where this one was. Only hashes, endpoint ids and categories are
 * kept (`conversations/pins.ts`), in a bounded LRU whose entries expire.
 */
import { Context, Effect, Layer } from "effect"
import { Config } from "./Config.js"
import { DEFAULT_CACHE_TTL_MS } from "./config/conversations.js"
import type { Category } from "./config/schema.js"
import { type ConversationIdentity, hasHistory, identify } from "./conversations/identity.js"
import { type Pin, PinStore } from "./conversations/pins.js"
import type { ChatRequest, ResolvedEndpoint } from "./providers/Adapter.js"

export type { ConversationIdentity, Pin }

export interface ConversationsService {
  /** The request's conversation; `undefined` when it has none or conversations are disabled. */
  readonly identify: (request: ChatRequest) => ConversationIdentity | undefined
  /**
   * The conversation's pin, if any and if it applies to this request (an inferred identity only
   * holds for a request that carries history).
   */
  readonly recall: (identity: ConversationIdentity, request: ChatRequest) => Effect.Effect<Pin | undefined>
  /** `endpoint` served the conversation's turn as `category`: keep it there while its cache is warm. */
  readonly remember: (identity: ConversationIdentity, endpoint: ResolvedEndpoint, category: Category) => Effect.Effect<void>
  /** Conversations currently remembered. */
  readonly size: Effect.Effect<number>
}

export class Conversations extends Context.Tag("llmrouter/Conversations")<Conversations, ConversationsService>() {}

export const make = Effect.gen(function*() {
  const { config } = yield* Config
  const settings = config.conversations
  const ttls: Readonly<Record<string, number>> = { ...DEFAULT_CACHE_TTL_MS, ...settings.cacheTtlMs }
  const pins = new PinStore(settings.maxConversations)
  /** A provider's own setting wins over its wire kind's. */
  const cacheTtl = (endpoint: ResolvedEndpoint) => ttls[endpoint.provider] ?? ttls[endpoint.kind] ?? DEFAULT_CACHE_TTL_MS.openai ?? 0

  return Conversations.of({
    identify: settings.enabled ? identify : () => undefined,
    recall: (identity, request) =>
      Effect.sync(() => (identity.explicit || hasHistory(request.body) ? pins.get(identity.key, Date.now()) : undefined)),
    remember: (identity, endpoint, category) =>
      Effect.sync(() => {
        const now = Date.now()
        const warm = cacheTtl(endpoint)
        pins.set(identity.key, {
          endpoint: endpoint.id,
          category,
          warmUntil: now + warm,
          expiresAt: now + Math.max(warm, settings.toolLoopTtlMs)
        })
      }),
    size: Effect.sync(() => pins.size)
  })
})

export const layer = Layer.effect(Conversations, make)
