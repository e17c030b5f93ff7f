/**
 * The client's OpenAI chat request, read once into a checked, provider-neutral shape that the
 * translating adapters (Anthropic, Gemini) map onto their wire formats. Anything malformed, or
 * that no translating adapter can express, fails here with an `InvalidRequest` naming the field.
 */
import { InvalidRequest } from "../../errors/request.js"
import { type ReasoningAsk, reasoningAsk } from "../../reasoning/effort.js"
import { normalizeHistory } from "./history.js"
import { isRecord, parseContentParts, reject, textOnly, type TextPart, type UserPart } from "./openaiContent.js"

export type { TextPart, UserPart } from "./openaiContent.js"
export { isRecord, reject } from "./openaiContent.js"

export interface ToolCall {
  readonly id: string
  readonly name: string
  /** The parsed `function.arguments` (always a JSON object). */
  readonly arguments: Readonly<Record<string, unknown>>
}

export type Message =
  | { readonly role: "system"; readonly parts: ReadonlyArray<TextPart> }
  | { readonly role: "user"; readonly parts: ReadonlyArray<UserPart> }
  | { readonly role: "assistant"; readonly parts: ReadonlyArray<TextPart>; readonly toolCalls: ReadonlyArray<ToolCall> }
  | { readonly role: "tool"; readonly toolCallId: string; readonly parts: ReadonlyArray<TextPart>; readonly param: string }

export interface ToolSpec {
  readonly name: string
  readonly description: string | undefined
  readonly parameters: Readonly<Record<string, unknown>> | undefined
}

export type ToolChoice = "auto" | "none" | "required" | { readonly name: string }

export type ResponseFormat =
  | { readonly type: "json_object" }
  | { readonly type: "json_schema"; readonly name: string; readonly schema: Readonly<Record<string, unknown>> | undefined }

export interface NormalizedRequest {
  readonly messages: ReadonlyArray<Message>
  readonly tools: ReadonlyArray<ToolSpec>
  readonly toolChoice: ToolChoice | undefined
  readonly parallelToolCalls: boolean | undefined
  readonly maxTokens: number | undefined
  readonly temperature: number | undefined
  readonly topP: number | undefined
  /** Non-standard but common (`top_k`): both Anthropic and Gemini accept it. */
  readonly topK: number | undefined
  readonly stop: ReadonlyArray<string>
  readonly n: number
  readonly seed: number | undefined
  readonly presencePenalty: number | undefined
  readonly frequencyPenalty: number | undefined
  readonly responseFormat: ResponseFormat | undefined
  readonly user: string | undefined
  readonly stream: boolean
  readonly includeUsage: boolean
  /** `reasoning_effort` / `reasoning`, as asked (each adapter maps it onto its model's thinking). */
  readonly reasoning: ReasoningAsk | undefined
  /** What was changed to make the history acceptable (see `history.ts`), for the client to see. */
  readonly notes: ReadonlyArray<string>
}

/**
 * Top-level fields read by `normalize` (their support per provider is decided by each adapter),
 * and fields that are accepted and ignored because they do not change the answer's meaning.
 */
const HANDLED = new Set([
  "model", "messages", "stream", "stream_options", "max_tokens", "max_completion_tokens",
  "temperature", "top_p", "top_k", "stop", "n", "seed", "presence_penalty", "frequency_penalty",
  "response_format", "tools", "tool_choice", "parallel_tool_calls", "user", "logprobs",
  "top_logprobs", "logit_bias", "modalities", "audio", "web_search_options", "functions",
  "function_call", "reasoning_effort", "reasoning"
])
export const IGNORED_FIELDS: ReadonlyArray<string> = [
  "store", "metadata", "service_tier", "prompt_cache_key", "safety_identifier",
  "verbosity", "prediction"
]
const IGNORED = new Set(IGNORED_FIELDS)

const present = (value: unknown): boolean => value !== undefined && value !== null

const optionalNumber = (body: Readonly<Record<string, unknown>>, key: string, min: number, max: number): number | undefined => {
  const value = body[key]
  if (!present(value)) return undefined
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
    return reject(`'${key}' must be a number between ${min} and ${max}.`, key, "invalid_value")
  }
  return value
}

const optionalInt = (body: Readonly<Record<string, unknown>>, key: string, min: number): number | undefined => {
  const value = optionalNumber(body, key, min, Number.MAX_SAFE_INTEGER)
  if (value !== undefined && !Number.isInteger(value)) return reject(`'${key}' must be an integer.`, key, "invalid_value")
  return value
}

