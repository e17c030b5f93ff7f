import { ParseResult, Schema } from "effect"

/** The configuration could not be read or is invalid. `message` is meant for a human, as is. */
export class ConfigError extends Schema.TaggedError<ConfigError>()("ConfigError", {
  message: Schema.String
}) {}

/**
 * One line per problem, `path.to.field: expected X, got Y`, so a user can fix the file without
 * reading a stack trace or a schema dump. Union members' complaints about the same field are
 * merged (`expected "a" | "b", got "c"`), and a field's parent is not blamed too.
 */
export const formatParseError = (source: string, error: ParseResult.ParseError): ConfigError => {
  const byPath = new Map<string, Array<string>>()
  for (const issue of ParseResult.ArrayFormatter.formatErrorSync(error)) {
    const path = issue.path.map(String).join(".")
    const messages = byPath.get(path) ?? []
    messages.push(issue.message)
    byPath.set(path, messages)
  }
  const paths = [...byPath.keys()]
  const lines = paths
    .filter((path) => !paths.some((other) => other !== path && other.startsWith(path === "" ? "" : `${path}.`)))
    .map((path) => `${path === "" ? "(root)" : path}: ${mergeMessages(byPath.get(path) ?? [])}`)
  return new ConfigError({ message: `Invalid configuration in ${source}:\n  ${lines.join("\n  ")}` })
}

const expectation = /^Expected (.*), actual (.*)$/s

const mergeMessages = (messages: ReadonlyArray<string>): string => {
  const expected: Array<string> = []
  let actual: string | undefined
  const other: Array<string> = []
  for (const message of messages) {
    const match = expectation.exec(message)
    if (match === null) other.push(message === "is missing" ? "is required" : message)
    else if (match[1] !== "undefined") {
      expected.push(match[1] ?? "")
      actual = match[2]
    }
  }
  if (expected.length > 0) other.unshift(`expected ${expected.join(" | ")}, got ${actual ?? "?"}`)
  return other.join("; ")
}
