/**
 * Prompt-cache and cost figures since start: per answering model, tokens (cache reads and writes
 * apart), cache hit ratio and cost at its price; for `llmrouter/auto`, what its requests cost
 * against what the same tokens would have cost on the reasoning chain's first model. Sums are
 * pico-USD integers (exact); USD is derived when read.
 */
import type { RequestRecord } from "./records.js"
import type { Exposition } from "./exposition.js"
import { picoToUsd } from "./prices.js"

export interface ModelCost {
  readonly endpoint: string
  readonly requests: number
  readonly tokensIn: number
  readonly cachedTokens: number
  readonly cacheWriteTokens: number
  readonly tokensOut: number
  /** Cached share of the prompt tokens (0 when none). */
  readonly cacheHitRatio: number
  /** null: the model has no price (configure `prices`). */
  readonly costUsd: number | null
}

export interface CostSnapshot {
  readonly totals: Omit<ModelCost, "endpoint">
  readonly byModel: ReadonlyArray<ModelCost>
  /** `llmrouter/auto` requests with a priced model, against always using `baselineModel`. */
  readonly auto: {
    readonly baselineModel: string | null
    readonly requests: number
    readonly costUsd: number
    readonly baselineUsd: number
    readonly savedUsd: number
    /** Saved share of the baseline (0 when nothing was compared). */
    readonly savedRatio: number
  }
}

interface Account {
  requests: number
  tokensIn: number
  cached: number
  written: number
  tokensOut: number
  costPico: number
  priced: boolean
}

/** Models beyond this share one `other` row (direct routing can name any model). */
const MAX_MODELS = 500

const newAccount = (): Account => ({ requests: 0, tokensIn: 0, cached: 0, written: 0, tokensOut: 0, costPico: 0, priced: false })

const ratio = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 10_000) / 10_000 : 0)

const view = (a: Account) => ({
  requests: a.requests,
  tokensIn: a.tokensIn,
  cachedTokens: a.cached,
  cacheWriteTokens: a.written,
  tokensOut: a.tokensOut,
  cacheHitRatio: ratio(a.cached, a.tokensIn),
  costUsd: a.priced ? picoToUsd(a.costPico) : null
})

export class CostBook {
  private readonly models = new Map<string, Account>()
  private readonly total = newAccount()
  private baselineModel: string | null = null
  private autoRequests = 0
  private autoPico = 0
  private baselinePico = 0

  record(r: RequestRecord): void {
    if (r.endpoint === undefined) return
    const name = this.models.has(r.endpoint) || this.models.size < MAX_MODELS ? r.endpoint : "other"
    let account = this.models.get(name)
    if (account === undefined) {
      account = newAccount()
      this.models.set(name, account)
    }
    for (const a of [account, this.total]) {
      a.requests += 1
      a.tokensIn += r.tokensIn
      a.cached += r.tokensCached ?? 0
      a.written += r.tokensCacheWrite ?? 0
      a.tokensOut += r.tokensOut
      if (r.costPicoUsd !== undefined) {
        a.costPico += r.costPicoUsd
        a.priced = true
      }
    }
    if (r.baselinePicoUsd !== undefined && r.costPicoUsd !== undefined) {
      this.baselineModel = r.baselineEndpoint ?? this.baselineModel
      this.autoRequests += 1
      this.autoPico += r.costPicoUsd
      this.baselinePico += r.baselinePicoUsd
    }
  }

  snapshot(): CostSnapshot {
    return {
      totals: view(this.total),
      byModel: [...this.models].map(([endpoint, a]) => ({ endpoint, ...view(a) })).sort((a, b) => b.requests - a.requests),
      auto: {
        baselineModel: this.baselineModel,
        requests: this.autoRequests,
        costUsd: picoToUsd(this.autoPico),
        baselineUsd: picoToUsd(this.baselinePico),
        savedUsd: picoToUsd(this.baselinePico - this.autoPico),
        savedRatio: ratio(this.baselinePico - this.autoPico, this.baselinePico)
      }
    }
  }

  expose(out: Exposition): void {
    const counter = (name: string, help: string, value: (a: Account) => number) => {
      out.family(name, "counter", help)
      for (const [endpoint, a] of this.models) out.sample(name, { endpoint }, value(a))
    }
    counter("llmrouter_cached_input_tokens_total", "Prompt tokens the upstream read from its prompt cache, by answering endpoint.", (a) => a.cached)
    counter("llmrouter_cache_write_tokens_total", "Prompt tokens the upstream wrote to its prompt cache (billed apart by Anthropic).", (a) => a.written)
    counter("llmrouter_cost_usd_total", "What the upstreams' reported tokens cost at the configured prices, by answering endpoint.", (a) => picoToUsd(a.costPico))
    out.family("llmrouter_auto_cost_usd_total", "counter", "llmrouter/auto requests: cost at the prices of the models that answered.")
    out.sample("llmrouter_auto_cost_usd_total", {}, picoToUsd(this.autoPico))
    out.family("llmrouter_auto_baseline_usd_total", "counter", "llmrouter/auto requests: the same tokens at the price of the reasoning chain's first model.")
    out.sample("llmrouter_auto_baseline_usd_total", {}, picoToUsd(this.baselinePico))
  }
}
