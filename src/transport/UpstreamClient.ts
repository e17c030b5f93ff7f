/**
 * The `UpstreamClient` service: one keep-alive undici pool for all upstream calls. Effect owns the
 * call (interruption aborts it, errors are tagged); undici owns the bytes, so a streamed answer is
 * a Node `Readable` with no per-chunk Effect cost (DESIGN.md, pitfalls).
 */
import { Context, Effect, Layer } from "effect"
import type { Readable } from "node:stream"
import { Agent } from "undici"
import { Config } from "../Config.js"
import { ConnectionFailed, Timeout } from "../errors/upstream.js"
import { STREAM_HIGH_WATER_MARK } from "../streams/highWaterMark.js"
import type { AnyBody, HealthCheckRequest, ResolvedEndpoint, UpstreamRequest } from "../providers/Adapter.js"

export interface UpstreamResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>
  /** Must be consumed or destroyed by whoever receives it. */
  readonly body: Readable
}

export interface UpstreamClientService {
  /**
   * Resolves when the response headers arrive within `timeoutMs` (for a non-stream, the same bound
   * then applies to each gap in the body; a stream's gaps are bounded by `idleMs`).
   */
  readonly send: (
    endpoint: ResolvedEndpoint,
    request: UpstreamRequest<AnyBody>,
    options: { readonly stream: boolean; readonly timeoutMs: number }
  ) => Effect.Effect<UpstreamResponse, ConnectionFailed | Timeout>
  /** A health-check `GET`: status and latency only, body drained, bounded by `connectMs` + `firstTokenMs`. */
  readonly probe: (endpoint: ResolvedEndpoint, request: HealthCheckRequest) => Effect.Effect<{ readonly status: number; readonly latencyMs: number }, ConnectionFailed | Timeout>
}

export class UpstreamClient extends Context.Tag("llmrouter/UpstreamClient")<UpstreamClient, UpstreamClientService>() {}

export const make = Effect.gen(function*() {
  const { config } = yield* Config
  const agent = yield* Effect.acquireRelease(
    Effect.sync(() =>
      new Agent({
        connections: 256,
        keepAliveTimeout: 30_000,
        connect: { timeout: config.timeouts.connectMs },
        // Product deadlines are set per request; these are only the fallbacks.
        headersTimeout: config.timeouts.responseMs,
        bodyTimeout: config.timeouts.responseMs
      })
    ),
    (agent) => Effect.promise(() => agent.destroy())
  )

  const send: UpstreamClientService["send"] = (endpoint, request, { stream, timeoutMs }) =>
    Effect.async<UpstreamResponse, ConnectionFailed | Timeout>((resume) => {
      const controller = new AbortController()
      // undici's header timer ticks every ~0.5 s (up to 1 s late): the deadline is ours to keep,
      // with a plain timer (no extra fiber per request).
      let timedOut = false
      const timer = setTimeout(() => {
        timedOut = true
        controller.abort()
      }, timeoutMs)
      const url = target(request.url)
      agent.request({
        origin: url.origin,
        path: url.path,
        method: "POST",
        headers: request.headers,
        body: request.body,
        signal: controller.signal,
        headersTimeout: timeoutMs + 1_000,
        // A stream's first content may take up to firstTokenMs; idleMs is enforced by the session once it flows.
        bodyTimeout: stream ? Math.max(endpoint.timeouts.idleMs, timeoutMs) : timeoutMs,
        // A stream is read only as fast as its client takes it: past this, undici stops reading the socket.
        ...(stream ? { highWaterMark: STREAM_HIGH_WATER_MARK } : {})
      }).then(
        (response) => {
          clearTimeout(timer)
          resume(Effect.succeed({ status: response.statusCode, headers: response.headers, body: response.body }))
        },
        (error: unknown) => {
          clearTimeout(timer)
          resume(Effect.fail(transportError(endpoint, timedOut ? { code: "UND_ERR_HEADERS_TIMEOUT" } : error, timeoutMs)))
        }
      )
      return Effect.sync(() => {
        clearTimeout(timer)
        controller.abort()
      })
    })

  const probe: UpstreamClientService["probe"] = (endpoint, request) =>
    Effect.async((resume) => {
      const controller = new AbortController()
      const started = Date.now()
      const url = new URL(request.url)
      agent.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: "GET",
        headers: request.headers,
        signal: controller.signal,
        headersTimeout: endpoint.timeouts.firstTokenMs,
        bodyTimeout: endpoint.timeouts.firstTokenMs
      }).then(
        (response) => {
          discard(response.body, PROBE_BODY_LIMIT)
          resume(Effect.succeed({ status: response.statusCode, latencyMs: Date.now() - started }))
        },
        (error: unknown) => resume(Effect.fail(transportError(endpoint, error)))
      )
      return Effect.sync(() => controller.abort())
    })

  return UpstreamClient.of({ send, probe })
})

export const layer = Layer.scoped(UpstreamClient, make)

/** A health check's body is not read; up to this much is drained so the socket can be reused. */
const PROBE_BODY_LIMIT = 64 * 1024

/** Drains `body` for reuse of its socket, but a body that goes on (an endless stream) is cut instead. */
const discard = (body: Readable, limit: number) => {
  let seen = 0
  body.on("error", () => {})
  body.on("data", (chunk: Buffer) => {
    seen += chunk.length
    if (seen > limit) body.destroy()
  })
}

/** Parsing a URL is a measurable cost per request; the set of upstream URLs is small and fixed. */
const targets = new Map<string, { readonly origin: string; readonly path: string }>()
const target = (href: string) => {
  let found = targets.get(href)
  if (found === undefined) {
    const url = new URL(href)
    found = { origin: url.origin, path: `${url.pathname}${url.search}` }
    if (targets.size < 1_000) targets.set(href, found)
  }
  return found
}

/** undici's error codes → tagged errors. The key and the body never appear in the message. */
export const transportError = (endpoint: ResolvedEndpoint, error: unknown, waitedMs?: number): ConnectionFailed | Timeout => {
  const code = errorCode(error)
  const common = { endpoint: endpoint.id }
  switch (code) {
    case "UND_ERR_CONNECT_TIMEOUT":
      return new Timeout({ ...common, phase: "connect", message: `connecting to ${endpoint.id} timed out after ${endpoint.timeouts.connectMs} ms` })
    case "UND_ERR_HEADERS_TIMEOUT":
      return new Timeout({
        ...common,
        phase: "first-byte",
        message: `${endpoint.id} sent no response within ${waitedMs ?? endpoint.timeouts.firstTokenMs} ms`
      })
    case "UND_ERR_BODY_TIMEOUT":
      return new Timeout({ ...common, phase: "idle", message: `${endpoint.id} went silent for ${endpoint.timeouts.idleMs} ms` })
    default:
      return new ConnectionFailed({
        ...common,
        message: `connection to ${endpoint.id} failed: ${code ?? describe(error)}`,
        ...(code === undefined ? {} : { code })
      })
  }
}

const errorCode = (error: unknown): string | undefined => {
  if (typeof error !== "object" || error === null) return undefined
  const code = (error as { code?: unknown }).code
  if (typeof code === "string") return code
  const cause = (error as { cause?: unknown }).cause
  return cause === undefined ? undefined : errorCode(cause)
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error))
