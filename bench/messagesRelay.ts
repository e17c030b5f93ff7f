/**
 * What relaying Anthropic's own events to a Messages client costs the router, against translating
 * them (the path before relay mode), in the same run. One realistic streamed answer (a thinking
 * block of 300 `thinking_delta`s with its signature, 600 `text_delta`s, a tool call), fed through
 * everything the router does per event: the adapter's translator, the stream session's tracker,
 * the Messages codec's reader and encoder. No sockets: CPU per answer and per upstream event.
 *
 *   node --import tsx bench/messagesRelay.ts
 */
import { Readable } from "node:stream"
import { encodeStream } from "../src/ingress/encodeStream.js"
import { MessagesStreamEncoder } from "../src/ingress/messages/stream.js"
import { AnthropicStreamTranslator } from "../src/providers/anthropic/stream.js"
import { AnswerTracker, eventText } from "../src/routing/stream/tracker.js"

const event = (name: string, data: unknown) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`
const delta = (index: number, body: Record<string, unknown>) => event("content_block_delta", { type: "content_block_delta", index, delta: body })

const upstream: Array<Buffer> = [
  event("message_start", { type: "message_start", message: { id: "msg_1", type: "message", role: "assistant", content: [], model: "claude-sonnet-4-5", stop_reason: null, stop_sequence: null, usage: { input_tokens: 1200, cache_read_input_tokens: 30_000, output_tokens: 1 } } }),
  event("content_block_start", { type: "content_block_start", index: 0, content_block: { type: "thinking", thinking: "", signature: "" } }),
  ...Array.from({ length: 300 }, (_, i) => delta(0, { type: "thinking_delta", thinking: `step ${i} of the reasoning, ` })),
  delta(0, { type: "signature_delta", signature: "EqQBCkYIBxgCKkD".repeat(20) }),
  event("content_block_stop", { type: "content_block_stop", index: 0 }),
  event("content_block_start", { type: "content_block_start", index: 1, content_block: { type: "text", text: "" } }),
  ...Array.from({ length: 600 }, (_, i) => delta(1, { type: "text_delta", text: `word${i} ` })),
  event("content_block_stop", { type: "content_block_stop", index: 1 }),
  event("content_block_start", { type: "content_block_start", index: 2, content_block: { type: "tool_use", id: "toolu_1", name: "read_file", input: {} } }),
  ...Array.from({ length: 20 }, () => delta(2, { type: "input_json_delta", partial_json: "{\"path\": \"src/a" })),
  event("content_block_stop", { type: "content_block_stop", index: 2 }),
  event("message_delta", { type: "message_delta", delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { output_tokens: 900 } }),
  event("message_stop", { type: "message_stop" })
].map((text) => Buffer.from(text))

/** One answer through translator → tracker → codec; returns the bytes the client would get. */
const run = async (relay: boolean): Promise<number> => {
  const translator = new AnthropicStreamTranslator("anthropic:claude-sonnet-4-5", "claude-sonnet-4-5", true, undefined, relay)
  const tracker = new AnswerTracker()
  const session: Array<string> = []
  for (const chunk of upstream) for (const tracked of tracker.push(translator.push(chunk))) session.push(eventText(tracked))
  for (const tracked of tracker.push(translator.end().output)) session.push(eventText(tracked))
  let bytes = 0
  for await (const out of encodeStream(Readable.from(session), new MessagesStreamEncoder("llmrouter/coding", true))) bytes += (out as Buffer).length
  return bytes
}

const measure = async (relay: boolean, rounds: number): Promise<number> => {
  const cpu = process.cpuUsage()
  for (let i = 0; i < rounds; i++) await run(relay)
  const used = process.cpuUsage(cpu)
  return (used.user + used.system) / rounds
}

const main = async () => {
  console.log(`one answer: ${upstream.length} upstream events; client bytes translated ${await run(false)}, relayed ${await run(true)}`)
  for (let i = 0; i < 30; i++) await Promise.all([run(false), run(true)]) // warm-up
  const translated: Array<number> = []
  const relayed: Array<number> = []
  for (let round = 0; round < 7; round++) {
    translated.push(await measure(false, 40))
    relayed.push(await measure(true, 40))
  }
  const median = (xs: Array<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0
  const [t, r] = [median(translated), median(relayed)]
  const perEvent = (us: number) => `${(us / upstream.length).toFixed(2)} µs/event`
  console.log(`translated (before): ${t.toFixed(0)} µs CPU per answer, ${perEvent(t)}`)
  console.log(`relayed (native):    ${r.toFixed(0)} µs CPU per answer, ${perEvent(r)}`)
  console.log(`relayed / translated: ${(r / t).toFixed(2)} (medians of 7 interleaved rounds of 40 answers)`)
}

void main()