/** `provider` names the upstream in messages ("… is not supported by the anthropic upstream"). */
export const normalize = (body: Readonly<Record<string, unknown>>, provider: string): NormalizedRequest => {
  for (const key of Object.keys(body)) {
    if (!HANDLED.has(key) && !IGNORED.has(key) && present(body[key])) {
      reject(`Unsupported parameter '${key}': the ${provider} upstream cannot express it.`, key, "unsupported_parameter")
    }
  }
  const unsupportedIf = (key: string, when: (value: unknown) => boolean, why: string) => {
    const value = body[key]
    if (present(value) && when(value)) reject(`'${key}' is not supported by the ${provider} upstream: ${why}`, key, "unsupported_parameter")
  }
  unsupportedIf("logprobs", (v) => v !== false, "it returns no log probabilities.")
  unsupportedIf("top_logprobs", (v) => v !== 0, "it returns no log probabilities.")
  unsupportedIf("logit_bias", (v) => !isRecord(v) || Object.keys(v).length > 0, "it has no logit bias.")
  unsupportedIf("modalities", (v) => !Array.isArray(v) || v.some((m) => m !== "text"), "it only produces text.")
  unsupportedIf("audio", () => true, "it produces no audio output.")
  unsupportedIf("web_search_options", () => true, "use a function tool instead.")
  unsupportedIf("functions", () => true, "the legacy 'functions' field is not translated; use 'tools'.")
  unsupportedIf("function_call", () => true, "the legacy 'function_call' field is not translated; use 'tool_choice'.")

  const streamOptions = body["stream_options"]
  const max = optionalInt(body, "max_completion_tokens", 1) ?? optionalInt(body, "max_tokens", 1)
  const history = normalizeHistory(normalizeMessages(body["messages"]))
  return {
    messages: history.messages,
    notes: history.notes,
    reasoning: reasoningAsk(body),
    tools: normalizeTools(body["tools"]),
    toolChoice: normalizeToolChoice(body["tool_choice"]),
    parallelToolCalls: optionalBoolean(body, "parallel_tool_calls"),
    maxTokens: max,
    temperature: optionalNumber(body, "temperature", 0, 2),
    topP: optionalNumber(body, "top_p", 0, 1),
    topK: optionalInt(body, "top_k", 1),
    stop: normalizeStop(body["stop"]),
    n: optionalInt(body, "n", 1) ?? 1,
    seed: optionalInt(body, "seed", Number.MIN_SAFE_INTEGER),
    presencePenalty: optionalNumber(body, "presence_penalty", -2, 2),
    frequencyPenalty: optionalNumber(body, "frequency_penalty", -2, 2),
    responseFormat: normalizeResponseFormat(body["response_format"]),
    user: typeof body["user"] === "string" && body["user"] !== "" ? body["user"] : undefined,
    stream: body["stream"] === true,
    includeUsage: isRecord(streamOptions) && streamOptions["include_usage"] === true
  }
}

const optionalBoolean = (body: Readonly<Record<string, unknown>>, key: string): boolean | undefined => {
  const value = body[key]
  if (!present(value)) return undefined
  if (typeof value !== "boolean") return reject(`'${key}' must be a boolean.`, key, "invalid_value")
  return value
}

const normalizeStop = (stop: unknown): ReadonlyArray<string> => {
  if (!present(stop)) return []
  const list = typeof stop === "string" ? [stop] : stop
  if (!Array.isArray(list) || list.some((s) => typeof s !== "string")) {
    return reject("'stop' must be a string or an array of strings.", "stop", "invalid_value")
  }
  return list.filter((s: string) => s !== "")
}

const normalizeResponseFormat = (format: unknown): ResponseFormat | undefined => {
  if (!present(format)) return undefined
  if (!isRecord(format)) return reject("'response_format' must be an object.", "response_format", "invalid_value")
  if (format["type"] === "text") return undefined
  if (format["type"] === "json_object") return { type: "json_object" }
  if (format["type"] === "json_schema") {
    const spec = format["json_schema"]
    if (!isRecord(spec) || typeof spec["name"] !== "string") {
      return reject("'response_format.json_schema.name' is required.", "response_format.json_schema", "invalid_value")
    }
    const schema = spec["schema"]
    return { type: "json_schema", name: spec["name"], schema: isRecord(schema) ? schema : undefined }
  }
  return reject(`Unknown response_format type '${String(format["type"])}'.`, "response_format.type", "invalid_value")
}

