/**
 * A loopback Gemini API (`/v1beta/models/{model}:generateContent` and
 * `:streamGenerateContent?alt=sse`) for tests. It validates requests like the real API (key
 * header, roles, part shapes, unknown fields, function-response pairing, Gemini 3 thought
 * signatures it issued (or Google's skip sentinel), `thinkingConfig`: budget ranges per 2.5 model,
 * levels per Gemini 3 model, never both), records them; thought parts come back only with
 * `includeThoughts`, and answers from a per-test script: a candidate set (as one JSON
 * response, or streamed as a sequence of `GenerateContentResponse` events), raw events or an error.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { isRecord } from "../../src/providers/common/openaiContent.js"
import type { PromptCache } from "./promptCache.js"

export type GeminiPart = Record<string, unknown>

export interface CandidateSpec {
  readonly parts: ReadonlyArray<GeminiPart>
  readonly finishReason?: string
  readonly index?: number
}

export type GeminiReply =
  | {
    readonly type: "response"
    readonly candidates: ReadonlyArray<CandidateSpec>
    readonly usageMetadata?: Readonly<Record<string, number>>
    readonly promptFeedback?: Readonly<Record<string, unknown>>
    /** Characters of text per streamed event (default 5). */
    readonly textChunk?: number
  }
  | { readonly type: "events"; readonly events: ReadonlyArray<unknown>; readonly end?: "eof" | "destroy" }
  | {
    readonly type: "error"
    readonly status: number
    readonly statusText: string
    readonly message: string
    readonly details?: ReadonlyArray<unknown>
    readonly headers?: Readonly<Record<string, string>>
  }

export interface GeminiRequest {
  readonly headers: IncomingHttpHeaders
  readonly path: string
  readonly model: string
  readonly stream: boolean
  readonly body: Record<string, unknown>
  readonly rejected: string | undefined
}

export interface GeminiUpstream {
  /** The `apiBase` to configure: `http://127.0.0.1:port/v1beta`. */
  readonly url: string
  readonly requests: Array<GeminiRequest>
  reply(...replies: ReadonlyArray<GeminiReply>): void
  close(): Promise<void>
}


const TOP_LEVEL = new Set(["contents", "systemInstruction", "tools", "toolConfig", "generationConfig", "safetySettings", "cachedContent"])
const GENERATION = new Set([
  "temperature", "topP", "topK", "maxOutputTokens", "stopSequences", "candidateCount", "seed", "presencePenalty",
  "frequencyPenalty", "responseMimeType", "responseSchema", "responseJsonSchema", "thinkingConfig", "responseLogprobs", "logprobs"
])
const DATA_FIELDS = ["text", "inlineData", "fileData", "functionCall", "functionResponse"]
const SKIP_SIGNATURE = "skip_thought_signature_validator"

/** Budget ranges (and whether 0 turns thinking off) per 2.5 model, as documented; -1 is dynamic everywhere. */
const budgetRange = (model: string): { min: number; max: number; off: boolean } | undefined =>
  /gemini-2\.5-pro/.test(model) ? { min: 128, max: 32_768, off: false }
    : /gemini-2\.5-flash-lite/.test(model) ? { min: 512, max: 24_576, off: true }
    : /gemini-2\.5-flash/.test(model) ? { min: 1, max: 24_576, off: true }
    : undefined
const levelsOf = (model: string): ReadonlyArray<string> | undefined =>
  /gemini-3[.\d]*-flash/.test(model) ? ["minimal", "low", "medium", "high"] : /gemini-3/.test(model) ? ["low", "high"] : undefined

const validateThinkingConfig = (model: string, config: unknown): string | undefined => {
  if (config === undefined) return undefined
  if (!isRecord(config)) return "generation_config.thinking_config: must be an object"
  for (const key of Object.keys(config)) {
    if (!["thinkingBudget", "thinkingLevel", "includeThoughts"].includes(key)) return `Invalid JSON payload received. Unknown name "${key}" at 'generation_config.thinking_config': Cannot find field.`
  }
  const budget = config["thinkingBudget"]
  const level = config["thinkingLevel"]
  if (budget !== undefined && level !== undefined) return "You can only set either thinking budget or thinking level, not both."
  if (level !== undefined) {
    const levels = levelsOf(model)
    if (levels === undefined) return "Thinking level is not supported for this model."
    if (!levels.includes(String(level))) return `Thinking level ${String(level)} is not supported by ${model}; supported: ${levels.join(", ")}.`
  }
  if (budget !== undefined) {
    if (!Number.isInteger(budget)) return "thinking_budget: must be an integer"
    const range = budgetRange(model)
    const b = budget as number
    if (range !== undefined && b !== -1) {
      if (b === 0 && !range.off) return "Budget 0 is invalid. This model only works in thinking mode."
      if (b !== 0 && (b < range.min || b > range.max)) return `The thinking budget ${b} is invalid. Please choose a value between ${range.min} and ${range.max}.`
    }
  }
  return undefined
}

