/**
 * Where a conversation's next turn goes, given its pin: the rules of conversation-aware auto
 * routing, pure. A warm pin holds the conversation on its endpoint (`sticky`); a confident
 * classification into a higher category moves it up (`escalated`), never down while the cache is
 * warm; a tool result goes back to the model that called the tool (`tool-loop`), unclassified.
 * Without a usable pin the classifier decides alone (`fresh`).
 */
import type { Category } from "../config/schema.js"
import type { Pin } from "./pins.js"

export type RouteReason = "fresh" | "sticky" | "escalated" | "tool-loop"

export interface Placement {
  readonly category: Category
  readonly reason: RouteReason
  /** The endpoint to try first (the pinned one), when it can serve this turn. */
  readonly prefer?: string
}

/** Capability order: moving right is escalation. An image needs the vision chain whatever came before. */
const RANK: Readonly<Record<Category, number>> = { simple: 0, coding: 1, reasoning: 2, vision: 3 }

export const escalates = (from: Category, to: Category): boolean => RANK[to] > RANK[from]

export interface PlacementInput {
  /** The classifier's category after the confidence fallback (unused for a pinned tool loop). */
  readonly classified: Category
  /** Whether the classification cleared `auto.minConfidence` (a fallback never escalates). */
  readonly confident: boolean
  readonly toolLoop: boolean
  readonly pin: Pin | undefined
  readonly now: number
  /** Whether `endpoint` is a ready, healthy member of `category`'s chain. */
  readonly serves: (category: Category, endpoint: string) => boolean
}

export const place = (input: PlacementInput): Placement => {
  const { classified, pin } = input
  const fresh: Placement = { category: classified, reason: "fresh" }
  if (pin === undefined) return fresh
  const prefer = (category: Category) => (input.serves(category, pin.endpoint) ? { prefer: pin.endpoint } : {})
  if (input.toolLoop) return { category: pin.category, reason: "tool-loop", ...prefer(pin.category) }
  // A cold cache, or a pinned endpoint that cannot serve (unhealthy, gone from the chain): start afresh.
  if (input.now >= pin.warmUntil || !input.serves(pin.category, pin.endpoint)) return fresh
  if (input.confident && escalates(pin.category, classified)) return { category: classified, reason: "escalated", ...prefer(classified) }
  return { category: pin.category, reason: "sticky", prefer: pin.endpoint }
}
