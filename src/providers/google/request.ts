/**
 * OpenAI chat request → Gemini `GenerateContentRequest`. Roles: assistant → `model`, tool results →
 * user `functionResponse` parts (named through the assistant's `tool_calls`), system/developer →
 * `systemInstruction`. Consecutive same-role turns are merged.
 */
import type { ThinkingSpec } from "../../config/thinking.js"
import type { ReasoningAsk } from "../../reasoning/effort.js"
import type { ThinkingMemory } from "../../reasoning/memory.js"
import { planThinking } from "../../reasoning/plan.js"
import { isRecord, reject, type NormalizedRequest, type TextPart, type UserPart } from "../common/openaiRequest.js"
import { needsSignature, SKIP_SIGNATURE } from "./toolIds.js"

export interface GeminiOptions {
  readonly thinking: ThinkingSpec
  /** The client's ask, or the route's default effort. */
  readonly ask: ReasoningAsk | undefined
  readonly memory: ThinkingMemory | undefined
}

type Part = Record<string, unknown>
interface Content {
  role: "user" | "model"
  parts: Array<Part>
}

const EXTENSION_TYPES: Readonly<Record<string, string>> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  webp: "image/webp",
  gif: "image/gif",
  heic: "image/heic",
  heif: "image/heif",
  pdf: "application/pdf"
}

/** The media type of an http(s) URL, from its path's extension. */
export const guessMimeType = (url: string): string | undefined => {
  let path: string
  try {
    path = new URL(url).pathname
  } catch {
    return undefined
  }
  const ext = /\.([a-z0-9]+)$/i.exec(path)?.[1]?.toLowerCase()
  return ext === undefined ? undefined : EXTENSION_TYPES[ext]
}

const AUDIO_TYPES: Readonly<Record<string, string>> = { wav: "audio/wav", mp3: "audio/mp3" }

const textParts = (parts: ReadonlyArray<TextPart>): Array<Part> => parts.filter((p) => p.text !== "").map((p) => ({ text: p.text }))

const userPart = (part: UserPart): Part | undefined => {
  switch (part.type) {
    case "text":
      return part.text === "" ? undefined : { text: part.text }
    case "image": {
      if (part.source.kind === "base64") return { inlineData: { mimeType: part.source.mediaType, data: part.source.data } }
      const mimeType = guessMimeType(part.source.url)
      if (mimeType === undefined) {
        return reject(
          "Gemini needs the media type of an image URL; this URL has no known image extension. Send it as a base64 data URL.",
          part.param,
          "unsupported_value"
        )
      }
      return { fileData: { mimeType, fileUri: part.source.url } }
    }
    case "file":
      return { inlineData: { mimeType: part.mediaType, data: part.data } }
    case "audio": {
      const mimeType = AUDIO_TYPES[part.format]
      if (mimeType === undefined) return reject(`Unsupported audio format '${part.format}'.`, `${part.param}.format`, "unsupported_value")
      return { inlineData: { mimeType, data: part.data } }
    }
  }
}

/** A tool's text result as the `response` object Gemini wants: a JSON object as is, else `{result}`. */
const functionResponse = (text: string): Record<string, unknown> => {
  try {
    const parsed: unknown = JSON.parse(text)
    if (isRecord(parsed)) return parsed
  } catch {
    // plain text
  }
  return { result: text }
}

/** A remembered `thoughtSignature` of the function call `id` made by `modelId`. */
const recallSignature = (memory: ThinkingMemory | undefined, id: string, modelId: string): string | undefined => {
  const signature = memory?.recall(id, modelId)?.[0]?.["thoughtSignature"]
  return typeof signature === "string" ? signature : undefined
}

const buildContents = (
  modelId: string,
  request: NormalizedRequest,
  memory: ThinkingMemory | undefined,
  notes: Array<string>
): { system: Array<Part>; contents: Array<Content> } => {
  const system: Array<Part> = []
  const contents: Array<Content> = []
  const names = new Map<string, string>()
  const append = (role: Content["role"], parts: Array<Part>) => {
    if (parts.length === 0) return
    const last = contents[contents.length - 1]
    if (last !== undefined && last.role === role) last.parts.push(...parts)
    else contents.push({ role, parts })
  }
  for (const message of request.messages) {
    switch (message.role) {
      case "system":
        system.push(...textParts(message.parts))
        break
      case "user":
        append("user", message.parts.flatMap((part): Array<Part> => {
          const converted = userPart(part)
          return converted === undefined ? [] : [converted]
        }))
        break
      case "assistant": {
        const signatures = message.toolCalls.map((call) => recallSignature(memory, call.id, modelId))
        const sentinel = needsSignature(modelId) && message.toolCalls.length > 0 && signatures.every((s) => s === undefined)
        if (sentinel) notes.push("thought signature of a replayed function call no longer remembered: Google's skip sentinel sent")
        const calls = message.toolCalls.map((call, j): Part => {
          names.set(call.id, call.name)
          const signature = signatures[j] ?? (sentinel && j === 0 ? SKIP_SIGNATURE : undefined)
          return {
            functionCall: { name: call.name, args: call.arguments },
            ...(signature === undefined ? {} : { thoughtSignature: signature })
          }
        })
        append("model", [...textParts(message.parts), ...calls])
        break
      }
      case "tool": {
        const name = names.get(message.toolCallId)
        if (name === undefined) {
          return reject(
            `tool_call_id '${message.toolCallId}' matches no tool call of an earlier assistant message (Gemini needs the function name).`,
            `${message.param}.tool_call_id`,
            "invalid_value"
          )
        }
        const text = message.parts.map((p) => p.text).join("")
        append("user", [{ functionResponse: { name, response: functionResponse(text) } }])
        break
      }
    }
  }
  return { system, contents }
}