export const validateGemini = (
  model: string,
  headers: IncomingHttpHeaders,
  body: unknown,
  issuedSignatures: ReadonlySet<string> = new Set()
): { status: number; statusText: string; message: string } | undefined => {
  const bad = (message: string) => ({ status: 400, statusText: "INVALID_ARGUMENT", message })
  if (typeof headers["x-goog-api-key"] !== "string" || headers["x-goog-api-key"] === "") {
    return { status: 403, statusText: "PERMISSION_DENIED", message: "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API." }
  }
  if (!isRecord(body)) return bad("Invalid JSON payload received.")
  for (const key of Object.keys(body)) if (!TOP_LEVEL.has(key)) return bad(`Invalid JSON payload received. Unknown name "${key}": Cannot find field.`)
  const config = body["generationConfig"]
  if (config !== undefined) {
    if (!isRecord(config)) return bad("generation_config must be an object")
    for (const key of Object.keys(config)) if (!GENERATION.has(key)) return bad(`Invalid JSON payload received. Unknown name "${key}" at 'generation_config': Cannot find field.`)
    const thinking = validateThinkingConfig(model, config["thinkingConfig"])
    if (thinking !== undefined) return bad(thinking)
  }
  const checkParts = (parts: unknown, at: string): string | undefined => {
    if (!Array.isArray(parts) || parts.length === 0) return `${at}.parts: must not be empty`
    for (const [j, part] of parts.entries()) {
      if (!isRecord(part)) return `${at}.parts[${j}]: must be an object`
      const fields = DATA_FIELDS.filter((f) => f in part)
      if (fields.length !== 1) return `${at}.parts[${j}]: exactly one data field is required (oneof)`
      if ("text" in part && (typeof part["text"] !== "string" || part["text"] === "")) return "Unable to submit request because it has an empty text parameter."
      const inline = part["inlineData"]
      if (inline !== undefined && !(isRecord(inline) && typeof inline["mimeType"] === "string" && typeof inline["data"] === "string")) return `${at}.parts[${j}].inline_data: invalid`
      const file = part["fileData"]
      if (file !== undefined && !(isRecord(file) && typeof file["mimeType"] === "string" && typeof file["fileUri"] === "string")) return `${at}.parts[${j}].file_data: invalid`
    }
    return undefined
  }
  const system = body["systemInstruction"]
  if (system !== undefined) {
    const problem = isRecord(system) ? checkParts(system["parts"], "system_instruction") : "system_instruction: invalid"
    if (problem !== undefined) return bad(problem)
  }
  const contents = body["contents"]
  if (!Array.isArray(contents) || contents.length === 0) return bad("* GenerateContentRequest.contents: contents is not specified")
  let previousCalls: Array<string> = []
  let previousRole = ""
  for (const [i, content] of contents.entries()) {
    if (!isRecord(content)) return bad(`contents[${i}]: must be an object`)
    const role = content["role"]
    if (role !== "user" && role !== "model") return bad(`Please use a valid role: user, model. (contents[${i}])`)
    const problem = checkParts(content["parts"], `contents[${i}]`)
    if (problem !== undefined) return bad(problem)
    const parts = content["parts"] as Array<Record<string, unknown>>
    const calls = parts.flatMap((p) => (isRecord(p["functionCall"]) ? [String(p["functionCall"]["name"])] : []))
    const responses = parts.flatMap((p) => (isRecord(p["functionResponse"]) ? [p["functionResponse"]] : []))
    if (responses.length > 0) {
      if (previousRole !== "model" || previousCalls.length === 0) return bad("Please ensure that function response turn comes immediately after a function call turn.")
      if (responses.length !== previousCalls.length) {
        return bad("Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.")
      }
      for (const r of responses) {
        if (typeof r["name"] !== "string" || !previousCalls.includes(r["name"]) || !isRecord(r["response"])) {
          return bad(`contents[${i}]: function response must name a called function and carry an object response`)
        }
      }
    }
    if (calls.length > 0 && /^gemini-3/.test(model)) {
      const first = parts.find((p) => isRecord(p["functionCall"]))
      if (first !== undefined && typeof first["thoughtSignature"] !== "string") {
        return bad(`Function call \`${calls[0]}\` in the ${i + 1}. content block is missing a \`thought_signature\`.`)
      }
      const signature = first?.["thoughtSignature"]
      if (typeof signature === "string" && signature !== SKIP_SIGNATURE && !issuedSignatures.has(signature)) {
        return bad(`Corrupted thought signature in the ${i + 1}. content block.`)
      }
    }
    previousCalls = calls
    previousRole = role
  }
  const tools = body["tools"]
  if (tools !== undefined) {
    if (!Array.isArray(tools)) return bad("tools: must be a list")
    for (const tool of tools) {
      const declarations = isRecord(tool) ? tool["functionDeclarations"] : undefined
      if (!Array.isArray(declarations)) return bad("tools[].function_declarations: required")
      for (const d of declarations) {
        if (!isRecord(d) || typeof d["name"] !== "string") return bad("function_declarations[].name: required")
        if ("parameters" in d && "parametersJsonSchema" in d) return bad("parameters and parameters_json_schema are mutually exclusive")
      }
    }
  }
  const toolConfig = body["toolConfig"]
  if (toolConfig !== undefined) {
    const mode = isRecord(toolConfig) && isRecord(toolConfig["functionCallingConfig"]) ? toolConfig["functionCallingConfig"]["mode"] : undefined
    if (!["AUTO", "ANY", "NONE", "VALIDATED"].includes(String(mode))) return bad("tool_config.function_calling_config.mode: invalid")
  }
  return undefined
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve))

