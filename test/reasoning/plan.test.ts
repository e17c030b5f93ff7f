/**
 * The effort → thinking mapping for every built-in profile: monotonic (more effort never thinks
 * less, for efforts and for explicit budgets), within the profile's range, `none` the least.
 * And the thinking memory's bounds.
 */
import { describe, expect, it } from "vitest"
import { EFFORTS, type ThinkingSpec } from "../../src/config/thinking.js"
import { ThinkingMemory } from "../../src/reasoning/memory.js"
import { planThinking, type ThinkingPlan } from "../../src/reasoning/plan.js"
import { PROFILES } from "../../src/reasoning/profiles.js"

/** How much a plan thinks, comparable within one profile. */
const amount = (spec: ThinkingSpec, plan: ThinkingPlan): number => {
  switch (plan.kind) {
    case "off":
    case "unchanged":
      return -1
    case "budget":
      return plan.budget
    case "level":
      return (spec.levels ?? []).indexOf(plan.level)
  }
}

const nonDecreasing = (values: ReadonlyArray<number>) => values.every((v, i) => i === 0 || v >= (values[i - 1] as number))

describe.each(PROFILES.map((p) => [String(p.model), p.spec] as const))("profile %s", (_name, spec) => {
  it("efforts map monotonically, within range, none the least", () => {
    const plans = EFFORTS.map((effort) => planThinking({ effort, budget: undefined, exclude: false }, spec).plan)
    const amounts = plans.map((plan) => amount(spec, plan))
    expect(nonDecreasing(amounts)).toBe(true)
    expect(Math.min(...amounts)).toBe(amounts[0])
    for (const plan of plans) {
      if (plan.kind === "budget") {
        expect(plan.budget).toBeGreaterThanOrEqual(spec.minBudget ?? 0)
        expect(plan.budget).toBeLessThanOrEqual(spec.maxBudget ?? Infinity)
      }
      if (plan.kind === "level") expect(spec.levels).toContain(plan.level)
    }
    expect(plans[0]?.kind === "off").toBe(spec.canDisable === true)
  })

  it("explicit budgets map monotonically too", () => {
    const budgets = [0, 1, 500, 1024, 3000, 8192, 20_000, 100_000]
    const amounts = budgets.map((budget) => amount(spec, planThinking({ effort: undefined, budget, exclude: false }, spec).plan))
    expect(nonDecreasing(amounts)).toBe(true)
  })
})

describe("thinking memory", () => {
  const blocks = (n: number) => [{ type: "thinking", thinking: "x".repeat(n), signature: "s" }]

  it("recalls by any tool call of the turn, only for the model that thought it", () => {
    const memory = new ThinkingMemory({ entries: 10, bytes: 10_000 })
    memory.remember(["a", "b"], "claude-x", blocks(5))
    expect(memory.recall("b", "claude-x")).toEqual(blocks(5))
    expect(memory.recall("a", "claude-y")).toBeUndefined()
  })

  it("is bounded by entries and bytes, forgetting the least recently used", () => {
    const memory = new ThinkingMemory({ entries: 3, bytes: 1_000 })
    for (const id of ["1", "2", "3"]) memory.remember([id], "m", blocks(10))
    memory.recall("1", "m")
    memory.remember(["4"], "m", blocks(10))
    expect(memory.size).toBe(3)
    expect(memory.recall("2", "m")).toBeUndefined()
    expect(memory.recall("1", "m")).toBeDefined()
    memory.remember(["big"], "m", blocks(900))
    expect(memory.recall("big", "m")).toBeDefined()
    expect(memory.size).toBeLessThan(3)
    memory.remember(["huge"], "m", blocks(5_000))
    expect(memory.recall("huge", "m")).toBeUndefined()
  })
})
