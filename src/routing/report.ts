/**
 * Each request's one report to `Metrics`: what routing learnt (route, attempts, payment, timings)
 * is collected in a `Trace` as the request goes, and reported once — when it failed, when its
 * complete answer is ready, or when its stream ended.
 */
import { Cause, Effect, Exit } from "effect"
import type { RouterConfig } from "../config/schema.js"
import type { MetricsService } from "../Metrics.js"
import { costOf, type TokenPrice } from "../metrics/prices.js"
import { NO_TOKENS, paymentMicroUsd, type Tokens, usageFromBody } from "../metrics/usage.js"
import type { ChatRequest } from "../providers/Adapter.js"
import type { RouterError, RouterResponse } from "./response.js"
import type { DecidedRoute } from "./autoRoute.js"
import type { AttemptLog } from "./chain.js"
import type { PaymentSession } from "./payOnce.js"
import type { SessionEnd } from "./stream/session.js"

/** What one request's report is made of, filled in as it goes. */
export interface Trace {
  readonly at: number
  readonly model: string
  readonly stream: boolean
  route: DecidedRoute | undefined
  log: AttemptLog | undefined
  session: PaymentSession | undefined
  /** When the answer (or a stream's first content) was ready to send. */
  readyAt: number | undefined
  /** The endpoint whose answer was committed. */
  answered: string | undefined
  reported: boolean
}

export const newTrace = (request: ChatRequest): Trace => ({
  at: Date.now(),
  model: request.model,
  stream: request.stream,
  route: undefined,
  log: undefined,
  session: undefined,
  readyAt: undefined,
  answered: undefined,
  reported: false
})

  /**
   * The request's one report to `Metrics` (at most once): when it failed, when its complete answer
   * is ready, or when its stream ended (`onEnd` of the stream session).
   */
/** How requests are priced: per answering endpoint, and the endpoint `auto` is compared against. */
export interface Pricing {
  readonly price: (endpoint: string) => TokenPrice | undefined
  /** The reasoning chain's first model: what every `auto` request would have used without routing. */
  readonly baseline: string | undefined
}

export const makeReporter = (metrics: MetricsService, config: RouterConfig, pricing: Pricing) => {
  const baselinePrice = pricing.baseline === undefined ? undefined : pricing.price(pricing.baseline)
  const finish = (trace: Trace, endpoint: string | undefined, error: string | undefined, tokens: Tokens) =>
    Effect.suspend(() => {
      if (trace.reported) return Effect.void
      trace.reported = true
      const failed = trace.log?.attempts() ?? []
      const last = endpoint ?? failed.at(-1)?.endpoint
      const continued = trace.answered !== undefined && last !== trace.answered ? 1 : 0
      const tried = failed.length === 0 ? 1 : new Set([...failed.map((a) => a.endpoint), ...(last === undefined ? [] : [last])]).size
      const signed = trace.session?.signed
      const price = last === undefined ? undefined : pricing.price(last)
      return metrics.report({
        at: trace.at,
        model: trace.model,
        category: trace.route?.category,
        confidence: trace.route?.decision?.confidence,
        reason: trace.route?.reason,
        endpoint: last,
        stream: trace.stream,
        attempts: failed.length + (error === undefined || trace.answered !== undefined ? 1 + continued : 0),
        failovers: Math.max(0, tried - 1),
        error,
        ttfbMs: trace.readyAt === undefined ? undefined : trace.readyAt - trace.at,
        totalMs: Date.now() - trace.at,
        tokensIn: tokens.in,
        tokensOut: tokens.out,
        tokensCached: tokens.cached,
        tokensCacheWrite: tokens.written,
        costPicoUsd: price === undefined ? undefined : costOf(price, tokens),
        // Only `auto` decided anything: its cost is compared with the reasoning chain's first model.
        baselinePicoUsd: trace.route?.reason === undefined || baselinePrice === undefined ? undefined : costOf(baselinePrice, tokens),
        baselineEndpoint: pricing.baseline,
        tokensReasoning: tokens.reasoning,
        paymentMicroUsd: signed === undefined ? 0 : paymentMicroUsd(config, signed.signed),
        paid: signed !== undefined
      })
    })

  /** The routing work exited (for a keep-alive stream, possibly after the response started): report what is known now. */
  const settle = (trace: Trace) => (exit: Exit.Exit<RouterResponse, RouterError>) => {
    if (Exit.isSuccess(exit)) {
      const { answer, endpoint } = exit.value
      // A stream reports when its session ends.
      return answer._tag === "Complete" ? finish(trace, endpoint?.id, undefined, usageFromBody(answer.bytes)) : Effect.void
    }
    const failure = Cause.failureOption(exit.cause)
    const error = failure._tag === "Some"
      ? (failure.value._tag === "AllCandidatesFailed" ? failure.value.last._tag : failure.value._tag)
      : Cause.isInterruptedOnly(exit.cause) ? "ClientClosed" : "InternalError"
    return finish(trace, undefined, error, NO_TOKENS)
  }

  return { finish, settle }
}

/** How a streamed answer ended, as its report's error tag (undefined: complete). */
export const streamEndError = (end: SessionEnd): string | undefined =>
  end.complete ? undefined : end.stalled ? "ClientStalled" : end.aborted ? "ClientClosed" : "StreamBroken"

/** A client dropped for not reading is the operator's business (which client, how often), not the upstream's. */
export const logStreamEnd = (end: SessionEnd, stallMs: number) =>
  end.stalled
    ? Effect.logWarning(`a streaming client read nothing for ${stallMs} ms: dropped, its ${end.endpoint.id} call aborted (not counted against the endpoint)`)
    : Effect.void
