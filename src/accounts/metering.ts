/**
 * Metering a scoped key's request: admitted first (`admission.ts`), then its tokens and x402 spend
 * are recorded when the answer ends — at once for a complete answer, at the stream's end for a
 * stream, and as one request with no tokens when it failed.
 */
import { Effect, FiberRef } from "effect"
import type { ChatRequest } from "../providers/Adapter.js"
import type { RouterResponse } from "../routing/response.js"
import type { KeyPrincipal } from "./claims.js"
import type { KeyRejected } from "./errors.js"
import type { Usage } from "./keyStore.js"
import { CurrentUsageMeter, meterStream, tokensOfCompletion, type UsageMeter } from "./usage.js"

/** The verified key of the request being served (set by the HTTP layer). */
export const CurrentKey = FiberRef.unsafeMake<KeyPrincipal | undefined>(undefined)

export interface MeteringDeps {
  readonly admit: (key: KeyPrincipal, model: string) => Effect.Effect<number, KeyRejected>
  /** Counts one answer's use (never fails: a store that is away keeps it counted in memory). */
  readonly record: (jti: string, usage: Usage) => Effect.Effect<void>
}

export const makeMetered = ({ admit, record }: MeteringDeps) =>
  <E>(request: ChatRequest, handle: Effect.Effect<RouterResponse, E>): Effect.Effect<RouterResponse, E | KeyRejected> =>
    Effect.flatMap(FiberRef.get(CurrentKey), (key) => {
      if (key === undefined) return handle
      return Effect.flatMap(admit(key, request.model), (startedAt) => {
        const meter: UsageMeter = { tokens: 0, usdMicro: 0 }
        // A store that is away must not fail an answer already given: the use stays counted here.
        const recordUse = (tokens: number) =>
          record(key.jti, {
            requests: 1,
            tokens: Math.max(0, Math.round(tokens)),
            usdMicro: Math.max(0, Math.ceil(meter.usdMicro)),
            lastUsedAt: startedAt
          })
        return Effect.locally(handle, CurrentUsageMeter, meter).pipe(
          Effect.tapErrorCause(() => recordUse(0)),
          Effect.flatMap((response): Effect.Effect<RouterResponse> => {
            if (response.answer._tag === "Complete") return Effect.as(recordUse(tokensOfCompletion(response.answer.bytes)), response)
            const prompt = Math.ceil(JSON.stringify(request.body.messages ?? "").length / 4)
            const onEnd = (tokens: number) => Effect.runFork(recordUse(tokens))
            return Effect.succeed({ ...response, answer: { _tag: "Stream", stream: meterStream(response.answer.stream, prompt, onEnd) } })
          })
        )
      })
    })