const normalizeTools = (tools: unknown): ReadonlyArray<ToolSpec> => {
  if (!present(tools)) return []
  if (!Array.isArray(tools)) return reject("'tools' must be an array.", "tools", "invalid_value")
  return tools.map((tool: unknown, i): ToolSpec => {
    const param = `tools[${i}]`
    if (!isRecord(tool) || tool["type"] !== "function" || !isRecord(tool["function"])) {
      return reject(`Only function tools can be translated (${param}).`, `${param}.type`, "unsupported_value")
    }
    const fn = tool["function"]
    const name = fn["name"]
    if (typeof name !== "string" || name === "") return reject("A function tool needs a name.", `${param}.function.name`, "invalid_value")
    const parameters = fn["parameters"]
    if (present(parameters) && !isRecord(parameters)) {
      return reject("'parameters' must be a JSON Schema object.", `${param}.function.parameters`, "invalid_value")
    }
    return {
      name,
      description: typeof fn["description"] === "string" ? fn["description"] : undefined,
      parameters: isRecord(parameters) ? parameters : undefined
    }
  })
}

const normalizeToolChoice = (choice: unknown): ToolChoice | undefined => {
  if (!present(choice)) return undefined
  if (choice === "auto" || choice === "none" || choice === "required") return choice
  if (isRecord(choice) && choice["type"] === "function" && isRecord(choice["function"])) {
    const name = choice["function"]["name"]
    if (typeof name === "string" && name !== "") return { name }
  }
  return reject(
    "'tool_choice' must be 'auto', 'none', 'required' or {type:'function', function:{name}}.",
    "tool_choice",
    "unsupported_value"
  )
}

const normalizeMessages = (messages: unknown): ReadonlyArray<Message> => {
  if (!Array.isArray(messages) || messages.length === 0) {
    return reject("'messages' must be a non-empty array.", "messages", "invalid_value")
  }
  return messages.map((message: unknown, i): Message => {
    const param = `messages[${i}]`
    if (!isRecord(message)) return reject(`${param} must be an object.`, param, "invalid_value")
    const role = message["role"]
    const content = message["content"]
    switch (role) {
      case "system":
      case "developer":
        return { role: "system", parts: textOnly(content, `${param}.content`) }
      case "user":
        return { role: "user", parts: parseContentParts(content, `${param}.content`) }
      case "assistant": {
        if (present(message["function_call"])) {
          reject("The legacy 'function_call' is not translated; use 'tool_calls'.", `${param}.function_call`, "unsupported_parameter")
        }
        return {
          role: "assistant",
          parts: present(content) ? textOnly(content, `${param}.content`, true) : [],
          toolCalls: normalizeToolCalls(message["tool_calls"], `${param}.tool_calls`)
        }
      }
      case "tool": {
        const id = message["tool_call_id"]
        if (typeof id !== "string" || id === "") {
          return reject("A tool message needs 'tool_call_id'.", `${param}.tool_call_id`, "invalid_value")
        }
        return { role: "tool", toolCallId: id, parts: present(content) ? textOnly(content, `${param}.content`) : [], param }
      }
      default:
        return reject(`Unsupported message role '${String(role)}'.`, `${param}.role`, "unsupported_value")
    }
  })
}

const normalizeToolCalls = (calls: unknown, param: string): ReadonlyArray<ToolCall> => {
  if (!present(calls)) return []
  if (!Array.isArray(calls)) return reject("'tool_calls' must be an array.", param, "invalid_value")
  return calls.map((call: unknown, j): ToolCall => {
    const at = `${param}[${j}]`
    if (!isRecord(call) || !isRecord(call["function"]) || typeof call["id"] !== "string") {
      return reject("A tool call needs 'id' and 'function'.", at, "invalid_value")
    }
    const fn = call["function"]
    if (typeof fn["name"] !== "string" || fn["name"] === "") return reject("A tool call needs a function name.", `${at}.function.name`, "invalid_value")
    return { id: call["id"], name: fn["name"], arguments: parseArguments(fn["arguments"], `${at}.function.arguments`) }
  })
}

const parseArguments = (raw: unknown, param: string): Readonly<Record<string, unknown>> => {
  if (!present(raw) || (typeof raw === "string" && raw.trim() === "")) return {}
  if (typeof raw !== "string") return reject("Tool call arguments must be a JSON string.", param, "invalid_value")
  let parsed: unknown
  try {
    parsed = JSON.parse(raw)
  } catch {
    return reject("Tool call arguments are not valid JSON: the upstream needs them as an object.", param, "invalid_value")
  }
  if (!isRecord(parsed)) return reject("Tool call arguments must be a JSON object.", param, "invalid_value")
  return parsed
}

/** Runs a translation, turning a thrown `InvalidRequest` into a value. */
export const catchInvalid = <A>(build: () => A): { readonly ok: true; readonly value: A } | { readonly ok: false; readonly error: InvalidRequest } => {
  try {
    return { ok: true, value: build() }
  } catch (error) {
    if (error instanceof InvalidRequest) return { ok: false, error }
    throw error
  }
}