const send = (res: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}) => {
  const bytes = Buffer.from(JSON.stringify(body))
  res.writeHead(status, { "content-type": "application/json; charset=UTF-8", "content-length": String(bytes.length), ...headers })
  res.end(bytes)
}

export const geminiError = (status: number, statusText: string, message: string, details?: ReadonlyArray<unknown>) => ({
  error: { code: status, message, status: statusText, ...(details === undefined ? {} : { details }) }
})

const candidateJson = (c: CandidateSpec, parts: ReadonlyArray<GeminiPart>, finish: boolean, stream: boolean) => ({
  content: { parts, role: "model" },
  ...(finish && c.finishReason !== undefined ? { finishReason: c.finishReason } : {}),
  // proto3 JSON: the stream omits `index` when it is 0, the unary answer spells it out.
  ...(stream && (c.index ?? 0) === 0 ? {} : { index: c.index ?? 0 })
})

/** The events the real API streams for `reply`: text in small pieces, function calls whole. */
export const responseEvents = (reply: Extract<GeminiReply, { type: "response" }>, model: string): Array<unknown> => {
  const common = { modelVersion: model, responseId: "resp_stub" }
  const size = reply.textChunk ?? 5
  const events: Array<unknown> = []
  if (reply.candidates.length === 0) {
    return [{ promptFeedback: reply.promptFeedback, usageMetadata: reply.usageMetadata, ...common }]
  }
  for (const c of reply.candidates) {
    const pieces: Array<Array<GeminiPart>> = []
    for (const part of c.parts) {
      if (typeof part["text"] === "string") {
        for (let i = 0; i < part["text"].length; i += size) pieces.push([{ ...part, text: part["text"].slice(i, i + size) }])
      } else {
        const last = pieces[pieces.length - 1]
        if (last !== undefined && last.every((p) => "functionCall" in p)) last.push(part)
        else pieces.push([part])
      }
    }
    if (pieces.length === 0) pieces.push([])
    pieces.forEach((parts, k) => {
      const final = k === pieces.length - 1
      events.push({
        candidates: [candidateJson(c, parts, final, true)],
        ...(final && reply.usageMetadata !== undefined ? { usageMetadata: reply.usageMetadata } : {}),
        ...common
      })
    })
  }
  return events
}

/**
 * Thought parts come back only with `includeThoughts`; every thought signature handed out is
 * remembered, so a replay is checked against what this server issued.
 */
