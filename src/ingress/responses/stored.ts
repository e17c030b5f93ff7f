/**
 * What a stored Responses API answer is, wherever it is kept (`ResponseStore.ts`: files, or rows of
 * the shared database in `sqlResponseStore.ts`), and the checks both stores apply.
 */
import type { Effect } from "effect"
import type { StateUnavailable } from "../../errors/request.js"

export interface StoredResponse {
  readonly id: string
  readonly createdAt: number
  readonly model: string
  /** The whole conversation up to and including this response's answer, as chat messages (no instructions). */
  readonly messages: ReadonlyArray<Readonly<Record<string, unknown>>>
}

export interface ResponseStoreService {
  /** The stored response, or undefined when unknown, expired or unreadable; fails when the store cannot be reached. */
  readonly get: (id: string) => Effect.Effect<StoredResponse | undefined, StateUnavailable>
  readonly put: (response: StoredResponse) => Effect.Effect<void>
}

/** Ids we mint (`resp_` + hex): anything else cannot name a file or row of ours. */
export const VALID_ID = /^resp_[a-f0-9]{16,64}$/

export interface ResponseLimits {
  readonly ttlMs: number
  readonly maxCount: number
  readonly maxBytes: number
}

/** A parsed stored response, when it is one and has the id asked for. */
export const parseStored = (text: string, id: string): StoredResponse | undefined => {
  const parsed = JSON.parse(text) as StoredResponse
  return parsed !== null && typeof parsed === "object" && parsed.id === id && Array.isArray(parsed.messages) ? parsed : undefined
}
