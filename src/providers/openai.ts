/**
 * The OpenAI-compatible adapter: serves `openai`, `openrouter` and every provider that
 * `derives: "openai"`. The request is the client's own, with only `model` replaced; answers pass
 * through byte for byte.
 */
import { Either, Redacted, Schema } from "effect"
import { StreamBroken } from "../errors/upstream.js"
import type { Adapter, ResolvedEndpoint, StreamTranslator } from "./Adapter.js"
import { isRecord } from "./common/openaiContent.js"
import { classifyHttpError } from "./httpErrors.js"
import { replaceModel } from "./rawModel.js"

/**
 * The least a chat completion must have for the client to make sense of it: a list of choices,
 * each message's content text (or parts, or null). Well-formed JSON of another shape
 * (`{"choices":5}`, `"content": 7`) is an upstream failure, not an answer.
 */
const Completion = Schema.Struct({
  choices: Schema.Array(Schema.Struct({
    message: Schema.optional(Schema.Struct({
      content: Schema.optional(Schema.NullOr(Schema.Union(Schema.String, Schema.Array(Schema.Unknown))))
    }))
  }))
})
const decodeCompletion = Schema.decodeUnknownEither(Completion)

/** `Completion`'s checks by hand, for the common answer (no Schema walk per response): true only for what it accepts. */
const looksLikeCompletion = (value: unknown): boolean => {
  if (!isRecord(value) || !Array.isArray(value.choices)) return false
  for (const choice of value.choices as ReadonlyArray<unknown>) {
    if (!isRecord(choice)) return false
    const message = choice.message
    if (message === undefined) continue
    if (!isRecord(message)) return false
    const content = message.content
    if (content !== undefined && content !== null && typeof content !== "string" && !Array.isArray(content)) return false
  }
  return true
}

export const authHeaders = (endpoint: ResolvedEndpoint): Record<string, string> =>
  endpoint.apiKey === undefined ? {} : { authorization: `Bearer ${Redacted.value(endpoint.apiKey)}` }

export const OpenAiAdapter: Adapter = {
  kind: "openai",
  buildRequest: (endpoint, request) =>
    Either.right({
      url: `${endpoint.apiBase}/chat/completions`,
      headers: {
        "content-type": "application/json",
        accept: request.stream ? "text/event-stream" : "application/json",
        ...endpoint.headers,
        ...authHeaders(endpoint)
      },
      body: (request.raw === undefined ? undefined : replaceModel(request.raw, request.model, endpoint.modelId)) ??
        JSON.stringify({ ...request.body, model: endpoint.modelId })
    }),
  parseError: classifyHttpError,
  translateResponse: (endpoint, _request, body) => {
    let parsed: unknown
    try {
      parsed = JSON.parse(body.toString("utf8"))
    } catch {
      return Either.left(malformed(endpoint.id, "a body that is not JSON"))
    }
    // The hand check passes only what the schema accepts; the schema decides whatever it does not pass.
    return looksLikeCompletion(parsed) || Either.isRight(decodeCompletion(parsed))
      ? Either.right(body)
      : Either.left(malformed(endpoint.id, "JSON that is not a chat completion (`choices` missing or of the wrong shape)"))
  },
  healthCheck: (endpoint) => ({
    url: `${endpoint.apiBase}/models`,
    headers: { accept: "application/json", ...endpoint.headers, ...authHeaders(endpoint) }
  }),
  // Pass-through: the session's tracker reads the events (`[DONE]`, in-band errors, malformed ones).
  streamTranslator: (): StreamTranslator => PASS_THROUGH
}

const PASS_THROUGH: StreamTranslator = {
  push: (chunk) => chunk,
  failure: undefined,
  end: () => ({ output: "", complete: false })
}

const malformed = (endpoint: string, what: string) =>
  new StreamBroken({ endpoint, message: `${endpoint} answered 200 with ${what}` })
