/**
 * The `llmrouter` command. Each command's module is imported only when that command runs, so
 * `--help` loads nothing and `classify` never loads the HTTP stack, viem or SQLite.
 */
import { UsageError } from "./cli/args.js"
import { holdYoungGeneration } from "./cli/startupHeap.js"

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

type Command = (argv: ReadonlyArray<string>) => unknown

const COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {
  serve: () => {
    holdYoungGeneration() // released once listening (cli/startupHeap.ts)
    return import("./cli/serve.js").then((m) => m.serve)
  },
  classify: () => import("./cli/classify.js").then((m) => m.classify),
  wallet: () => import("./cli/wallet.js").then((m) => m.wallet),
  spend: () => import("./cli/spend.js").then((m) => m.spend),
  status: () => import("./cli/status.js").then((m) => m.status),
  account: () => import("./cli/account.js").then((m) => m.account),
  keygen: () => import("./cli/keys.js").then((m) => m.keygen),
  keys: () => import("./cli/keys.js").then((m) => m.keys)
}

const HELP = new Set([undefined, "help", "--help", "-h"])

const usageOrThrow = (error: unknown) => {
  if (!(error instanceof UsageError)) throw error
  console.error(`llmrouter: ${error.message}\n\n${USAGE}`)
  process.exitCode = 2
}

const [command, ...rest] = process.argv.slice(2)

if (HELP.has(command)) {
  console.log(USAGE)
} else {
  const load = command === undefined || !Object.hasOwn(COMMANDS, command) ? undefined : COMMANDS[command]
  // A command may fail synchronously (bad flags) or in its promise; both get the usage text.
  await (load === undefined
    ? Promise.reject(new UsageError(`unknown command "${command}"`))
    : load().then((run) => run(rest))
  ).catch(usageOrThrow)
}
