/**
 * llmrouter's public entry. Everything an Effect program needs to embed the router: the services
 * and their layers, a layer that builds the whole router from a config value, the HTTP app to mount
 * on your own server, and the tagged errors.
 */
export { Config, layer as configLayer, layerFromValue as configFromValue } from "./Config.js"
export type { ConfigSources, FromValueOptions, LoadedConfig } from "./Config.js"
export { decodeConfig, loadConfig } from "./config/load.js"
export { ConfigError } from "./config/errors.js"
export type { Category, EndpointSpec, ProviderKind, RouterConfig, RouterConfigInput } from "./config/schema.js"

export { ProviderPool, layer as providerPoolLayer } from "./ProviderPool.js"
export type { ProviderPoolService, Route, RouteTarget } from "./ProviderPool.js"
export { Router, layer as routerLayer } from "./Router.js"
export { Metrics, layer as metricsLayer } from "./Metrics.js"
export type { Decision as RoutingDecision, MetricsService, MetricsSnapshot, RequestRecord } from "./Metrics.js"
export type { Stats } from "./http/stats.js"
export { Classifier, classifyRequest, classifyText, classifyText as classify, layer as classifierLayer } from "./Classifier.js"
export type { Decision as ClassifierDecision } from "./Classifier.js"
export type { RouterService } from "./Router.js"
export type { Answer, RouterError, RouterResponse } from "./routing/response.js"
export { Server, layer as serverLayer } from "./Server.js"
export {
  AccountError,
  Accounts,
  KeyRejected,
  standaloneLayer as accountsLayer
} from "./Accounts.js"
export { requireKeysFor } from "./accounts/requireKeys.js"
export type { AccountInfo, AccountsService, KeyPrincipal, KeyView, MintOptions } from "./Accounts.js"
export { parseDuration, parseModels, parseUsd } from "./accounts/claims.js"
export type { ServerInfo } from "./Server.js"
export { UpstreamClient, layer as upstreamClientLayer } from "./transport/UpstreamClient.js"
export { Wallet, WalletError, layer as walletLayer } from "./Wallet.js"
export type { WalletInfo, WalletService } from "./Wallet.js"
export { Payments, PaymentDeclined, layer as paymentsLayer } from "./Payments.js"
export type { AuthorizedPayment, PaymentContext, PaymentsService, SpendReport } from "./Payments.js"

export { fromConfig, fromLoaded, fromSources, RouterLive, routerFromConfig, ServerLive } from "./layers.js"
export { makeHttpApp } from "./http/routes.js"
export { parseChatRequest } from "./http/chatRequest.js"
export { answerStream } from "./routing/answerStream.js"

export type { Adapter, ChatRequest, ResolvedEndpoint, StreamTranslator, UpstreamRequest } from "./providers/Adapter.js"

export * from "./errors/request.js"
export * from "./errors/routing.js"
export * from "./errors/upstream.js"
export * from "./errors/payment.js"
