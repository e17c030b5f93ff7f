/**
 * Latency quantiles with a bounded relative error: observations go into log-spaced buckets (each
 * 10 % wider than the last, from 1 ms to beyond an hour), and a quantile is the geometric middle
 * of the bucket that holds its rank — within ±5 % of the exact value, whatever the traffic (a
 * fixed grid with a 50 ms first bucket would call every fast request 25 ms). The estimate is then
 * clamped to the largest value observed, so p95 is never above the slowest request.
 */

const GROWTH = 1.1
const LOG_GROWTH = Math.log(GROWTH)
/** Bucket 0 holds [0, 1) ms; bucket i ≥ 1 holds [1.1^(i-1), 1.1^i) ms; the last one everything beyond. */
export const QUANTILE_BUCKETS = 2 + Math.ceil(Math.log(4 * 3_600_000) / LOG_GROWTH)

export const quantileBucket = (ms: number): number =>
  !(ms >= 1) ? 0 : Math.min(QUANTILE_BUCKETS - 1, 1 + Math.floor(Math.log(ms) / LOG_GROWTH))

const middle = (bucket: number) => (bucket === 0 ? 0.5 : GROWTH ** (bucket - 0.5))

/**
 * The `q` quantile (nearest rank) of `count` observations whose bucket counts are
 * `row[at … at + QUANTILE_BUCKETS)`, never above `max`; null without observations.
 */
export const logQuantile = (row: Float64Array, at: number, count: number, q: number, max: number): number | null => {
  if (count <= 0) return null
  const rank = Math.max(1, Math.ceil(q * count))
  let seen = 0
  for (let i = 0; i < QUANTILE_BUCKETS; i++) {
    seen += row[at + i] as number
    if (seen >= rank) return Math.min(middle(i), max)
  }
  return max
}
