/**
 * `llmrouter/auto`'s route for one request: the conversation's pin first (`Conversations`), the
 * classifier second, then the placement rules (`conversations/placement.ts`). The pinned endpoint,
 * when it can serve the turn, is tried first; the rest of the category's chain stays behind it
 * for failover.
 */
import { Effect } from "effect"
import type { Classifier, Decision } from "../Classifier.js"
import type { RouterConfig } from "../config/schema.js"
import type { ConversationIdentity, ConversationsService } from "../Conversations.js"
import { isToolResultTurn } from "../conversations/identity.js"
import { place, type RouteReason } from "../conversations/placement.js"
import type { HealthService } from "../Health.js"
import type { ChatRequest } from "../providers/Adapter.js"
import type { ProviderPoolService, Route } from "../ProviderPool.js"

/** A route and how it was decided: the classifier's decision (when it ran) and why (`auto`). */
export type DecidedRoute = Route & {
  readonly decision?: Decision
  readonly reason?: RouteReason
  readonly conversation?: ConversationIdentity
}

export interface AutoRouteDeps {
  readonly config: RouterConfig
  readonly pool: ProviderPoolService
  readonly classifier: Classifier["Type"]
  readonly conversations: ConversationsService
  readonly health: HealthService
}

export const makeAutoRoute = ({ classifier, config, conversations, health, pool }: AutoRouteDeps) =>
  (request: ChatRequest): Effect.Effect<DecidedRoute> =>
    Effect.gen(function*() {
      const identity = conversations.identify(request)
      const pin = identity === undefined ? undefined : yield* conversations.recall(identity, request)
      const toolLoop = pin !== undefined && isToolResultTurn(request.body)
      // A tool result goes back to its caller unclassified.
      const decision = toolLoop ? undefined : classifier.classify(request.body)
      const confident = decision !== undefined && (decision.confidence >= config.auto.minConfidence || decision.category === "vision")
      const classified = decision === undefined ? "simple" : confident ? decision.category : config.auto.fallbackCategory
      const healthy = pin === undefined ? false : !(yield* health.isOpen(pin.endpoint))
      const placement = place({
        classified,
        confident,
        toolLoop,
        pin,
        now: Date.now(),
        serves: (category, endpoint) =>
          healthy && pool.categoryRoute(category, request.model).candidates.some((c) => c._tag === "Ready" && c.endpoint.id === endpoint)
      })
      const route = pool.categoryRoute(placement.category, request.model)
      const candidates = placement.prefer === undefined
        ? route.candidates
        : [
          ...route.candidates.filter((c) => c._tag === "Ready" && c.endpoint.id === placement.prefer),
          ...route.candidates.filter((c) => !(c._tag === "Ready" && c.endpoint.id === placement.prefer))
        ]
      // Never the prompt's words (`word:` signals): logs carry no message content.
      yield* Effect.logDebug("classified", {
        model: request.model,
        category: decision?.category ?? null,
        confidence: decision?.confidence ?? null,
        signals: decision?.signals.filter((s) => !s.startsWith("word:")) ?? [],
        routedTo: placement.category,
        reason: placement.reason,
        conversation: identity === undefined ? null : `${identity.source}:${identity.key.slice(0, 12)}`,
        pinned: pin?.endpoint ?? null
      })
      return {
        ...route,
        candidates,
        reason: placement.reason,
        ...(decision === undefined ? {} : { decision }),
        ...(identity === undefined ? {} : { conversation: identity })
      }
    })
