/**
 * `llmrouter account list | generate [--name N] | use <name|id>`: the Ed25519 accounts that sign
 * scoped keys. Prints ids, names and public keys — never a private key.
 */
import { Effect, Layer } from "effect"
import { homedir } from "node:os"
import * as Accounts from "../Accounts.js"
import { Config } from "../Config.js"
import { loadConfig } from "../config/load.js"
import { parse, UsageError } from "./args.js"
import { runCli } from "./run.js"

/** Runs `f` with the `Accounts` service of the configured data dir. */
export const withAccounts = <A, E extends { readonly _tag: string; readonly message: string }>(
  configPath: string | undefined,
  f: (accounts: Accounts.AccountsService) => Effect.Effect<A, E>
) =>
  runCli(Effect.gen(function*() {
    const loaded = yield* loadConfig({ configPath, env: process.env, homeDir: homedir() })
    yield* Effect.flatMap(Accounts.Accounts, f).pipe(
      Effect.provide(Accounts.standaloneLayer.pipe(Layer.provide(Layer.succeed(Config, loaded)))),
      Effect.scoped
    )
  }))

const line = (a: Accounts.AccountInfo) => `${a.active ? "*" : " "} ${a.name.padEnd(20)} ${a.id}  created ${a.createdAt}  public key ${a.publicKey}`

export const account = (argv: ReadonlyArray<string>) => {
  const { values, positionals } = parse(argv, { config: { type: "string" }, name: { type: "string" }, json: { type: "boolean" } })
  const [sub, ref] = positionals
  const print = (value: unknown, text: string) => Effect.sync(() => console.log(values.json === true ? JSON.stringify(value, null, 2) : text))
  switch (sub ?? "list") {
    case "list":
      return withAccounts(values.config, (a) =>
        Effect.flatMap(a.listAccounts, (list) =>
          print(list, list.length === 0 ? "no accounts yet: run `llmrouter account generate`" : list.map(line).join("\n"))))
    case "generate":
      return withAccounts(values.config, (a) =>
        Effect.flatMap(a.generateAccount({ name: values.name }), (created) =>
          print(created, `created account ${created.name} (${created.id})${created.active ? ", now active" : ""}\npublic key ${created.publicKey}`)))
    case "use":
      if (ref === undefined) throw new UsageError("account use: which account? (name or id)")
      return withAccounts(values.config, (a) =>
        Effect.flatMap(a.useAccount(ref), (used) => print(used, `active account: ${used.name} (${used.id})`)))
    default:
      throw new UsageError(`account: unknown subcommand "${sub}" (list, generate, use)`)
  }
}
