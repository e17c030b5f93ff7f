/**
 * A client's JSON body, for any API the router speaks (chat completions, messages, responses):
 * the bytes parsed once into an object, and its nesting depth bounded. JSON nested thousands of
 * levels deep parses fine but overflows the stack of every recursive consumer later
 * (`JSON.stringify` in the translating adapters, schema walkers): it is refused here, with a 400
 * naming the field, in the same cheap pass (a walk over containers only; strings are leaves).
 */
import { Either } from "effect"
import { InvalidRequest } from "../errors/request.js"

/** Arrays and objects inside each other, the body itself being level 1. Real tool schemas stay far below. */
export const MAX_JSON_DEPTH = 64

export interface JsonBody {
  readonly body: Record<string, unknown>
  /** The body as the client sent it (the bytes as read, not a decoded copy), to forward as-is where nothing is translated. */
  readonly raw: Uint8Array | string
}

/** The bytes as a `Buffer`, without copying them. */
export const asBuffer = (bytes: ArrayBuffer | Uint8Array): Buffer =>
  Buffer.isBuffer(bytes) ? bytes : bytes instanceof ArrayBuffer ? Buffer.from(bytes) : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)

/** The bytes as text, without copying them. */
export const bodyText = (bytes: ArrayBuffer | Uint8Array | string): string => (typeof bytes === "string" ? bytes : asBuffer(bytes).toString("utf8"))

/** A JSON object body, parsed once; malformed JSON, a non-object or too deep a nesting → `InvalidRequest`. */
export const parseJsonObject = (bytes: ArrayBuffer | Uint8Array | string): Either.Either<JsonBody, InvalidRequest> => {
  const raw = bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : bytes
  let body: unknown
  try {
    body = JSON.parse(bodyText(raw))
  } catch (error) {
    return Either.left(new InvalidRequest({
      message: `We could not parse the JSON body of your request: ${(error as Error).message}`,
      code: "invalid_json"
    }))
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return Either.left(new InvalidRequest({ message: "The request body must be a JSON object.", code: "invalid_json" }))
  }
  const deep = tooDeep(body)
  return deep === undefined ? Either.right({ body: body as Record<string, unknown>, raw }) : Either.left(deep)
}

/** A 400 naming where the nesting exceeds `limit` levels, or `undefined` when it does not. */
export const tooDeep = (value: unknown, limit = MAX_JSON_DEPTH): InvalidRequest | undefined => {
  const path = deepPath(value, limit)
  if (path === undefined) return undefined
  const param = fieldName(path.slice(0, NAMED_SEGMENTS))
  return new InvalidRequest({
    message: `Invalid request: '${param || "body"}' is nested too deeply (more than ${limit} levels of arrays and objects).`,
    code: "nesting_too_deep",
    ...(param === "" ? {} : { param })
  })
}

/** How much of the path the error names: `tools[0].function.parameters`, `messages[2].content[0]`. */
const NAMED_SEGMENTS = 4

/**
 * The path to the first container at depth `limit + 1`, or `undefined`. Recursion is bounded by
 * `limit`, so the walk itself cannot overflow; only containers are visited.
 */
const deepPath = (value: unknown, limit: number): Array<string | number> | undefined => {
  const path: Array<string | number> = []
  const visit = (node: object, depth: number): boolean => {
    if (depth > limit) return true
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const child: unknown = node[i]
        if (typeof child === "object" && child !== null) {
          path.push(i)
          if (visit(child, depth + 1)) return true
          path.pop()
        }
      }
      return false
    }
    for (const key in node) {
      const child: unknown = (node as Record<string, unknown>)[key]
      if (typeof child === "object" && child !== null) {
        path.push(key)
        if (visit(child, depth + 1)) return true
        path.pop()
      }
    }
    return false
  }
  return typeof value === "object" && value !== null && visit(value, 1) ? path : undefined
}

/** `["messages", 0, "role"]` → `messages[0].role`, the way OpenAI names params. */
export const fieldName = (path: ReadonlyArray<PropertyKey>): string =>
  path.reduce<string>(
    (acc, key) => (typeof key === "number" ? `${acc}[${key}]` : acc === "" ? String(key) : `${acc}.${String(key)}`),
    ""
  )
