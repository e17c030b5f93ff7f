/**
 * A per-endpoint circuit breaker, as a small synchronous state machine (the caller wraps it in
 * Effect). Closed: calls flow, outcomes are counted. Open: calls are refused until the cooldown
 * ends. Half-open: exactly one probe call goes through; its success closes the breaker, its failure
 * re-opens it with a doubled cooldown. A 429's Retry-After "cools" the endpoint without counting
 * as a failure: the provider is healthy, just busy.
 */

export interface BreakerSettings {
  /** Consecutive failures that open the breaker. */
  readonly failureThreshold: number
  /** Failure ratio over the last `windowSize` outcomes that opens it (once `minRequests` were seen). */
  readonly errorRatio: number
  readonly windowSize: number
  readonly minRequests: number
  readonly cooldownMs: number
  readonly maxCooldownMs: number
}

export type BreakerState = "closed" | "open" | "half-open"

export class Breaker {
  state: BreakerState = "closed"
  /** While open (or cooling after a 429): not before this time. */
  openUntil = 0
  consecutiveFailures = 0
  private probeInFlight = false
  private cooldownMs: number
  private readonly window: Array<boolean> = []

  constructor(private readonly settings: BreakerSettings) {
    this.cooldownMs = settings.cooldownMs
  }

  /** May a call go out now? In half-open, only one caller gets `true` until the probe reports. */
  admit(now: number): boolean {
    if (this.state === "closed") return now >= this.openUntil
    if (now < this.openUntil) return false
    if (this.state === "open") this.state = "half-open"
    if (this.probeInFlight) return false
    this.probeInFlight = true
    return true
  }

  success(): void {
    this.record(true)
    this.consecutiveFailures = 0
    if (this.state !== "closed") {
      this.state = "closed"
      this.probeInFlight = false
      this.cooldownMs = this.settings.cooldownMs
      this.openUntil = 0
    }
  }

  failure(now: number): void {
    this.record(false)
    this.consecutiveFailures += 1
    if (this.state === "half-open") {
      this.probeInFlight = false
      this.cooldownMs = Math.min(this.cooldownMs * 2, this.settings.maxCooldownMs)
      this.trip(now)
      return
    }
    if (this.state === "closed" && this.shouldTrip()) this.trip(now)
  }

  /** A call that was admitted but ended without a verdict (client went away): free the probe slot. */
  release(): void {
    this.probeInFlight = false
  }

  /** Rate-limited: skip this endpoint for `ms` (bounded), without counting a failure. */
  cool(now: number, ms: number): void {
    this.openUntil = Math.max(this.openUntil, now + Math.min(ms, this.settings.maxCooldownMs))
    if (this.state === "half-open") this.probeInFlight = false
  }

  /** An active health check found the endpoint reachable: let the next call probe it now. */
  reachable(now: number): void {
    if (this.state === "open") this.openUntil = Math.min(this.openUntil, now)
  }

  private trip(now: number) {
    this.state = "open"
    this.openUntil = now + this.cooldownMs
  }

  private shouldTrip(): boolean {
    if (this.consecutiveFailures >= this.settings.failureThreshold) return true
    if (this.window.length < this.settings.minRequests) return false
    const failures = this.window.filter((ok) => !ok).length
    return failures / this.window.length >= this.settings.errorRatio
  }

  private record(ok: boolean) {
    this.window.push(ok)
    if (this.window.length > this.settings.windowSize) this.window.shift()
  }
}
