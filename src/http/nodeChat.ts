/**
 * The hot path: `POST /v1/chat/completions` served straight on Node's request and response, as one
 * fiber per request, with the answer written by hand (a complete answer with its length, a stream
 * piped with backpressure). Every check is the platform app's own (`edge.ts`: Host, Origin, keys,
 * scoped-key metering, redaction, error shapes, CORS; the connection cap, the 415, the body limit),
 * in the same order, so both paths give the same answers. Measured (`bench/`), the platform's
 * per-request machinery (its router, app middleware, response conversion, a second fiber for the
 * body) cost as much as all of our routing; every other route still goes through the platform app.
 * A client that hangs up interrupts the fiber (the upstream call is aborted); once streaming, it
 * destroys the stream, which aborts the upstream.
 */
import type { HttpServerResponse } from "@effect/platform"
import { Effect, Exit, FiberId, Logger, Runtime } from "effect"
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http"
import { Config } from "../Config.js"
import { toLogLevel } from "../config/logLevel.js"
import type { RouterResponse } from "../routing/response.js"
import { atConnectionCap, type LimitedServer } from "./connections.js"
import { corsHeaders, type Headers, makeEdge, requireJson, STREAM_HEADERS } from "./edge.js"
import { readNodeBody } from "./requestBody.js"
import { pipeToResponse } from "../streams/pipeToResponse.js"

/** Serves the request when it is a chat completion (returns true); otherwise leaves it alone. */
export type NodeListener = (request: IncomingMessage, response: ServerResponse) => boolean

const CHAT_PATHS: ReadonlySet<string> = new Set(["/v1/chat/completions", "/chat/completions"])

type Reply =
  | { readonly _tag: "Answer"; readonly answer: RouterResponse }
  | { readonly _tag: "Refusal"; readonly response: HttpServerResponse.HttpServerResponse }

export const makeNodeChat = (limited: Pick<LimitedServer, "socketOverCap">) =>
  Effect.gen(function*() {
    const { config } = yield* Config
    const edge = yield* makeEdge
    // The log level is set once on the runtime every request fiber starts from, not per request.
    const runtime = yield* Logger.withMinimumLogLevel(Effect.runtime<never>(), toLogLevel(config.logLevel))
    const runFork = Runtime.runFork(runtime)

    const reply = (request: IncomingMessage, headers: Headers, path: string): Effect.Effect<Reply> =>
      Effect.flatMap(edge.admit(headers, path), (caller) =>
        edge.as(
          Effect.zipRight(
            requireJson(headers),
            Effect.flatMap(readNodeBody(request, config.maxBodyBytes), (bytes) => edge.chat(headers, bytes))
          ),
          caller
        )).pipe(
          Effect.matchCauseEffect({
            onSuccess: (answer) => Effect.succeed<Reply>({ _tag: "Answer", answer }),
            onFailure: (cause) => Effect.map(edge.failure(path)(cause), (response): Reply => ({ _tag: "Refusal", response }))
          })
        )

    const listener: NodeListener = (request, response) => {
      if (request.method !== "POST") return false
      const path = pathOf(request.url)
      if (!CHAT_PATHS.has(path)) return false
      if (limited.socketOverCap(request.socket)) {
        writeRefusal(response, atConnectionCap(config.limits.maxConnections))
        return true
      }
      const headers = request.headers as Headers
      const fiber = runFork(reply(request, headers, path))
      response.once("close", () => {
        if (!response.writableEnded) fiber.unsafeInterruptAsFork(FiberId.none)
      })
      fiber.addObserver((exit) => {
        if (Exit.isFailure(exit) || response.destroyed) return
        const origin = edge.guard.allowedOrigin(headers)
        try {
          if (exit.value._tag === "Answer") writeAnswer(response, exit.value.answer, origin === undefined ? undefined : corsHeaders(origin))
          else writeRefusal(response, edge.finish(exit.value.response, origin))
        } catch (cause) {
          // Only a header Node refuses can throw here (e.g. a character it will not send).
          runFork(Effect.logError("could not write the answer", cause))
          if (response.headersSent) response.destroy()
          else writeRefusal(response, edge.finish(edge.shape(path)(INTERNAL), origin))
        }
      })
      return true
    }
    return listener
  })

const INTERNAL = { status: 500, message: "Internal error in llmrouter (see its log).", type: "server_error", code: "internal_error", headers: {} }

const pathOf = (url: string | undefined) => {
  if (url === undefined) return ""
  const at = url.indexOf("?")
  return at < 0 ? url : url.slice(0, at)
}

const writeAnswer = (response: ServerResponse, routed: RouterResponse, cors: OutgoingHttpHeaders | undefined) => {
  const answer = routed.answer
  if (answer._tag === "Complete") {
    const bytes = answer.bytes
    response.writeHead(200, {
      ...routed.headers,
      ...cors,
      "content-type": "application/json",
      "content-length": typeof bytes === "string" ? Buffer.byteLength(bytes) : bytes.length
    })
    response.end(bytes)
    return
  }
  response.writeHead(200, { ...routed.headers, ...STREAM_HEADERS, ...cors })
  pipeToResponse(answer.stream, response)
}

/** A refusal is one of `edge.failure`'s answers: JSON (or an upstream's own 4xx text) with its headers. */
const writeRefusal = (response: ServerResponse, refusal: HttpServerResponse.HttpServerResponse) => {
  const body = refusal.body
  response.writeHead(refusal.status, refusal.headers)
  response.end(body._tag === "Uint8Array" ? body.body : undefined)
}
