/**
 * `POST /v1/messages`: the Anthropic Messages API as a client-facing codec. The request is checked,
 * translated to the internal chat request for routing and non-Anthropic upstreams, and carried
 * natively for Anthropic ones; the answer is encoded as a `message` or its event stream.
 */
import { HttpServerResponse } from "@effect/platform"
import { Effect, Either } from "effect"
import type { ChatRequest } from "../../providers/Adapter.js"
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
}

/**
 * The body an Anthropic upstream gets. The router's answers carry no signed thinking blocks, so a
 * tool loop comes back without them, which Anthropic refuses while thinking is on: such a turn is
 * sent without `thinking` (answered without extended thinking) rather than failed.
 */
export const nativeBody = (body: Readonly<Record<string, unknown>>, decoded: MessagesBody): Readonly<Record<string, unknown>> => {
  const thinking = decoded.thinking
  if (thinking === undefined || thinking["type"] !== "enabled") return body
  const unsigned = decoded.messages.some((m) =>
    m.role === "assistant" && typeof m.content !== "string" && m.content.some((b) => b.type === "tool_use") &&
    !m.content.some((b) => (b.type === "thinking" && b.signature !== undefined && b.signature !== "") || b.type === "redacted_thinking")
  )
  if (!unsigned) return body
  const { thinking: _dropped, ...rest } = body
  return rest
}

/** Client headers that belong to Anthropic's wire format and go with the native body. */
const nativeHeaders = (headers: Readonly<Record<string, string | undefined>>): Record<string, string> => {
  const beta = headers["anthropic-beta"]
  return beta === undefined || beta === "" ? {} : { "anthropic-beta": beta }
}

export const messagesCodec: IngressCodec<MessagesContext> = {
  decode: (body, headers) =>
    Either.flatMap(decodeBody(MessagesBody, body), (decoded) =>
      Either.map(translate(() => messagesToChat(decoded)), (chatBody): { chat: ChatRequest; context: MessagesContext } => ({
        chat: {
          body: chatBody,
          model: decoded.model,
          stream: decoded.stream === true,
          native: { kind: "anthropic", body: nativeBody(body, decoded), headers: nativeHeaders(headers) }
        },
        context: { model: decoded.model }
      }))),
  encode: (response, context) =>
    Effect.sync(() => {
      const { answer, headers } = response
      if (answer._tag === "Stream") {
        return HttpServerResponse.raw(encodeStream(answer.stream, new MessagesStreamEncoder(context.model)), {
          contentType: "text/event-stream; charset=utf-8",
          headers: { ...headers, "cache-control": "no-cache", "x-accel-buffering": "no" }
        })
      }
      const complete = readCompletion(answer.bytes)
      if (complete === undefined) {
        return messagesError({ status: 502, message: "The upstream answer could not be read.", type: "api_error", code: null, headers })
      }
      return HttpServerResponse.unsafeJson(messageObject(complete, context.model), { headers })
    })
}
