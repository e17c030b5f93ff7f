/**
 * The same scripted answer from each kind of loopback upstream (OpenAI-compatible, Anthropic,
 * Gemini), each speaking its real wire format, with the router in front: the ingress tests run
 * one scenario against all three.
 */
import type { RouterConfigInput } from "../../src/config/schema.js"
import { startAnthropicUpstream } from "./anthropicUpstream.js"
import { startGeminiUpstream } from "./geminiUpstream.js"
import type { Resources } from "./http.js"
import { chunk, reply as replyJson, sse, startUpstream } from "./openaiUpstream.js"
import { startRouter } from "./router.js"

export type BackendKind = "openai" | "anthropic" | "google"
export const BACKENDS: ReadonlyArray<BackendKind> = ["openai", "anthropic", "google"]

export interface ScriptedAnswer {
  /** What the model thought first: `reasoning_content`, a signed thinking block, a thought part (the last two only when thinking was asked for, as the real APIs do). */
  readonly reasoning?: string
  readonly text?: string
  readonly tools?: ReadonlyArray<{ readonly id: string; readonly name: string; readonly input: Record<string, unknown> }>
  readonly usage?: { readonly input: number; readonly output: number }
}

export interface Backend {
  readonly kind: BackendKind
  /** Direct routing to this upstream. */
  readonly model: string
  readonly baseUrl: string
  answer(answer: ScriptedAnswer): void
  /** The body of the upstream's n-th request (default: the last). */
  body(n?: number): Record<string, unknown>
  requests(): number
}

const ENV = { OPENAI_API_KEY: "k-openai", ANTHROPIC_API_KEY: "k-anthropic", GOOGLE_API_KEY: "k-google", GEMINI_API_KEY: "k-google" }

const openaiScript = (scripted: () => ScriptedAnswer) =>
  (request: { readonly body: Record<string, unknown> }, response: import("node:http").ServerResponse) => {
    const a = scripted()
    const model = String(request.body["model"])
    const calls = (a.tools ?? []).map((t, index) => ({ index, id: t.id, type: "function", function: { name: t.name, arguments: JSON.stringify(t.input) } }))
    const finish = calls.length > 0 ? "tool_calls" : "stop"
    const usage = { prompt_tokens: a.usage?.input ?? 5, completion_tokens: a.usage?.output ?? 3, total_tokens: (a.usage?.input ?? 5) + (a.usage?.output ?? 3) }
    if (request.body["stream"] !== true) {
      replyJson(response, 200, {
        id: "chatcmpl-x",
        object: "chat.completion",
        created: 1,
        model,
        choices: [{ index: 0, message: { role: "assistant", content: a.text ?? null, ...(a.reasoning === undefined ? {} : { reasoning_content: a.reasoning }), ...(calls.length > 0 ? { tool_calls: calls.map(({ index: _i, ...c }) => c) } : {}) }, finish_reason: finish }],
        usage
      })
      return
    }
    response.writeHead(200, { "content-type": "text/event-stream" })
    response.write(sse(chunk(model, { role: "assistant", content: "" })))
    for (const piece of (a.reasoning ?? "").split(/(?<= )/)) if (piece !== "") response.write(sse(chunk(model, { reasoning_content: piece })))
    for (const word of (a.text ?? "").split(/(?<= )/)) if (word !== "") response.write(sse(chunk(model, { content: word })))
    for (const call of calls) {
      const args = call.function.arguments
      response.write(sse(chunk(model, { tool_calls: [{ index: call.index, id: call.id, type: "function", function: { name: call.function.name, arguments: "" } }] })))
      for (let i = 0; i < args.length; i += 4) response.write(sse(chunk(model, { tool_calls: [{ index: call.index, function: { arguments: args.slice(i, i + 4) } }] })))
    }
    response.write(sse(chunk(model, {}, finish)))
    const options = request.body["stream_options"] as { include_usage?: boolean } | undefined
    if (options?.include_usage === true) response.write(sse({ id: "chatcmpl-x", object: "chat.completion.chunk", created: 1, model, choices: [], usage }))
    response.end("data: [DONE]\n\n")
  }

export const startBackend = async (kind: BackendKind, resources: Resources, extra: Partial<RouterConfigInput> = {}): Promise<Backend> => {
  let scripted: ScriptedAnswer = { text: "Hello from upstream" }
  const common = { retry: { backoffMs: 1 }, ...extra }
  switch (kind) {
    case "openai": {
      const upstream = resources.add(await startUpstream())
      upstream.script = openaiScript(() => scripted)
      const router = resources.add(await startRouter({ providers: { openai: { apiBase: upstream.url } }, ...common }, { env: ENV }))
      return {
        kind,
        model: "openai:gpt-test",
        baseUrl: router.baseUrl,
        answer: (a) => {
          scripted = a
        },
        body: (n) => (upstream.received.at(n ?? -1)?.body ?? {}),
        requests: () => upstream.received.length
      }
    }
    case "anthropic": {
      const stub = resources.add(await startAnthropicUpstream())
      const router = resources.add(await startRouter({ providers: { anthropic: { apiBase: stub.url } }, ...common }, { env: ENV }))
      const answer = (a: ScriptedAnswer) =>
        stub.reply({
          type: "message",
          message: {
            content: [
              ...(a.reasoning === undefined ? [] : [{ type: "thinking" as const, thinking: a.reasoning }]),
              ...(a.text === undefined ? [] : [{ type: "text" as const, text: a.text }]),
              ...(a.tools ?? []).map((t) => ({ type: "tool_use" as const, ...t }))
            ],
            stop_reason: (a.tools ?? []).length > 0 ? "tool_use" : "end_turn",
            usage: { input_tokens: a.usage?.input ?? 5, output_tokens: a.usage?.output ?? 3 }
          }
        })
      answer(scripted)
      return {
        kind,
        model: "anthropic:claude-test",
        baseUrl: router.baseUrl,
        answer,
        body: (n) => (stub.requests.at(n ?? -1)?.body ?? {}),
        requests: () => stub.requests.length
      }
    }
    case "google": {
      const stub = resources.add(await startGeminiUpstream())
      const router = resources.add(await startRouter({ providers: { google: { apiBase: stub.url } }, ...common }, { env: ENV }))
      const answer = (a: ScriptedAnswer) =>
        stub.reply({
          type: "response",
          candidates: [{
            parts: [
              ...(a.reasoning === undefined ? [] : [{ text: a.reasoning, thought: true }]),
              ...(a.text === undefined ? [] : [{ text: a.text }]),
              ...(a.tools ?? []).map((t) => ({ functionCall: { name: t.name, args: t.input } }))
            ],
            finishReason: "STOP"
          }],
          usageMetadata: { promptTokenCount: a.usage?.input ?? 5, candidatesTokenCount: a.usage?.output ?? 3, totalTokenCount: (a.usage?.input ?? 5) + (a.usage?.output ?? 3) }
        })
      answer(scripted)
      return {
        kind,
        model: "google:gemini-test",
        baseUrl: router.baseUrl,
        answer,
        body: (n) => (stub.requests.at(n ?? -1)?.body ?? {}),
        requests: () => stub.requests.length
      }
    }
  }
}

/** The router's root URL (the Anthropic SDK appends `/v1/messages` itself). */
export const rootOf = (baseUrl: string) => baseUrl.replace(/\/v1$/, "")
