/**
 * `POST /v1/messages`: the Anthropic Messages API as a client-facing codec. The request is checked,
 * translated to the internal chat request for routing and non-Anthropic upstreams, and carried
 * natively for Anthropic ones (`providers/anthropic/nativeRequest.ts`). An Anthropic answer comes
 * back as Anthropic gave it; any other is encoded as a `message` or its event stream.
 */
import { HttpServerResponse } from "@effect/platform"
import { Effect, Either } from "effect"
import type { ChatRequest } from "../../providers/Adapter.js"
import type { ReasoningAsk } from "../../reasoning/effort.js"
import { readCompletion } from "../answer.js"
import { decodeBody, type IngressCodec, translate } from "../Codec.js"
import { encodeStream } from "../encodeStream.js"
import { messagesError } from "./errors.js"
import { messageObject } from "./response.js"
import { MessagesBody } from "./schema.js"
import { MessagesStreamEncoder } from "./stream.js"
import { messagesToChat } from "./toChat.js"

export interface MessagesContext {
  readonly model: string
  /** The client turned thinking on (Anthropic returns thinking blocks only then; so do we). */
  readonly thinking: boolean
}

const thinkingOn = (decoded: MessagesBody): boolean => decoded.thinking?.["type"] === "enabled" || decoded.thinking?.["type"] === "adaptive"

/** `thinking` as a reasoning ask for models of other providers: a budget is a budget, adaptive is medium effort, disabled is none. */
const thinkingAsk = (thinking: MessagesBody["thinking"]): ReasoningAsk | undefined => {
  const budget = thinking?.["budget_tokens"]
  switch (thinking?.["type"]) {
    case "enabled":
      return { effort: undefined, budget: typeof budget === "number" ? budget : undefined, exclude: false }
    case "adaptive":
      return { effort: "medium", budget: undefined, exclude: false }
    case "disabled":
      return { effort: "none", budget: undefined, exclude: false }
    default:
      return undefined
  }
}

/** Client headers that belong to Anthropic's wire format and go with the native body. */
const nativeHeaders = (headers: Readonly<Record<string, string | undefined>>): Record<string, string> => {
  const beta = headers["anthropic-beta"]
  return beta === undefined || beta === "" ? {} : { "anthropic-beta": beta }
}

const withAsk = (ask: ReasoningAsk | undefined) => (ask === undefined ? {} : { reasoningAsk: ask })

export const messagesCodec: IngressCodec<MessagesContext> = {
  decode: (body, headers) =>
    Either.flatMap(decodeBody(MessagesBody, body), (decoded) =>
      Either.map(translate(() => messagesToChat(decoded)), (chatBody): { chat: ChatRequest; context: MessagesContext } => ({
        chat: {
          body: chatBody,
          model: decoded.model,
          stream: decoded.stream === true,
          ...withAsk(thinkingAsk(decoded.thinking)),
          native: { kind: "anthropic", body, headers: nativeHeaders(headers) }
        },
        context: { model: decoded.model, thinking: thinkingOn(decoded) }
      }))),
  encode: (response, context) =>
    Effect.sync(() => {
      const { answer, headers } = response
      if (answer._tag === "Stream") {
        return HttpServerResponse.raw(encodeStream(answer.stream, new MessagesStreamEncoder(context.model, context.thinking)), {
          contentType: "text/event-stream; charset=utf-8",
          headers: { ...headers, "cache-control": "no-cache", "x-accel-buffering": "no" }
        })
      }
      // An Anthropic upstream's own answer, as it gave it.
      if (answer.native?.kind === "anthropic") return HttpServerResponse.uint8Array(answer.native.bytes, { contentType: "application/json", headers })
      const complete = readCompletion(answer.bytes)
      if (complete === undefined) {
        return messagesError({ status: 502, message: "The upstream answer could not be read.", type: "api_error", code: null, headers })
      }
      return HttpServerResponse.unsafeJson(messageObject(complete, context.model, context.thinking), { headers })
    })
}
