/**
 * `POST /v1/responses`: the OpenAI Responses API as a client-facing codec. `previous_response_id`
 * continues a stored conversation (`ResponseStore`); only function tools are served (built-in
 * tools run on OpenAI's servers); the answer is a `response` object or its event stream, stored
 * unless `store: false`.
 */
import { HttpServerResponse } from "@effect/platform"
import { Effect, Either, Runtime } from "effect"
import { InvalidRequest } from "../../errors/request.js"
import { describedErrorResponse } from "../../http/errorResponse.js"
import { isRecord } from "../../providers/common/openaiRequest.js"
import { type CompleteAnswer, readCompletion } from "../answer.js"
import { decodeBody, type IngressCodec, translate } from "../Codec.js"
import { encodeStream } from "../encodeStream.js"
import { assistantTurn, functionCallItem, messageItem, newId, type ResponseContext, responseObject, statusOf } from "./response.js"
import type { ResponseStoreService } from "./ResponseStore.js"
import { reasoningItem, reasoningStyle, type ReasoningStyle } from "./reasoning.js"
import { FunctionTool, ResponsesBody } from "./schema.js"
import { ResponsesStreamEncoder } from "./stream.js"
import { inputMessages, responsesToChat } from "./toChat.js"

export interface ResponsesContext {
  readonly response: ResponseContext
  /** The stored history and this request's input, as chat messages (what a follow-up continues). */
  readonly conversation: ReadonlyArray<Record<string, unknown>>
}

const refuse = (message: string, param: string, code = "unsupported_value") => new InvalidRequest({ message, param, code })

/** Function tools only: web search, file search, computer use … run on OpenAI's own servers. */
const functionTools = (tools: ReadonlyArray<Readonly<Record<string, unknown>>>): Either.Either<Array<FunctionTool>, InvalidRequest> =>
  Either.all(tools.map((tool, i) =>
    tool["type"] === "function"
      ? Either.mapLeft(decodeBody(FunctionTool, tool), (error) => refuse(error.message.replace("'body'", `'tools[${i}]'`), `tools[${i}]`, "invalid_value"))
      : Either.left(refuse(
        `Built-in tool '${String(tool["type"])}' (tools[${i}]) is not supported: llmrouter serves function tools only (built-in tools run on OpenAI's servers).`,
        `tools[${i}].type`
      ))
  ))

const outputOf = (answer: CompleteAnswer, style: ReasoningStyle): Array<unknown> => [
  ...(answer.reasoning === "" ? [] : [reasoningItem(newId("rs"), answer.reasoning, style, "completed")]),
  ...(answer.text !== "" || answer.toolCalls.length === 0 ? [messageItem(newId("msg"), answer.text || answer.refusal, "completed")] : []),
  ...answer.toolCalls.map((call) => functionCallItem(newId("fc"), call, "completed"))
]

export const makeResponsesCodec = (store: ResponseStoreService | undefined): IngressCodec<ResponsesContext> => {
  const history = (id: string | null | undefined) =>
    Effect.gen(function*() {
      if (id === undefined || id === null) return []
      const stored = store === undefined ? undefined : yield* store.get(id)
      if (stored === undefined) {
        return yield* refuse(
          `Previous response with id '${id}' not found (responses are kept ${store === undefined ? "only when the router has a store" : "for a limited time, and never when sent with store: false"}).`,
          "previous_response_id",
          "previous_response_not_found"
        )
      }
      return stored.messages
    })

  const remember = (context: ResponsesContext, model: string, turn: Record<string, unknown>) =>
    store === undefined || !context.response.store
      ? Effect.void
      : store.put({ id: context.response.id, createdAt: context.response.createdAt, model, messages: [...context.conversation, turn] })

  return {
    decode: (body) =>
      Effect.gen(function*() {
        const decoded = yield* decodeBody(ResponsesBody, body)
        if (decoded.background === true) return yield* refuse("Background responses are not supported by llmrouter.", "background")
        const tools = yield* functionTools((decoded.tools ?? []).map((tool) => (isRecord(tool) ? tool : {})))
        const earlier = yield* history(decoded.previous_response_id)
        const conversation = [...earlier, ...(yield* translate(() => inputMessages(decoded.input)))]
        const chatBody = yield* translate(() => responsesToChat(decoded, conversation, tools))
        const response: ResponseContext = {
          id: newId("resp"),
          createdAt: Math.floor(Date.now() / 1000),
          body: decoded,
          tools,
          store: decoded.store !== false && store !== undefined
        }
        return { chat: { body: chatBody, model: decoded.model, stream: decoded.stream === true }, context: { response, conversation } }
      }),
    encode: (routed, context) =>
      Effect.gen(function*() {
        const { answer, headers } = routed
        if (answer._tag === "Stream") {
          const runtime = yield* Effect.runtime<never>()
          const encoder = new ResponsesStreamEncoder(context.response, reasoningStyle(routed.endpoint?.kind), (turn) => Runtime.runSync(runtime)(remember(context, routed.endpoint?.id ?? context.response.body.model, turn)))
          return HttpServerResponse.raw(encodeStream(answer.stream, encoder), {
            contentType: "text/event-stream; charset=utf-8",
            headers: { ...headers, "cache-control": "no-cache", "x-accel-buffering": "no" }
          })
        }
        const complete = readCompletion(answer.bytes)
        if (complete === undefined) {
          return describedErrorResponse({ status: 502, message: "The upstream answer could not be read.", type: "server_error", code: "upstream_error", headers })
        }
        yield* remember(context, complete.model, assistantTurn(complete.text, complete.toolCalls))
        const status = statusOf(complete.finishReason)
        return HttpServerResponse.unsafeJson(
          responseObject(context.response, { status, model: complete.model, output: outputOf(complete, reasoningStyle(routed.endpoint?.kind)), usage: complete.usage }),
          { headers }
        )
      })
  }
}
