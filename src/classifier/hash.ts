/**
 * Tiny, allocation-free string hashing shared by the tokenizer, the lexicon
 * and the hashed n-gram features. FNV-1a (32 bit) so the same token always
 * lands in the same bucket on every platform; weights depend on it, so any
 * change here requires regenerating `weights.ts`.
 */

export const FNV_OFFSET = 0x811c9dc5
const FNV_PRIME = 0x01000193

/** Feed one UTF-16 code unit into a running FNV-1a hash. */
export const fnvStep = (h: number, code: number): number => Math.imul(h ^ code, FNV_PRIME) >>> 0

/** Hash a whole string (used at module init for lexicon entries). */
export const fnvString = (s: string): number => {
  let h = FNV_OFFSET
  for (let i = 0; i < s.length; i++) h = fnvStep(h, s.charCodeAt(i))
  return h
}

/** Order-sensitive combination of two token hashes (bigram / phrase key). */
export const combine = (a: number, b: number): number => {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) >>> 0
  h = Math.imul((h ^ (h >>> 13)) ^ b, 0xc2b2ae35) >>> 0
  return (h ^ (h >>> 16)) >>> 0
}

/** Final avalanche before taking a bucket, so low bits are well mixed. */
export const finalize = (h: number): number => {
  let x = h >>> 0
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d) >>> 0
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b) >>> 0
  return (x ^ (x >>> 16)) >>> 0
}