const toolConfigOf = (request: NormalizedRequest): Record<string, unknown> | undefined => {
  const choice = request.toolChoice
  if (choice === undefined) return undefined
  if (choice === "auto") return { functionCallingConfig: { mode: "AUTO" } }
  if (choice === "none") return { functionCallingConfig: { mode: "NONE" } }
  if (choice === "required") return { functionCallingConfig: { mode: "ANY" } }
  if (!request.tools.some((tool) => tool.name === choice.name)) {
    return reject(`tool_choice names '${choice.name}', which is not in 'tools'.`, "tool_choice", "invalid_value")
  }
  return { functionCallingConfig: { mode: "ANY", allowedFunctionNames: [choice.name] } }
}

/** `thinkingConfig`: a budget (2.5) or a level (3), with the thoughts included unless excluded. */
const thinkingConfigOf = (options: GeminiOptions, notes: Array<string>): Record<string, unknown> | undefined => {
  const planned = planThinking(options.ask, options.thinking)
  notes.push(...planned.notes)
  const { plan } = planned
  switch (plan.kind) {
    case "unchanged":
      return undefined
    case "off":
      return { thinkingBudget: 0 }
    case "budget":
      return { thinkingBudget: plan.budget, includeThoughts: planned.show }
    case "level":
      return { thinkingLevel: plan.level, includeThoughts: planned.show }
  }
}

const generationConfigOf = (request: NormalizedRequest, thinkingConfig: Record<string, unknown> | undefined): Record<string, unknown> => {
  const format = request.responseFormat
  const entries: Array<[string, unknown]> = [
    ["temperature", request.temperature],
    ["topP", request.topP],
    ["topK", request.topK],
    ["maxOutputTokens", request.maxTokens],
    ["stopSequences", request.stop.length === 0 ? undefined : request.stop],
    ["candidateCount", request.n === 1 ? undefined : request.n],
    ["seed", request.seed],
    ["presencePenalty", request.presencePenalty],
    ["frequencyPenalty", request.frequencyPenalty],
    ["responseMimeType", format === undefined ? undefined : "application/json"],
    ["responseJsonSchema", format?.type === "json_schema" ? format.schema : undefined],
    ["thinkingConfig", thinkingConfig]
  ]
  return Object.fromEntries(entries.filter(([, value]) => value !== undefined))
}

/** The model id as used in the URL: `models/x` and `x` are the same model. */
export const geminiModel = (modelId: string): string => modelId.replace(/^models\//, "")

export interface GeminiBody {
  readonly body: Record<string, unknown>
  readonly notes: ReadonlyArray<string>
}

export const geminiBody = (modelId: string, request: NormalizedRequest, options: GeminiOptions): GeminiBody => {
  const notes: Array<string> = [...request.notes]
  const { system, contents } = buildContents(geminiModel(modelId), request, options.memory, notes)
  if (contents.length === 0) return reject("Gemini needs at least one non-empty user or assistant message.", "messages", "invalid_value")
  const hasTools = request.tools.length > 0
  if (!hasTools && request.toolChoice !== undefined && request.toolChoice !== "none") {
    return reject("'tool_choice' needs 'tools'.", "tool_choice", "invalid_value")
  }
  const toolConfig = hasTools ? toolConfigOf(request) : undefined
  const generationConfig = generationConfigOf(request, thinkingConfigOf(options, notes))
  const body = {
    contents,
    ...(system.length === 0 ? {} : { systemInstruction: { parts: system } }),
    ...(hasTools
      ? {
        tools: [{
          functionDeclarations: request.tools.map((tool) => ({
            name: tool.name,
            ...(tool.description === undefined ? {} : { description: tool.description }),
            // Full JSON Schema (additionalProperties, $defs, …): `parameters` only takes an OpenAPI subset.
            ...(tool.parameters === undefined ? {} : { parametersJsonSchema: tool.parameters })
          }))
        }]
      }
      : {}),
    ...(toolConfig === undefined ? {} : { toolConfig }),
    ...(Object.keys(generationConfig).length === 0 ? {} : { generationConfig })
  }
  return { body, notes }
}
