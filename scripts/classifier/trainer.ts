/**
 * Small deterministic trainer for the multinomial logistic regression in
 * src/classifier/model.ts: full-batch Adam on mean cross-entropy with
 * separate L2 strengths for the named dense features and the hashed n-grams
 * (the hashed part memorises sources, so it gets the stronger penalty).
 * No randomness: the same data and options always give the same weights.
 */
import { DIM, extractFeatures, HASH_OFFSET, makeFeatures } from "../../src/classifier/features.js"
import { K, LABELS, scoreInto, softmaxInPlace, type LinearModel, type SparseVector, type TextLabel } from "../../src/classifier/model.js"

export interface Row {
  readonly text: string
  readonly label: TextLabel
  readonly source: string
  /** Sample weight (authored augmentation rows may count less). */
  readonly weight?: number
}

export interface Example extends SparseVector {
  readonly y: number
  readonly w: number
}

export interface TrainOptions {
  readonly lambdaDense: number
  readonly lambdaHash: number
  readonly iterations: number
  readonly learningRate: number
}

export const DEFAULT_OPTIONS: TrainOptions = { lambdaDense: 1e-3, lambdaHash: 1e-3, iterations: 300, learningRate: 0.05 }

/** Runs production feature extraction once per row and keeps a compact copy. */
export const featurize = (rows: ReadonlyArray<Row>): Array<Example> => {
  const f = makeFeatures()
  return rows.map((r) => {
    extractFeatures(r.text, f)
    return {
      dense: Float64Array.from(f.dense),
      idx: f.idx.slice(0, f.n),
      n: f.n,
      hashedValue: f.hashedValue,
      y: LABELS.indexOf(r.label),
      w: r.weight ?? 1
    }
  })
}

export const train = (data: ReadonlyArray<Example>, opts: TrainOptions = DEFAULT_OPTIONS): LinearModel => {
  const P = K * DIM
  const weights = new Float64Array(P)
  const bias = new Float64Array(K)
  const model: LinearModel = { weights, bias }
  const grad = new Float64Array(P)
  const gBias = new Float64Array(K)
  const m1 = new Float64Array(P)
  const m2 = new Float64Array(P)
  const b1 = new Float64Array(K)
  const b2 = new Float64Array(K)
  const z = new Float64Array(K)
  const beta1 = 0.9
  const beta2 = 0.999
  const eps = 1e-8
  let totalW = 0
  for (const e of data) totalW += e.w
  for (let it = 1; it <= opts.iterations; it++) {
    grad.fill(0)
    gBias.fill(0)
    for (const e of data) {
      scoreInto(model, e, z)
      softmaxInPlace(z)
      for (let k = 0; k < K; k++) {
        const g = (((z[k] ?? 0) - (k === e.y ? 1 : 0)) * e.w) / totalW
        if (g === 0) continue
        gBias[k] = (gBias[k] ?? 0) + g
        const row = k * DIM
        for (let j = 0; j < HASH_OFFSET; j++) {
          const x = e.dense[j] ?? 0
          if (x !== 0) grad[row + j] = (grad[row + j] ?? 0) + g * x
        }
        const gh = g * e.hashedValue
        for (let i = 0; i < e.n; i++) {
          const j = row + (e.idx[i] ?? 0)
          grad[j] = (grad[j] ?? 0) + gh
        }
      }
    }
    const c1 = 1 - Math.pow(beta1, it)
    const c2 = 1 - Math.pow(beta2, it)
    for (let k = 0; k < K; k++) {
      const row = k * DIM
      for (let j = 0; j < DIM; j++) {
        const p = row + j
        const wv = weights[p] ?? 0
        const g = (grad[p] ?? 0) + (j < HASH_OFFSET ? opts.lambdaDense : opts.lambdaHash) * wv
        if (g === 0 && wv === 0) continue
        const a = beta1 * (m1[p] ?? 0) + (1 - beta1) * g
        const b = beta2 * (m2[p] ?? 0) + (1 - beta2) * g * g
        m1[p] = a
        m2[p] = b
        weights[p] = wv - (opts.learningRate * (a / c1)) / (Math.sqrt(b / c2) + eps)
      }
      const g = gBias[k] ?? 0
      const a = beta1 * (b1[k] ?? 0) + (1 - beta1) * g
      const b = beta2 * (b2[k] ?? 0) + (1 - beta2) * g * g
      b1[k] = a
      b2[k] = b
      bias[k] = (bias[k] ?? 0) - (opts.learningRate * (a / c1)) / (Math.sqrt(b / c2) + eps)
    }
  }
  return model
}

export const predict = (model: LinearModel, e: SparseVector): number => {
  const z = new Float64Array(K)
  scoreInto(model, e, z)
  return softmaxInPlace(z)
}
