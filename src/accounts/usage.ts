/**
 * What one keyed request used: tokens from the upstream's `usage` (the JSON answer, or the SSE
 * chunk that carries it; estimated at ~4 characters a token when a stream has none), and micro-USD
 * of x402 payments signed for it. A `UsageMeter` travels with the request's fiber
 * (`CurrentUsageMeter`), so the payments decorator (`payments.ts`) can add to it without the
 * Router knowing about keys.
 */
import { FiberRef } from "effect"
import { Transform, type Readable, type TransformCallback } from "node:stream"

export interface UsageMeter {
  tokens: number
  usdMicro: number
}

export const CurrentUsageMeter = FiberRef.unsafeMake<UsageMeter | undefined>(undefined)

interface UsageShape {
  readonly total_tokens?: unknown
  readonly prompt_tokens?: unknown
  readonly completion_tokens?: unknown
}

const tokensOf = (usage: unknown): number | undefined => {
  if (typeof usage !== "object" || usage === null) return undefined
  const u = usage as UsageShape
  if (typeof u.total_tokens === "number") return u.total_tokens
  const sum = (typeof u.prompt_tokens === "number" ? u.prompt_tokens : 0) + (typeof u.completion_tokens === "number" ? u.completion_tokens : 0)
  return sum > 0 ? sum : undefined
}

/** `usage.total_tokens` of a complete `chat.completion` body, or an estimate from its length. */
export const tokensOfCompletion = (bytes: Buffer | string): number => {
  const text = typeof bytes === "string" ? bytes : bytes.toString("utf8")
  try {
    const exact = tokensOf((JSON.parse(text) as { usage?: unknown }).usage)
    if (exact !== undefined) return exact
  } catch {
    // not JSON: estimate below
  }
  return Math.ceil(text.length / 4)
}

/**
 * Passes a streamed answer through unchanged while reading it: the last `usage` seen wins; without
 * one, content characters / 4 (plus `promptEstimate`). `onEnd` runs once, when the stream ends,
 * fails or is cut by the client.
 */
export const meterStream = (stream: Readable, promptEstimate: number, onEnd: (tokens: number) => void): Readable => {
  let exact: number | undefined
  let contentChars = 0
  let pending = ""
  let done = false
  const finish = () => {
    if (done) return
    done = true
    onEnd(exact ?? promptEstimate + Math.ceil(contentChars / 4))
  }
  const scan = (line: string) => {
    if (!line.startsWith("data:")) return
    const data = line.slice(5).trim()
    if (data === "" || data === "[DONE]") return
    try {
      const event = JSON.parse(data) as { usage?: unknown; choices?: ReadonlyArray<{ delta?: { content?: unknown } }> }
      const tokens = tokensOf(event.usage)
      if (tokens !== undefined) exact = tokens
      for (const choice of event.choices ?? []) {
        if (typeof choice.delta?.content === "string") contentChars += choice.delta.content.length
      }
    } catch {
      // a partial or foreign event: counted by the estimate only through content seen elsewhere
    }
  }
  const meter = new Transform({
    transform(chunk: Buffer | string, _encoding, callback: TransformCallback) {
      pending += typeof chunk === "string" ? chunk : chunk.toString("utf8")
      const lines = pending.split("\n")
      pending = lines.pop() ?? ""
      for (const line of lines) scan(line)
      callback(null, chunk)
    },
    flush(callback: TransformCallback) {
      scan(pending)
      finish()
      callback()
    }
  })
  meter.on("close", finish)
  stream.on("error", (error) => meter.destroy(error))
  meter.on("close", () => {
    if (!stream.destroyed) stream.destroy()
  })
  return stream.pipe(meter)
}
