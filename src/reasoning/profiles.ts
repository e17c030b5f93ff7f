/**
 * Default thinking profiles of the models the built-in chains use (and their close relatives),
 * matched on the model id; an endpoint's own `thinking` config always wins. A model no profile
 * matches does not think as far as the router knows: reasoning requests to it are ignored, said so.
 *
 * Sources: Anthropic extended/adaptive thinking docs (budget ≥ 1,024 and < max_tokens; adaptive
 * `effort` on the 4.6 models, the only form from Opus 4.7 on), Gemini thinking docs (2.5 budgets,
 * Gemini 3 `thinkingLevel`).
 */
import type { ProviderKind } from "../config/schema.js"
import type { ThinkingSpec } from "../config/thinking.js"

interface Profile {
  readonly kind: ProviderKind
  readonly model: RegExp
  readonly spec: ThinkingSpec
}

const claudeBudget = (maxOutputTokens: number): ThinkingSpec => ({
  style: "budget", minBudget: 1024, maxBudget: maxOutputTokens - 1024, canDisable: true, maxOutputTokens
})
const claudeAdaptive = (levels: ReadonlyArray<string>, maxOutputTokens: number): ThinkingSpec => ({
  style: "levels", levels, canDisable: true, maxOutputTokens
})

/** First match wins: more specific patterns come first. */
export const PROFILES: ReadonlyArray<Profile> = [
  // Anthropic: adaptive thinking with an effort (4.6 and later), else a token budget.
  { kind: "anthropic", model: /^claude-opus-4-[7-9]|^claude-opus-[5-9]/, spec: claudeAdaptive(["low", "medium", "high", "max"], 128_000) },
  { kind: "anthropic", model: /^claude-opus-4-6/, spec: claudeAdaptive(["low", "medium", "high", "max"], 128_000) },
  { kind: "anthropic", model: /^claude-sonnet-4-6|^claude-sonnet-[5-9]/, spec: claudeAdaptive(["low", "medium", "high"], 64_000) },
  { kind: "anthropic", model: /^claude-opus-4-(0|1)|^claude-opus-4(-2|$|@)/, spec: claudeBudget(32_000) },
  { kind: "anthropic", model: /^claude-(opus|sonnet|haiku)-4|^claude-3-7-sonnet/, spec: claudeBudget(64_000) },
  // Gemini 3: levels (cannot be off); Flash has more of them.
  { kind: "google", model: /^(models\/)?gemini-3[.\d]*-flash/, spec: { style: "levels", levels: ["minimal", "low", "medium", "high"], canDisable: false } },
  { kind: "google", model: /^(models\/)?gemini-3/, spec: { style: "levels", levels: ["low", "high"], canDisable: false } },
  // Gemini 2.5: budgets; Pro cannot turn thinking off, Flash and Flash-Lite can.
  { kind: "google", model: /^(models\/)?gemini-2\.5-pro/, spec: { style: "budget", minBudget: 128, maxBudget: 32_768, canDisable: false } },
  { kind: "google", model: /^(models\/)?gemini-2\.5-flash-lite/, spec: { style: "budget", minBudget: 512, maxBudget: 24_576, canDisable: true } },
  { kind: "google", model: /^(models\/)?gemini-2\.5-flash/, spec: { style: "budget", minBudget: 1, maxBudget: 24_576, canDisable: true } }
]

const NONE: ThinkingSpec = { style: "none" }

/** The thinking profile of a model: the configured one, else the built-in default, else `none`. */
export const thinkingProfile = (kind: ProviderKind, modelId: string, configured: ThinkingSpec | undefined): ThinkingSpec =>
  configured ?? PROFILES.find((p) => p.kind === kind && p.model.test(modelId))?.spec ?? NONE
