/**
 * A provider's prompt cache, simulated the way the real ones behave: per model, a request whose
 * leading messages repeat an earlier request's (byte for byte) reads those tokens from the cache.
 * Tokens are counted as ⌈characters / 4⌉ of each serialized unit (message, system, tools), so
 * tests can compute the expected figures. The fakes report what it says in their own usage format.
 */
export const tokensOf = (unit: unknown): number => Math.ceil(JSON.stringify(unit).length / 4)

export interface CacheUsage {
  /** Every prompt token, cached or not. */
  readonly prompt: number
  /** Tokens of the leading units already seen for this model. */
  readonly cached: number
  /** Tokens newly written to the cache (providers that bill writes: up to the last breakpoint). */
  readonly written: number
}

export class PromptCache {
  /** Per model: the serialized prefixes seen so far. */
  private readonly seen = new Map<string, Set<string>>()

  /**
   * `units` in prompt order. `cacheUpTo`: how many leading units may be written (default all;
   * Anthropic writes only up to its last `cache_control` breakpoint).
   */
  use(model: string, units: ReadonlyArray<unknown>, cacheUpTo = units.length): CacheUsage {
    const prefixes = this.seen.get(model) ?? new Set<string>()
    this.seen.set(model, prefixes)
    let key = ""
    let cached = 0
    let hit = true
    let written = 0
    let prompt = 0
    units.forEach((unit, index) => {
      const tokens = tokensOf(unit)
      prompt += tokens
      key += `${JSON.stringify(unit)}\u0000`
      if (hit && prefixes.has(key)) cached += tokens
      else {
        hit = false
        if (index < cacheUpTo) {
          prefixes.add(key)
          written += tokens
        }
      }
    })
    return { prompt, cached, written }
  }
}

/** An OpenAI chat body's cacheable units: tools, then each message. */
export const openAiUnits = (body: Readonly<Record<string, unknown>>): Array<unknown> => [
  ...(body["tools"] === undefined ? [] : [body["tools"]]),
  ...(Array.isArray(body["messages"]) ? body["messages"] : [])
]
