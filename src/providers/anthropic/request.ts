/**
 * OpenAI chat request → Anthropic Messages request body. System/developer messages go to `system`;
 * tool results become user `tool_result` blocks; consecutive same-role turns are merged because
 * Anthropic requires user/assistant alternation. An assistant turn that called tools gets its
 * remembered thinking blocks back, first, verbatim (`reasoning/memory.ts`); thinking itself is
 * decided in `thinking.ts`.
 */
import type { ThinkingSpec } from "../../config/thinking.js"
import { type ReasoningAsk } from "../../reasoning/effort.js"
import type { ThinkingMemory } from "../../reasoning/memory.js"
import { isRecord, reject, type NormalizedRequest, type TextPart, type UserPart } from "../common/openaiRequest.js"
import { anthropicThinking } from "./thinking.js"

/** Anthropic requires `max_tokens`; 4096 is within every Claude model's output limit. */
export const DEFAULT_MAX_TOKENS = 4096

const IMAGE_TYPES = new Set(["image/jpeg", "image/png", "image/gif", "image/webp"])

type Block = Record<string, unknown>
interface Turn {
  role: "user" | "assistant"
  content: Array<Block>
  /** Assistant turns: remembered thinking blocks, which must open the turn. */
  thinking?: Array<Block>
}

export interface AnthropicOptions {
  readonly thinking: ThinkingSpec
  /** The client's ask, or the route's default effort. */
  readonly ask: ReasoningAsk | undefined
  readonly memory: ThinkingMemory | undefined
}

/** Anthropic tool ids must match `^[a-zA-Z0-9_-]+$`; other providers' ids are mapped onto that. */
export const toolUseId = (id: string): string => id.replace(/[^a-zA-Z0-9_-]/g, "_")

const withCache = (block: Block, part: { readonly cacheControl?: Readonly<Record<string, unknown>> }): Block =>
  part.cacheControl === undefined ? block : { ...block, cache_control: part.cacheControl }

const textBlocks = (parts: ReadonlyArray<TextPart>): Array<Block> =>
  parts.filter((p) => p.text !== "").map((p) => withCache({ type: "text", text: p.text }, p))

const userBlock = (part: UserPart): Block | undefined => {
  switch (part.type) {
    case "text":
      return part.text === "" ? undefined : withCache({ type: "text", text: part.text }, part)
    case "image": {
      if (part.source.kind === "url") return withCache({ type: "image", source: { type: "url", url: part.source.url } }, part)
      if (!IMAGE_TYPES.has(part.source.mediaType)) {
        return reject(`Anthropic accepts JPEG, PNG, GIF and WebP images, not ${part.source.mediaType}.`, part.param, "unsupported_value")
      }
      return withCache({ type: "image", source: { type: "base64", media_type: part.source.mediaType, data: part.source.data } }, part)
    }
    case "file":
      if (part.mediaType !== "application/pdf") {
        return reject(`Anthropic accepts PDF files only, not ${part.mediaType}.`, part.param, "unsupported_value")
      }
      return {
        type: "document",
        source: { type: "base64", media_type: "application/pdf", data: part.data },
        ...(part.filename === undefined ? {} : { title: part.filename })
      }
    case "audio":
      return reject("Anthropic models do not accept audio input.", part.param, "unsupported_value")
  }
}

const buildTurns = (
  modelId: string,
  request: NormalizedRequest,
  memory: ThinkingMemory | undefined
): { system: Array<Block>; turns: Array<Turn> } => {
  const system: Array<Block> = []
  const turns: Array<Turn> = []
  const append = (role: Turn["role"], content: Array<Block>, thinking: ReadonlyArray<Block> = []) => {
    if (content.length === 0) return
    const last = turns[turns.length - 1]
    const turn = last !== undefined && last.role === role ? last : { role, content: [] }
    if (turn !== last) turns.push(turn)
    turn.content.push(...content)
    if (thinking.length > 0) (turn.thinking ??= []).push(...thinking)
  }
  for (const message of request.messages) {
    switch (message.role) {
      case "system":
        system.push(...textBlocks(message.parts))
        break
      case "user":
        append("user", message.parts.flatMap((part): Array<Block> => {
          const block = userBlock(part)
          return block === undefined ? [] : [block]
        }))
        break
      case "assistant": {
        const first = message.toolCalls[0]
        const thinking = first === undefined ? undefined : memory?.recall(first.id, modelId)
        append("assistant", [
          ...textBlocks(message.parts),
          ...message.toolCalls.map((call) => ({ type: "tool_use", id: toolUseId(call.id), name: call.name, input: call.arguments }))
        ], thinking?.map((block) => ({ ...block })))
        break
      }
      case "tool": {
        const text = message.parts.map((p) => p.text).join("")
        const cached = message.parts.some((p) => p.cacheControl !== undefined)
        append("user", [{
          type: "tool_result",
          tool_use_id: toolUseId(message.toolCallId),
          content: cached ? textBlocks(message.parts) : text
        }])
        break
      }
    }
  }
  return { system, turns }
}

