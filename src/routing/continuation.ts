/**
 * Rescuing a committed stream: another candidate continues the answer the client already has.
 * Where the endpoint can (`continuation: "prefill"`), it gets the original messages plus the
 * delivered text as an assistant prefill and streams only the continuation; where it cannot, or
 * rejects the prefill with a 400, it is asked again from the start and the session forwards only
 * what goes beyond the delivered text (`skipDelivered`). The prefill's 400 never reaches the client.
 */
import { Effect, Runtime } from "effect"
import type { PaymentFailed } from "../errors/payment.js"
import type { InvalidRequest } from "../errors/request.js"
import type { UpstreamError } from "../errors/upstream.js"
import type { HealthService } from "../Health.js"
import type { ChatRequest, ResolvedEndpoint } from "../providers/Adapter.js"
import type { Attempted } from "./attempt.js"
import type { Continuation } from "./stream/session.js"

type Attempt = (endpoint: ResolvedEndpoint, request: ChatRequest) => Effect.Effect<Attempted, UpstreamError | InvalidRequest | PaymentFailed>

/**
 * A continuation is always read as the internal (chat) answer: the client's stream was started by
 * another endpoint, so this one's own wire format cannot be relayed to it (`ChatRequest.native`).
 */
const translated = (request: ChatRequest): ChatRequest => {
  if (request.native === undefined) return request
  const { native: _native, ...rest } = request
  return rest
}

export const withPrefill = (request: ChatRequest, delivered: string): ChatRequest => {
  const messages = Array.isArray(request.body.messages) ? request.body.messages : []
  // The prefill is added to the chat body: a native body (which lacks it) and the raw bytes are stale.
  const { raw: _stale, native: _native, ...rest } = request
  return { ...rest, body: { ...request.body, messages: [...messages, { role: "assistant", content: delivered }] } }
}

/**
 * Candidates for a continuation: those after the endpoint that just failed, then those before it,
 * never one that already broke this answer (it would likely break it again).
 */
export const continuationOrder = (
  endpoints: ReadonlyArray<ResolvedEndpoint>,
  failed: ResolvedEndpoint,
  broken: ReadonlySet<string>
) => {
  const at = endpoints.findIndex((e) => e.id === failed.id)
  const rotated = at < 0 ? endpoints : [...endpoints.slice(at + 1), ...endpoints.slice(0, at)]
  return rotated.filter((e) => !broken.has(e.id))
}

export const continueOn = (
  attempt: Attempt,
  endpoint: ResolvedEndpoint,
  request: ChatRequest,
  delivered: string
): Effect.Effect<Continuation, UpstreamError | InvalidRequest | PaymentFailed | "not-streaming"> => {
  const restart = attempt(endpoint, translated(request)).pipe(Effect.flatMap((a) => streaming(a, "restart")))
  if (endpoint.continuation === "restart") return restart
  // Anthropic refuses a prefill ending in whitespace (its adapter trims it); the model then writes
  // that whitespace again, which the session drops.
  const trimmed = endpoint.kind === "anthropic" ? delivered.length - delivered.trimEnd().length : 0
  return attempt(endpoint, withPrefill(request, delivered)).pipe(
    Effect.flatMap((a) => streaming(a, "prefill", trimmed)),
    Effect.catchIf((error) => error !== "not-streaming" && error._tag === "BadRequest", () => restart)
  )
}

const streaming = (attempted: Attempted, mode: Continuation["mode"], trimmed = 0) =>
  attempted.outcome._tag === "Streaming"
    ? Effect.succeed<Continuation>({ answer: attempted.outcome.answer, head: attempted.outcome.head, mode, trimmed })
    : Effect.fail("not-streaming" as const)

/**
 * The stream session's `continueAnswer` for one request: when the endpoint answering it breaks,
 * try the others in `continuationOrder` (each admitted by its breaker, within the attempt budget)
 * until one continues the delivered text; else say why none could.
 */
export const continueElsewhere = (
  deps: {
    readonly health: HealthService
    readonly runtime: Runtime.Runtime<never>
    readonly attempt: Attempt
    readonly budgetLeft: Effect.Effect<boolean>
  },
  request: ChatRequest,
  endpoints: ReadonlyArray<ResolvedEndpoint>
) => {
  const { health, runtime, attempt, budgetLeft } = deps
  const broken = new Set<string>()
  return (delivered: string, failed: ResolvedEndpoint, signal: AbortSignal): Promise<Continuation | string> => {
    broken.add(failed.id)
    const tries = continuationOrder(endpoints, failed, broken).map((endpoint) =>
      Effect.flatMap(Effect.zip(health.admit(endpoint.id), budgetLeft), ([admitted, ok]): Effect.Effect<Continuation, unknown> =>
        admitted && ok ? continueOn(attempt, endpoint, request, delivered) : Effect.fail("skipped"))
    )
    const first = tries.reduce((previous, next) => Effect.orElse(previous, () => next), Effect.fail("none") as Effect.Effect<Continuation, unknown>)
    return Runtime.runPromise(runtime)(first, { signal }).catch((): string => "no other candidate could continue it")
  }
}
