/**
 * Where an answer's thinking goes: back to the client as `reasoning_content` (unless the client
 * asked `reasoning.exclude`), and, for a turn that called tools, into the tool-loop memory so the
 * next turn can hand it back to the same model.
 */
import type { ProviderKind } from "../../config/schema.js"
import { reasoningAsk, type ReasoningAsk, withDefaultEffort } from "../../reasoning/effort.js"
import type { ThinkingMemory, Thought } from "../../reasoning/memory.js"
import { thinkingProfile } from "../../reasoning/profiles.js"
import type { ThinkingSpec } from "../../config/thinking.js"
import type { NormalizedRequest } from "./openaiRequest.js"
import type { ChatRequest, ResolvedEndpoint } from "../Adapter.js"

export interface Thoughts {
  readonly show: boolean
  /** The endpoint's model id: memory is recalled only for the model that thought it. */
  readonly model: string
  readonly memory: ThinkingMemory | undefined
}

/** `reasoning.exclude` hides reasoning; a malformed field was already refused by `buildRequest`. */
const showReasoning = (request: ChatRequest): boolean => {
  try {
    return reasoningAsk(request.body)?.exclude !== true
  } catch {
    return true
  }
}

/** How a translating adapter thinks for this request: the endpoint's style, the client's ask (or the route's default effort), the tool-loop memory. */
export const thinkingFor = (
  kind: ProviderKind,
  endpoint: ResolvedEndpoint,
  request: ChatRequest,
  normalized: NormalizedRequest
): { readonly thinking: ThinkingSpec; readonly ask: ReasoningAsk | undefined; readonly memory: ThinkingMemory | undefined } => ({
  thinking: endpoint.thinking ?? thinkingProfile(kind, endpoint.modelId, undefined),
  ask: withDefaultEffort(normalized.reasoning ?? request.reasoningAsk, request.defaultEffort),
  memory: request.memory
})

export const thoughtsFor = (endpoint: ResolvedEndpoint, request: ChatRequest): Thoughts => ({
  show: showReasoning(request),
  model: endpoint.modelId,
  memory: request.memory
})

export const rememberThought = (thoughts: Thoughts, callIds: ReadonlyArray<string>, thought: Thought): void =>
  thoughts.memory?.remember(callIds, thoughts.model, thought)

/** Tests and direct adapter calls without a router: reasoning shown, nothing remembered. */
export const NO_MEMORY = (model: string): Thoughts => ({ show: true, model, memory: undefined })
