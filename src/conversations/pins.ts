/**
 * Where each conversation was last served, bounded in memory: a `Map` in least-recently-used
 * order (a hit moves its entry to the end), at most `capacity` entries, each forgotten once it
 * expires. Keys are hashes, values endpoint ids and categories: never prompt text.
 */
import type { Category } from "../config/schema.js"

export interface Pin {
  /** `provider:modelId` that answered the conversation's last turn. */
  readonly endpoint: string
  /** The category the conversation was routed as (stickiness never moves below it). */
  readonly category: Category
  /** Epoch ms until which the endpoint's prompt cache is expected to be warm. */
  readonly warmUntil: number
  /** Epoch ms after which the pin is forgotten (tool loops outlive the cache). */
  readonly expiresAt: number
}

export class PinStore {
  private readonly pins = new Map<string, Pin>()

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.pins.size
  }

  get(key: string, now: number): Pin | undefined {
    const pin = this.pins.get(key)
    if (pin === undefined) return undefined
    this.pins.delete(key)
    if (pin.expiresAt <= now) return undefined
    this.pins.set(key, pin)
    return pin
  }

  set(key: string, pin: Pin): void {
    this.pins.delete(key)
    this.pins.set(key, pin)
    while (this.pins.size > this.capacity) {
      const oldest = this.pins.keys().next()
      if (oldest.done === true) break
      this.pins.delete(oldest.value)
    }
  }
}
