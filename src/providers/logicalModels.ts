/** The logical model names: `llmrouter/auto` and one per category, also accepted bare (`auto`). */
import type { Category } from "../config/schema.js"

export const CATEGORIES: ReadonlyArray<Category> = ["simple", "coding", "reasoning", "vision"]

const PREFIX = "llmrouter/"

export const logicalModelName = (name: "auto" | Category) => `${PREFIX}${name}`

/**
 * `llmrouter/coding` and `coding` → `"coding"`; `llmrouter/auto` and `auto` → `"auto"`. OpenClaw
 * sends the bare id (`"model": "auto"`) once the provider prefix is stripped.
 */
export const parseLogicalModel = (model: string): "auto" | Category | undefined => {
  const name = model.startsWith(PREFIX) ? model.slice(PREFIX.length) : model
  return name === "auto" || (CATEGORIES as ReadonlyArray<string>).includes(name)
    ? (name as "auto" | Category)
    : undefined
}