/**
 * A final assistant turn is a prefill Claude continues; the API refuses one whose text ends in
 * whitespace ("final assistant content cannot end with trailing whitespace"), so it is trimmed.
 */
const trimPrefill = (turns: Array<Turn>): void => {
  const last = turns[turns.length - 1]
  const block = last?.content[last.content.length - 1]
  if (last === undefined || last.role !== "assistant" || block === undefined || block["type"] !== "text") return
  const text = String(block["text"]).trimEnd()
  if (text !== "") last.content[last.content.length - 1] = { ...block, text }
  else if (last.content.length > 1) last.content.pop()
  else turns.pop()
}

const toolChoiceOf = (request: NormalizedRequest): Record<string, unknown> | undefined => {
  const disableParallel = request.parallelToolCalls === false ? { disable_parallel_tool_use: true } : {}
  const choice = request.toolChoice
  if (choice === undefined) return request.parallelToolCalls === false ? { type: "auto", ...disableParallel } : undefined
  if (choice === "none") return { type: "none" }
  if (choice === "auto") return { type: "auto", ...disableParallel }
  if (choice === "required") return { type: "any", ...disableParallel }
  if (!request.tools.some((tool) => tool.name === choice.name)) {
    return reject(`tool_choice names '${choice.name}', which is not in 'tools'.`, "tool_choice", "invalid_value")
  }
  return { type: "tool", name: choice.name, ...disableParallel }
}

/** The request continues a tool loop (it ends in tool results) whose assistant turn has no thinking. */
const continuesWithoutThinking = (turns: ReadonlyArray<Turn>): boolean => {
  const last = turns[turns.length - 1]
  const assistant = turns[turns.length - 2]
  return last?.role === "user" && last.content[0]?.["type"] === "tool_result" &&
    assistant?.role === "assistant" && (assistant.thinking === undefined || assistant.thinking.length === 0)
}

const isForced = (request: NormalizedRequest): boolean =>
  request.tools.length > 0 && (request.toolChoice === "required" || typeof request.toolChoice === "object")

export interface AnthropicBody {
  readonly body: Record<string, unknown>
  /** Whether reasoning goes back to the client. */
  readonly show: boolean
  readonly notes: ReadonlyArray<string>
}

export const anthropicBody = (modelId: string, request: NormalizedRequest, options: AnthropicOptions): AnthropicBody => {
  if (request.n !== 1) return reject("Anthropic returns one choice per request: 'n' must be 1.", "n", "unsupported_value")
  if (request.responseFormat !== undefined) {
    return reject(
      `response_format '${request.responseFormat.type}' is not supported by the anthropic upstream; describe the format in the prompt or use a tool.`,
      "response_format",
      "unsupported_value"
    )
  }
  for (const key of ["presencePenalty", "frequencyPenalty"] as const) {
    const value = request[key]
    if (value !== undefined && value !== 0) {
      const param = key === "presencePenalty" ? "presence_penalty" : "frequency_penalty"
      return reject(`'${param}' is not supported by the anthropic upstream (only 0).`, param, "unsupported_parameter")
    }
  }
  const { system, turns } = buildTurns(modelId, request, options.memory)
  trimPrefill(turns)
  if (turns.length === 0) {
    return reject("Anthropic needs at least one non-empty user or assistant message.", "messages", "invalid_value")
  }
  const hasTools = request.tools.length > 0
  if (!hasTools && request.toolChoice !== undefined && request.toolChoice !== "none") {
    return reject("'tool_choice' needs 'tools'.", "tool_choice", "invalid_value")
  }
  const toolChoice = hasTools ? toolChoiceOf(request) : undefined
  const singleSystem = system.length === 1 && system[0] !== undefined && !("cache_control" in system[0]) ? system[0]["text"] : undefined
  const thinking = anthropicThinking({
    spec: options.thinking,
    ask: options.ask,
    maxTokens: request.maxTokens,
    defaultMaxTokens: DEFAULT_MAX_TOKENS,
    forcedTool: isForced(request),
    prefill: turns[turns.length - 1]?.role === "assistant",
    lostThinking: continuesWithoutThinking(turns),
    temperature: request.temperature,
    topP: request.topP,
    topK: request.topK
  })
  const body = {
    model: modelId,
    ...(system.length === 0 ? {} : { system: singleSystem ?? system }),
    messages: turns.map((turn) => ({ role: turn.role, content: [...(turn.thinking ?? []), ...turn.content] })),
    ...(hasTools
      ? {
        tools: request.tools.map((tool) => ({
          name: tool.name,
          ...(tool.description === undefined ? {} : { description: tool.description }),
          input_schema: isRecord(tool.parameters) ? { type: "object", ...tool.parameters } : { type: "object", properties: {} }
        }))
      }
      : {}),
    ...(toolChoice === undefined ? {} : { tool_choice: toolChoice }),
    ...thinking.fields,
    ...(request.stop.length === 0 ? {} : { stop_sequences: request.stop }),
    ...(request.user === undefined ? {} : { metadata: { user_id: request.user } }),
    ...(request.stream ? { stream: true } : {})
  }
  return { body, show: thinking.show, notes: [...request.notes, ...thinking.notes] }
}
