/**
 * The `ProviderPool` service: which providers exist and are routable, and which candidate chain a
 * model name stands for (virtual model, category, or direct `provider:model_id`). Config mistakes
 * that would only show up at request time (a virtual model naming an unknown provider) fail here,
 * at start.
 */
import { Context, Effect, Either, Layer } from "effect"
import { Config } from "./Config.js"
import { ConfigError } from "./config/errors.js"
import type { Category, EndpointSpec, Strategy } from "./config/schema.js"
import type { ResolvedEndpoint } from "./providers/Adapter.js"
import { ModelNotFound } from "./errors/request.js"
import { type Candidate, type ProviderStatus, resolveEndpoint, resolveProviders } from "./providers/resolve.js"
import { categoryChain } from "./providers/categories.js"
import { CATEGORIES, logicalModelName, parseLogicalModel } from "./providers/logicalModels.js"

export interface Route {
  /** The name the client used. */
  readonly model: string
  readonly strategy: Strategy
  readonly candidates: ReadonlyArray<Candidate>
  readonly category?: Category
}

/** What a model name resolves to: a fixed chain, or "classify first" for `auto`. */
export type RouteTarget = { readonly _tag: "Route"; readonly route: Route } | { readonly _tag: "Auto" }

export interface ProviderPoolService {
  readonly providers: ReadonlyArray<Omit<ProviderStatus, "apiKey" | "headers" | "keyMissing">>
  readonly resolve: (model: string) => Either.Either<RouteTarget, ModelNotFound>
  readonly categoryRoute: (category: Category, model: string) => Route
  /** Names a client can ask for (logical and virtual models), for `/v1/models` and errors. */
  readonly modelNames: ReadonlyArray<string>
  /** Per routable provider that routes use: its endpoints in those routes (for active health checks). */
  readonly healthTargets: ReadonlyArray<{ readonly provider: string; readonly probe: ResolvedEndpoint; readonly endpoints: ReadonlyArray<string> }>
}

export class ProviderPool extends Context.Tag("llmrouter/ProviderPool")<ProviderPool, ProviderPoolService>() {}

export const make = Effect.gen(function*() {
  const { config, env } = yield* Config
  const { problems, providers } = resolveProviders(config, env)
  const unknown = [
    ...Object.entries(config.models).flatMap(([name, model]) =>
      unknownProviders(model.endpoints, `models.${name}.endpoints`, providers)
    ),
    ...CATEGORIES.flatMap((category) =>
      unknownProviders(config.categories[category] ?? [], `categories.${category}`, providers)
    )
  ]
  if (problems.length + unknown.length > 0) {
    return yield* new ConfigError({ message: `Invalid configuration:\n  ${[...problems, ...unknown].join("\n  ")}` })
  }
  const toCandidates = (specs: ReadonlyArray<EndpointSpec>, category?: Category) =>
    specs.map((spec) => resolveEndpoint(spec, providers, config, env, category))
  const virtual = new Map(
    Object.entries(config.models).map(([name, model]) => [name, {
      strategy: model.strategy,
      candidates: toCandidates(model.endpoints)
    }])
  )
  const categoryRoutes = new Map(
    CATEGORIES.map((category) => [category, toCandidates(categoryChain(category, config, providers), category)])
  )
  const modelNames = [
    ...(["auto", ...CATEGORIES] as const).map(logicalModelName),
    ...virtual.keys()
  ]

  const categoryRoute = (category: Category, model: string): Route => ({
    model,
    strategy: "priority",
    candidates: categoryRoutes.get(category) ?? [],
    category
  })

  const resolve = (model: string): Either.Either<RouteTarget, ModelNotFound> => {
    const found = virtual.get(model)
    if (found !== undefined) return Either.right({ _tag: "Route", route: { model, ...found } })
    const logical = parseLogicalModel(model)
    if (logical === "auto") return Either.right({ _tag: "Auto" })
    if (logical !== undefined) return Either.right({ _tag: "Route", route: categoryRoute(logical, model) })
    const colon = model.indexOf(":")
    if (colon > 0 && colon < model.length - 1 && providers.has(model.slice(0, colon))) {
      const spec = { provider: model.slice(0, colon), modelId: model.slice(colon + 1) }
      return Either.right({ _tag: "Route", route: { model, strategy: "priority", candidates: toCandidates([spec]) } })
    }
    return Either.left(new ModelNotFound({ model, available: modelNames }))
  }

  const routed = [...virtual.values()].flatMap((v) => v.candidates).concat([...categoryRoutes.values()].flat())
  const healthTargets = [...providers.values()].filter((p) => p.routable).flatMap((provider) => {
    const ids = [...new Set(routed.flatMap((c) => (c._tag === "Ready" && c.endpoint.provider === provider.name ? [c.endpoint.id] : [])))]
    // Only providers some route uses: no background traffic to a provider nothing routes to.
    if (ids.length === 0) return []
    const probe = resolveEndpoint({ provider: provider.name, modelId: "health-check" }, providers, config, env)
    return probe._tag === "Ready" ? [{ provider: provider.name, probe: probe.endpoint, endpoints: ids }] : []
  })

  return ProviderPool.of({
    healthTargets,
    providers: [...providers.values()].map(({ apiKey: _key, headers: _headers, keyMissing: _missing, ...status }) => status),
    resolve,
    categoryRoute,
    modelNames
  })
})

const unknownProviders = (
  endpoints: ReadonlyArray<EndpointSpec>,
  where: string,
  providers: ReadonlyMap<string, ProviderStatus>
) =>
  endpoints.flatMap((endpoint, index) =>
    providers.has(endpoint.provider)
      ? []
      : [`${where}.${index}.provider: unknown provider "${endpoint.provider}" (known: ${[...providers.keys()].join(", ")})`]
  )

export const layer = Layer.effect(ProviderPool, make)
