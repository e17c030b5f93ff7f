/**
 * `llmrouter classify "text"`: the classifier's decision and the chain it would route to (with
 * why any candidate would be skipped). `--jsonl`: `{"text": …}` lines on stdin → one decision per
 * line on stdout (for evaluating the classifier from outside).
 */
import { Effect } from "effect"
import { homedir } from "node:os"
import { createInterface } from "node:readline"
import { classifyRequest, classifyText } from "../Classifier.js"
import { Config } from "../Config.js"
import { loadConfig } from "../config/load.js"
import type { Category } from "../config/schema.js"
import { ProviderPool, make as makePool } from "../ProviderPool.js"
import { parse, UsageError } from "./args.js"

export const classify = async (argv: ReadonlyArray<string>) => {
  const { positionals, values } = parse(argv, { jsonl: { type: "boolean" }, config: { type: "string" } })
  if (values.jsonl === true) return classifyLines()
  const text = positionals.join(" ")
  if (text.trim() === "") throw new UsageError(`classify needs a text: llmrouter classify "some prompt"`)
  const decision = classifyRequest({ messages: [{ role: "user", content: text }] })
  const chain = await Effect.runPromise(routeFor(decision.category, values.config).pipe(Effect.either))
  console.log(JSON.stringify({
    ...decision,
    ...(chain._tag === "Right" ? { route: chain.right } : { route: null, routeError: chain.left.message })
  }, null, 2))
}

const routeFor = (category: Category, configPath: string | undefined) =>
  Effect.gen(function*() {
    const pool = yield* ProviderPool
    return pool.categoryRoute(category, `llmrouter/${category}`).candidates.map((candidate) =>
      candidate._tag === "Ready" ? { endpoint: candidate.endpoint.id } : { endpoint: candidate.id, skipped: candidate.reason }
    )
  }).pipe(
    Effect.provideServiceEffect(ProviderPool, makePool),
    Effect.provideServiceEffect(Config, loadConfig({ configPath, env: process.env, homeDir: homedir() }))
  )

/** One JSON decision per input line; a line that is not `{"text": string}` gets an `error` line. */
const classifyLines = async () => {
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity })
  for await (const line of lines) {
    if (line.trim() === "") continue
    let text: unknown
    try {
      text = (JSON.parse(line) as { text?: unknown }).text
    } catch {
      text = undefined
    }
    process.stdout.write(
      typeof text === "string"
        ? `${JSON.stringify(classifyText(text))}\n`
        : `${JSON.stringify({ error: 'expected a JSON line {"text": "..."}' })}\n`
    )
  }
}
