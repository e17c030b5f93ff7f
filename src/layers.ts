/**
 * The one place where layers are composed. `RouterLive` is the router without HTTP (call
 * `Router.handle` directly); `ServerLive` adds the HTTP server.
 */
import { Layer } from "effect"
import * as Accounts from "./Accounts.js"
import { attributePayments } from "./accounts/payments.js"
import * as Classifier from "./Classifier.js"
import * as Config from "./Config.js"
import * as Conversations from "./Conversations.js"
import * as ActiveChecks from "./health/activeChecks.js"
import * as Health from "./Health.js"
import * as ResponseStore from "./ingress/responses/ResponseStore.js"
import * as Logging from "./logging.js"
import * as Metrics from "./Metrics.js"
import * as Payments from "./Payments.js"
import type { ConfigSources, LoadedConfig } from "./config/load.js"
import type { RouterConfigInput } from "./config/schema.js"
import * as ProviderPool from "./ProviderPool.js"
import * as Router from "./Router.js"
import * as Secrets from "./Secrets.js"
import * as Server from "./Server.js"
import * as Store from "./Store.js"
import * as UpstreamClient from "./transport/UpstreamClient.js"
import * as Wallet from "./Wallet.js"

/**
 * Router, ProviderPool, Health (with its active checks), Classifier and the upstream client, given
 * a `Config`.
 */
export const RouterLive = Layer.mergeAll(Router.layer, ActiveChecks.layer).pipe(
  Layer.provideMerge(Layer.mergeAll(ProviderPool.layer, UpstreamClient.layer, Health.layer, Classifier.layer, Conversations.layer, Metrics.layer)),
  // x402 payments are also attributed to the scoped key whose request made them (Accounts).
  Layer.provideMerge(attributePayments.pipe(Layer.provide(Payments.layer), Layer.provideMerge(Wallet.layer))),
  // The durable state (ledger, keys): SQLite files or one Postgres shared by several routers.
  Layer.provideMerge(Store.layer),
  // Under everything: every fiber (requests, stream ends, health checks) logs with the configured format and level.
  Layer.provide(Logging.fromConfig),
  // The one redactor: error responses, SSE error events, health, reports and logs hide every configured secret.
  Layer.provideMerge(Secrets.layer)
)

/** The HTTP server on top of `RouterLive`, given a `Config`. */
export const ServerLive = Server.layer.pipe(
  Layer.provideMerge(Layer.merge(Accounts.serverLayer, ResponseStore.layer)),
  Layer.provideMerge(RouterLive)
)

/** Everything, from files and env. */
export const fromSources = (sources: ConfigSources) => ServerLive.pipe(Layer.provideMerge(Config.layer(sources)))

/** Everything, from an already loaded configuration (what `llmrouter serve` runs). */
export const fromLoaded = (loaded: LoadedConfig) => ServerLive.pipe(Layer.provideMerge(Layer.succeed(Config.Config, loaded)))

/** Everything, from a config value in code (embedding). `env` is where provider keys are read. */
export const fromConfig = (input: RouterConfigInput, options?: Config.FromValueOptions) =>
  ServerLive.pipe(Layer.provideMerge(Config.layerFromValue(input, options)))

/** The router without HTTP, from a config value. */
export const routerFromConfig = (input: RouterConfigInput, options?: Config.FromValueOptions) =>
  RouterLive.pipe(Layer.provideMerge(Config.layerFromValue(input, options)))