const withThoughts = (reply: Extract<GeminiReply, { type: "response" }>, body: unknown, issued: Set<string>): GeminiReply => {
  const config = isRecord(body) && isRecord(body["generationConfig"]) ? body["generationConfig"]["thinkingConfig"] : undefined
  const include = isRecord(config) && config["includeThoughts"] === true
  const candidates = reply.candidates.map((c) => ({ ...c, parts: c.parts.filter((p) => include || p["thought"] !== true) }))
  for (const c of candidates) for (const p of c.parts) if (typeof p["thoughtSignature"] === "string") issued.add(p["thoughtSignature"])
  return { ...reply, candidates }
}

/** Gemini's implicit cache: a prompt repeating an earlier one's leading contents reports them as `cachedContentTokenCount`. */
const cachedUsage = (cache: PromptCache, model: string, request: Record<string, unknown>) => {
  const units = [
    ...(request["tools"] === undefined ? [] : [request["tools"]]),
    ...(request["systemInstruction"] === undefined ? [] : [request["systemInstruction"]]),
    ...(Array.isArray(request["contents"]) ? request["contents"] : [])
  ]
  const { cached, prompt } = cache.use(model, units)
  return { promptTokenCount: prompt, candidatesTokenCount: 5, totalTokenCount: prompt + 5, ...(cached > 0 ? { cachedContentTokenCount: cached } : {}) }
}

/** `cache`: report usage from a simulated implicit cache for replies that set no usage of their own. */
export const startGeminiUpstream = async (options: { readonly cache?: PromptCache } = {}): Promise<GeminiUpstream> => {
  const requests: Array<GeminiRequest> = []
  const issued = new Set<string>()
  let queue: Array<GeminiReply> = [{ type: "response", candidates: [{ parts: [{ text: "Hello from Gemini" }], finishReason: "STOP" }] }]
  const server = createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => {
      let body: unknown
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8"))
      } catch {
        body = undefined
      }
      const url = new URL(req.url ?? "/", "http://stub")
      const match = /^\/v1beta\/models\/([^/:]+):(generateContent|streamGenerateContent)$/.exec(url.pathname)
      const model = decodeURIComponent(match?.[1] ?? "")
      const stream = match?.[2] === "streamGenerateContent"
      const invalid = req.method !== "POST" || match === null
        ? { status: 404, statusText: "NOT_FOUND", message: `Not found: ${req.method} ${url.pathname}` }
        : stream && url.searchParams.get("alt") !== "sse"
        ? { status: 400, statusText: "INVALID_ARGUMENT", message: "stub: streaming requires alt=sse" }
        : validateGemini(model, req.headers, body, issued)
      requests.push({ headers: req.headers, path: req.url ?? "", model, stream, body: isRecord(body) ? body : {}, rejected: invalid?.message })
      if (invalid !== undefined) return send(res, invalid.status, geminiError(invalid.status, invalid.statusText, invalid.message))
      const queued = (queue.length > 1 ? queue.shift() : queue[0]) as GeminiReply
      const scripted: GeminiReply = queued.type === "response" && queued.usageMetadata === undefined && options.cache !== undefined
        ? { ...queued, usageMetadata: cachedUsage(options.cache, model, body as Record<string, unknown>) }
        : queued
      const reply = scripted.type === "response" ? withThoughts(scripted, body, issued) : scripted
      if (reply.type === "error") return send(res, reply.status, geminiError(reply.status, reply.statusText, reply.message, reply.details), reply.headers)
      const events = reply.type === "events" ? reply.events : stream ? responseEvents(reply, model) : undefined
      if (events === undefined && reply.type === "response") {
        return send(res, 200, {
          ...(reply.candidates.length === 0 ? {} : { candidates: reply.candidates.map((c) => candidateJson(c, c.parts, true, false)) }),
          ...(reply.promptFeedback === undefined ? {} : { promptFeedback: reply.promptFeedback }),
          ...(reply.usageMetadata === undefined ? {} : { usageMetadata: reply.usageMetadata }),
          modelVersion: model,
          responseId: "resp_stub"
        })
      }
      void (async () => {
        res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" })
        for (const event of events ?? []) {
          res.write(`data: ${JSON.stringify(event)}\r\n\r\n`)
          await tick()
        }
        if (reply.type === "events" && reply.end === "destroy") res.destroy()
        else res.end()
      })()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/v1beta`,
    requests,
    reply: (...replies) => {
      queue = [...replies]
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
