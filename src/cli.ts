/** The `llmrouter` command. */
import { account } from "./cli/account.js"
import { UsageError } from "./cli/args.js"
import { classify } from "./cli/classify.js"
import { serve } from "./cli/serve.js"
import { keygen, keys } from "./cli/keys.js"
import { spend } from "./cli/spend.js"
import { status } from "./cli/status.js"
import { wallet } from "./cli/wallet.js"

const USAGE = `usage: llmrouter <command> [flags]

commands:
  serve [--config PATH] [--host HOST] [--port PORT] [--log-format text|json]
                                                       start the router (default 127.0.0.1:8787)
  classify "TEXT" [--config PATH]                      how a prompt would be routed (decision + chain)
  classify --jsonl                                     {"text": ...} lines on stdin → one decision per line
  wallet [--config PATH] [--json]                      the x402 wallet: address, balance, how to fund it
  spend [--config PATH] [--json]                       x402 spend per upstream (last 24 h and total)
  status [--url URL] [--config PATH] [--json] [--last N]  a running router: health, routes, last decisions, today's tokens and spend
  account list | generate [--name N] | use <name|id>   Ed25519 accounts that sign scoped keys
  keygen (--models a,b | --all) [--admin] [--expires 30d] [--budget-usd 5] [--budget-tokens N] [--rpm N] [--name N]
                                                       mint a scoped key (printed once)
  keys list | show <jti|name> | revoke <jti|name>      scoped keys, their usage; revoke (takes effect at once)
  help                                                 this text`

const [command, ...rest] = process.argv.slice(2)

try {
  switch (command) {
    case "serve":
      serve(rest)
      break
    case "classify":
      void classify(rest).catch(usageOrThrow)
      break
    case "wallet":
      void wallet(rest)
      break
    case "spend":
      void spend(rest)
      break
    case "status":
      void status(rest)
      break
    case "account":
      void account(rest)
      break
    case "keygen":
      void keygen(rest)
      break
    case "keys":
      void keys(rest)
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
  usageOrThrow(error)
}

function usageOrThrow(error: unknown) {
  if (!(error instanceof UsageError)) throw error
  console.error(`llmrouter: ${error.message}\n\n${USAGE}`)
  process.exitCode = 2
}
