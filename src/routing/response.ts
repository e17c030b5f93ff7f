/**
 * What the Router answers, and how it fails: the types every layer above it (HTTP, ingress codecs,
 * accounts metering) reads, kept here so none of them — nor `routing/` itself — imports `Router.ts`.
 */
import type { Readable } from "node:stream"
import type { Decision } from "../Classifier.js"
import type { Category } from "../config/schema.js"
import type { RouteReason } from "../conversations/placement.js"
import type { ModelNotFound, NoRoutableEndpoint } from "../errors/request.js"
import type { AllCandidatesFailed, CircuitOpen } from "../errors/routing.js"
import type { ResolvedEndpoint } from "../providers/Adapter.js"
import type { NativeBody } from "./attempt.js"
import type { AttemptError } from "./policy.js"

export type Answer =
  /** `native`: the upstream's own body, for a client that spoke its API (`ChatRequest.native`). */
  | { readonly _tag: "Complete"; readonly bytes: Buffer | string; readonly native?: NativeBody }
  | { readonly _tag: "Stream"; readonly stream: Readable }

export interface RouterResponse {
  /** The endpoint that answered; unknown when a keep-alive stream had to start first. */
  readonly endpoint: ResolvedEndpoint | undefined
  readonly category?: Category
  /** The classifier's decision, for `auto`. */
  readonly decision?: Decision
  /** Why `auto` chose this route: fresh, sticky, escalated or tool-loop. */
  readonly reason?: RouteReason
  readonly answer: Answer
  /** Response headers for the client: `x-llmrouter-*` and pass-through ids. */
  readonly headers: Readonly<Record<string, string>>
}

export type RouterError = ModelNotFound | NoRoutableEndpoint | AllCandidatesFailed | Exclude<AttemptError, CircuitOpen>
