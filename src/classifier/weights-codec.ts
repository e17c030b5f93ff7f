/**
 * Compact encoding of the trained weights: int16 quantisation with one scale
 * per file, base64 in a generated TypeScript module (`weights.ts`), so the
 * runtime needs no file I/O, no JSON parse of 100k numbers and no download.
 */
import { DENSE_NAMES, DIM, HASH_BITS } from "./features.js"
import { K, LABELS, type LinearModel } from "./model.js"

export interface EncodedWeights {
  readonly format: 1
  readonly hashBits: number
  readonly labels: ReadonlyArray<string>
  readonly denseNames: ReadonlyArray<string>
  readonly scale: number
  readonly bias: ReadonlyArray<number>
  readonly data: string
}

export const encodeWeights = (model: LinearModel): EncodedWeights => {
  let max = 0
  for (let i = 0; i < model.weights.length; i++) max = Math.max(max, Math.abs(model.weights[i] ?? 0))
  const scale = max > 0 ? max / 32767 : 1
  const q = new Int16Array(model.weights.length)
  for (let i = 0; i < q.length; i++) q[i] = Math.round((model.weights[i] ?? 0) / scale)
  return {
    format: 1,
    hashBits: HASH_BITS,
    labels: [...LABELS],
    denseNames: [...DENSE_NAMES],
    scale,
    bias: Array.from(model.bias, (b) => Number(b.toFixed(6))),
    data: Buffer.from(q.buffer, q.byteOffset, q.byteLength).toString("base64")
  }
}

/** Why encoded weights cannot be used with this build's features, or undefined when they fit. */
export const weightsMismatch = (w: EncodedWeights): string | undefined => {
  if (w.hashBits !== HASH_BITS) return `hashBits ${w.hashBits} != ${HASH_BITS}`
  if (w.labels.join() !== LABELS.join()) return "labels differ"
  if (w.denseNames.join() !== DENSE_NAMES.join()) return "dense feature names differ"
  return undefined
}

export const decodeWeights = (w: EncodedWeights): LinearModel => {
  const bytes = Buffer.from(w.data, "base64")
  const weights = new Float32Array(K * DIM)
  if (weightsMismatch(w) !== undefined || bytes.length !== weights.length * 2) return { weights, bias: new Float64Array(K) }
  for (let i = 0; i < weights.length; i++) weights[i] = bytes.readInt16LE(i * 2) * w.scale
  return { weights, bias: Float64Array.from(w.bias) }
}
