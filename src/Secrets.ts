/**
 * The `Secrets` service: the one `Redactor` of a running router, fed from the configuration (and
 * the wallet key once the `Wallet` loads it). Applied where text leaves the process: HTTP error
 * responses (`http/errorResponse.ts`), SSE error events (`Router`), `Health` (and with it
 * `/health`, `/stats`, `/metrics`, the status page) and every log line (`logging.ts`).
 */
import { Context, Effect, Layer } from "effect"
import { Config } from "./Config.js"
import { Redactor } from "./redaction/redactor.js"
import { configuredSecrets } from "./redaction/secrets.js"

export { Redactor } from "./redaction/redactor.js"

export class Secrets extends Context.Tag("llmrouter/Secrets")<Secrets, Redactor>() {}

export const make = Effect.map(Config, (loaded) => new Redactor(configuredSecrets(loaded)))

export const layer = Layer.effect(Secrets, make)
