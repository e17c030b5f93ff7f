/**
 * `before_model_resolve`: decides, before OpenClaw resolves the model of a turn, whether llmrouter
 * should serve it. `llmrouter/auto` is classified here, in process, from the clean user prompt
 * (`event.prompt`, no message layout to parse) and becomes `llmrouter/<category>`; models with a
 * configured route (all models with `interceptAllModels`) are redirected to the router. While the
 * router is unhealthy the hook returns nothing, so OpenClaw's own providers keep working.
 */
import type { ClassifierDecision } from "../src/index.js"
import { loadClassifier } from "./lib.js"
import { PROVIDER_ID } from "./provider.js"
import { type AutoPolicy, processState } from "./runtime.js"
import type { ModelResolveEvent, ModelResolveHandler, ModelResolveResult } from "./sdk.js"
import type { PluginSettings } from "./settings.js"
import { routerStatus, type RouterStatus } from "./status.js"

const DEFAULT_POLICY: AutoPolicy = { minConfidence: 0.35, fallbackCategory: "coding" }

/** The router's `auto` policy: from the running router, else the plugin config, else defaults. */
export const autoPolicy = (settings: Pick<PluginSettings, "router">): AutoPolicy => {
  const running = processState().running
  if (running !== undefined) return running.auto
  const configured = settings.router.auto
  return {
    minConfidence: configured?.minConfidence ?? DEFAULT_POLICY.minConfidence,
    fallbackCategory: configured?.fallbackCategory ?? DEFAULT_POLICY.fallbackCategory
  }
}

/**
 * The category for a turn: images go to vision, text to the classifier; a low-confidence choice
 * becomes the configured fallback, exactly as the router does for requests it classifies itself.
 */
export type ClassifyText = (text: string) => ClassifierDecision

export const classifyTurn = (event: ModelResolveEvent, policy: AutoPolicy, classifyText: ClassifyText): ClassifierDecision => {
  if (event.attachments?.some((a) => a.kind === "image") === true) {
    return { category: "vision", confidence: 1, signals: ["image-attachment"] }
  }
  const decision = classifyText(event.prompt)
  return decision.confidence < policy.minConfidence && decision.category !== policy.fallbackCategory
    ? { ...decision, category: policy.fallbackCategory, signals: [`low-confidence:${decision.category}`, ...decision.signals] }
    : decision
}

export interface HookDecision {
  readonly result: ModelResolveResult | undefined
  readonly why: string
}

export const decide = (
  event: ModelResolveEvent,
  requested: { readonly provider: string | undefined; readonly model: string | undefined },
  status: RouterStatus,
  settings: Pick<PluginSettings, "interceptAllModels">,
  policy: AutoPolicy,
  classifyText: ClassifyText
): HookDecision => {
  const { provider, model } = requested
  if (provider === undefined || model === undefined) return { result: undefined, why: "no requested model" }
  if (!status.healthy) return { result: undefined, why: `router unhealthy (${status.error ?? status.status})` }
  const to = (modelOverride: string, why: string): HookDecision => ({ result: { providerOverride: PROVIDER_ID, modelOverride }, why })
  if (provider === PROVIDER_ID) {
    if (model !== "auto" && model !== "llmrouter/auto") return { result: undefined, why: "explicit llmrouter model" }
    const decision = classifyTurn(event, policy, classifyText)
    return to(decision.category, `auto classified as ${decision.category} (confidence ${decision.confidence})`)
  }
  const virtual = status.models.find((name) => name === `${provider}/${model}` || name === model)
  if (virtual !== undefined) return to(virtual, `configured route ${virtual}`)
  if (!settings.interceptAllModels) return { result: undefined, why: "no configured route" }
  if (status.providers.some((p) => p.name === provider && p.routable)) {
    return to(`${provider}:${model}`, `interceptAllModels: direct route ${provider}:${model}`)
  }
  const decision = classifyTurn(event, policy, classifyText)
  return to(decision.category, `interceptAllModels: classified as ${decision.category}`)
}

const unavailable: ClassifyText = () => ({ category: "simple", confidence: 0, signals: ["router-unhealthy"] })

export const makeModelHook = (settings: PluginSettings, debug: (message: string) => void): ModelResolveHandler =>
  async (event, ctx) => {
    const status = await routerStatus(settings)
    // The classifier loads only once a turn could be redirected (the Gateway has it loaded already).
    const { classifyText } = status.healthy ? await loadClassifier() : { classifyText: unavailable }
    const requested = { provider: ctx.modelProviderId, model: ctx.modelId }
    const { result, why } = decide(event, requested, status, settings, autoPolicy(settings), classifyText)
    debug(`llmrouter: before_model_resolve ${ctx.modelProviderId ?? "?"}/${ctx.modelId ?? "?"}: ${why}`)
    return result
  }
