/** Runs a one-shot command: an expected failure (`ConfigError`, `WalletError`, …) is printed as is, with exit code 1. */
import { Effect } from "effect"

export const runCli = <E extends { readonly _tag: string; readonly message: string }>(program: Effect.Effect<void, E>) =>
  Effect.runPromise(program.pipe(
    Effect.catchAll((error) =>
      Effect.sync(() => {
        console.error(`llmrouter: ${error.message}`)
        process.exitCode = 1
      })
    )
  ))
