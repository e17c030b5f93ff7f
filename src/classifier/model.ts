/**
 * Multinomial logistic regression over `features.ts` vectors: scoring,
 * probabilities and a cheap explanation of which features pushed the winner
 * above the runner-up. The trainer in scripts/classifier uses the same
 * `scoreInto`, so what is cross-validated is what runs here.
 */
import { DENSE_NAMES, DIM, HASH_OFFSET, type Features } from "./features.js"
import { NUM } from "./tokenize.js"

export const LABELS = ["simple", "coding", "reasoning"] as const
export type TextLabel = (typeof LABELS)[number]
export const K = LABELS.length

export interface LinearModel {
  /** K rows of DIM weights, class-major. */
  readonly weights: Float32Array | Float64Array
  readonly bias: Float64Array
}

/** The part of a feature vector scoring needs (the trainer keeps only this). */
export type SparseVector = Pick<Features, "dense" | "idx" | "n" | "hashedValue">

/** Raw class scores (logits) into `out` (length K). */
export const scoreInto = (model: LinearModel, f: SparseVector, out: Float64Array): void => {
  const w = model.weights
  for (let k = 0; k < K; k++) {
    const row = k * DIM
    let s = model.bias[k] ?? 0
    for (let j = 0; j < HASH_OFFSET; j++) {
      const x = f.dense[j] ?? 0
      if (x !== 0) s += (w[row + j] ?? 0) * x
    }
    let h = 0
    for (let i = 0; i < f.n; i++) h += w[row + (f.idx[i] ?? 0)] ?? 0
    out[k] = s + h * f.hashedValue
  }
}

/** In-place softmax; returns the arg-max. */
export const softmaxInPlace = (z: Float64Array): number => {
  let best = 0
  for (let k = 1; k < z.length; k++) if ((z[k] ?? 0) > (z[best] ?? 0)) best = k
  const m = z[best] ?? 0
  let sum = 0
  for (let k = 0; k < z.length; k++) {
    const e = Math.exp((z[k] ?? 0) - m)
    z[k] = e
    sum += e
  }
  for (let k = 0; k < z.length; k++) z[k] = (z[k] ?? 0) / sum
  return best
}

const tokenText = (f: Features, t: number): string => f.text.slice(f.tokens.start[t] ?? 0, f.tokens.end[t] ?? 0)

/**
 * Names of the features that most favour class `win` over class `other`:
 * up to `maxDense` named structural/lexicon features and `maxTokens` words.
 */
export const explain = (
  model: LinearModel,
  f: Features,
  win: number,
  other: number,
  maxDense = 4,
  maxTokens = 3
): Array<string> => {
  const w = model.weights
  const a = win * DIM
  const b = other * DIM
  const dense: Array<[string, number]> = []
  for (let j = 0; j < HASH_OFFSET; j++) {
    const x = f.dense[j] ?? 0
    if (x === 0) continue
    const c = ((w[a + j] ?? 0) - (w[b + j] ?? 0)) * x
    if (c > 0.05) dense.push([DENSE_NAMES[j] ?? `f${j}`, c])
  }
  dense.sort((p, q) => q[1] - p[1])
  const toks: Array<[number, number]> = []
  for (let i = 0; i < f.n; i++) {
    const j = f.idx[i] ?? 0
    const c = ((w[a + j] ?? 0) - (w[b + j] ?? 0)) * f.hashedValue
    if (c <= 0.05 || !informative(f, i)) continue
    if (toks.length < maxTokens) toks.push([i, c])
    else {
      let min = 0
      for (let q = 1; q < toks.length; q++) if ((toks[q]?.[1] ?? 0) < (toks[min]?.[1] ?? 0)) min = q
      if (c > (toks[min]?.[1] ?? 0)) toks[min] = [i, c]
    }
  }
  toks.sort((p, q) => q[1] - p[1])
  const out = dense.slice(0, maxDense).map(([name]) => name)
  for (const [i] of toks) {
    const t = f.tok[i] ?? 0
    const name =
      t >= 0 ? `word:${tokenText(f, t)}` : -t - 1 === 0 ? `word:^${tokenText(f, 0)}` : `words:${tokenText(f, -t - 2)} ${tokenText(f, -t - 1)}`
    if (!out.includes(name)) out.push(name)
  }
  return out
}

/** Word n-grams worth showing: skip numbers (hashed by length class) and 1-2 letter words. */
const informative = (f: Features, i: number): boolean => {
  const t = f.tok[i] ?? 0
  const last = t >= 0 ? t : -t - 1
  if (f.tokens.kind[last] === NUM) return false
  return t < 0 ? last > 0 : (f.tokens.end[t] ?? 0) - (f.tokens.start[t] ?? 0) >= 3
}
