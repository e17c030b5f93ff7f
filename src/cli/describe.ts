/** Human-readable summaries of what the router can route, for `serve` and `status`. */
import type { ProviderPoolService } from "../ProviderPool.js"
import { CATEGORIES } from "../providers/logicalModels.js"

export const describeRoutes = (pool: ProviderPoolService): string => {
  const lines = ["providers:"]
  for (const provider of pool.providers) {
    const state = provider.routable ? `ready (${provider.keySource ?? "no key needed"})` : `not routable: ${provider.reason}`
    lines.push(`  ${provider.name.padEnd(12)} ${provider.kind.padEnd(9)} ${state}`)
  }
  lines.push("routes:")
  for (const category of CATEGORIES) {
    lines.push(`  llmrouter/${category.padEnd(10)} → ${chain(pool.categoryRoute(category, category).candidates)}`)
  }
  for (const name of pool.modelNames.filter((n) => !n.startsWith("llmrouter/"))) {
    const target = pool.resolve(name)
    if (target._tag === "Right" && target.right._tag === "Route") {
      lines.push(`  ${name.padEnd(20)} → ${target.right.route.strategy}: ${chain(target.right.route.candidates)}`)
    }
  }
  lines.push("  provider:model_id   → that endpoint directly")
  return lines.join("\n")
}

const chain = (candidates: ReturnType<ProviderPoolService["categoryRoute"]>["candidates"]) =>
  candidates.length === 0
    ? "(none: no provider key detected)"
    : candidates.map((c) => (c._tag === "Ready" ? c.endpoint.id : `${c.id} (skipped: ${c.reason})`)).join(", ")
