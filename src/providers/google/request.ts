/**
 * OpenAI chat request → Gemini `GenerateContentRequest`. Roles: assistant → `model`, tool results →
 * user `functionResponse` parts (named through the assistant's `tool_calls`), system/developer →
 * `systemInstruction`. Consecutive same-role turns are merged.
 */
import { isRecord, reject, type NormalizedRequest, type TextPart, type UserPart } from "../common/openaiRequest.js"
import { needsSignature, recallSignature, SKIP_SIGNATURE } from "./toolIds.js"

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

const buildContents = (modelId: string, request: NormalizedRequest): { system: Array<Part>; contents: Array<Content> } => {
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
        const signatures = message.toolCalls.map((call) => recallSignature(call.id))
        const sentinel = needsSignature(modelId) && signatures.every((s) => s === undefined)
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

const generationConfigOf = (request: NormalizedRequest): Record<string, unknown> => {
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
    ["responseJsonSchema", format?.type === "json_schema" ? format.schema : undefined]
  ]
  return Object.fromEntries(entries.filter(([, value]) => value !== undefined))
}

/** The model id as used in the URL: `models/x` and `x` are the same model. */
export const geminiModel = (modelId: string): string => modelId.replace(/^models\//, "")

export const geminiBody = (modelId: string, request: NormalizedRequest): Record<string, unknown> => {
  const { system, contents } = buildContents(geminiModel(modelId), request)
  if (contents.length === 0) return reject("Gemini needs at least one non-empty user or assistant message.", "messages", "invalid_value")
  const hasTools = request.tools.length > 0
  if (!hasTools && request.toolChoice !== undefined && request.toolChoice !== "none") {
    return reject("'tool_choice' needs 'tools'.", "tool_choice", "invalid_value")
  }
  const toolConfig = hasTools ? toolConfigOf(request) : undefined
  const generationConfig = generationConfigOf(request)
  return {
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
}
