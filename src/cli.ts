/** The `llmrouter` command. */
import { UsageError } from "./cli/args.js"
import { serve } from "./cli/serve.js"

const USAGE = `usage: llmrouter <command> [flags]

commands:
  serve [--config PATH] [--host HOST] [--port PORT]   start the router (default 127.0.0.1:8787)
  help                                                 this text`

const [command, ...rest] = process.argv.slice(2)

try {
  switch (command) {
    case "serve":
      serve(rest)
      break
    case undefined:
    case "help":
    case "--help":
    case "-h":
      console.log(USAGE)
      break
    default:
      throw new UsageError(`unknown command "${command}"`)
  }
} catch (error) {
  if (!(error instanceof UsageError)) throw error
  console.error(`llmrouter: ${error.message}\n\n${USAGE}`)
  process.exitCode = 2
}
