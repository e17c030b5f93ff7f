/** Loading labelled JSONL and computing the metrics the eval prints. */
import { readFileSync, existsSync } from "node:fs"
import { dirname, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { LABELS, type TextLabel } from "../../src/classifier/model.js"
import type { Row } from "./trainer.js"

export const DEFAULT_DATA = "../shared/classifier-data/dev.jsonl"
const here = dirname(fileURLToPath(import.meta.url))
/** Hand-written prompts that cover what dev under-represents (see its README's "Known skews"). */
export const EXTRA_DATA = resolve(here, "extra.jsonl")
/** Public prompt sets labelled by hand under the same rules (sources and licences in DATA.md). */
export const PUBLIC_DATA = resolve(here, "public.jsonl")
/** Every training-only file: never part of the dev set, always on the training side of dev splits. */
export const TRAINING_ONLY = [EXTRA_DATA, PUBLIC_DATA] as const

const isLabel = (x: unknown): x is TextLabel => typeof x === "string" && (LABELS as ReadonlyArray<string>).includes(x)

export const loadJsonl = (path: string, weight?: number): Array<Row> => {
  if (!existsSync(path)) throw new Error(`data file not found: ${path}`)
  const rows: Array<Row> = []
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (line.trim() === "") continue
    const o: unknown = JSON.parse(line)
    if (typeof o !== "object" || o === null) continue
    const r = o as Record<string, unknown>
    if (typeof r.text !== "string" || !isLabel(r.label)) continue
    const source = typeof r.source === "string" ? r.source : "unknown"
    rows.push(weight === undefined ? { text: r.text, label: r.label, source } : { text: r.text, label: r.label, source, weight })
  }
  return rows
}

export const loadTrainingOnly = (weight?: number): Array<Row> => TRAINING_ONLY.flatMap((p) => loadJsonl(p, weight))

/** Source family: `mt-bench:math:turn2` → `mt-bench`. */
export const sourceGroup = (source: string): string => source.split(":")[0] ?? source

export interface Report {
  readonly n: number
  readonly accuracy: number
  readonly macroF1: number
  readonly perClass: ReadonlyArray<{ label: TextLabel; precision: number; recall: number; f1: number; support: number }>
  readonly confusion: ReadonlyArray<ReadonlyArray<number>>
}

export const report = (gold: ReadonlyArray<number>, pred: ReadonlyArray<number>): Report => {
  const K = LABELS.length
  const confusion = Array.from({ length: K }, () => new Array<number>(K).fill(0))
  let correct = 0
  gold.forEach((g, i) => {
    const p = pred[i] ?? 0
    const row = confusion[g]
    if (row) row[p] = (row[p] ?? 0) + 1
    if (g === p) correct++
  })
  const perClass = LABELS.map((label, k) => {
    const tp = confusion[k]?.[k] ?? 0
    const support = (confusion[k] ?? []).reduce((a, b) => a + b, 0)
    const predicted = confusion.reduce((a, row) => a + (row[k] ?? 0), 0)
    const precision = predicted > 0 ? tp / predicted : 0
    const recall = support > 0 ? tp / support : 0
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0
    return { label, precision, recall, f1, support }
  })
  const macroF1 = perClass.reduce((a, c) => a + c.f1, 0) / K
  return { n: gold.length, accuracy: gold.length > 0 ? correct / gold.length : 0, macroF1, perClass, confusion }
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`.padStart(7)

export const formatReport = (title: string, r: Report): string => {
  const lines = [`## ${title}  (n=${r.n})`, `accuracy ${pct(r.accuracy)}   macro-F1 ${r.macroF1.toFixed(3)}`, ""]
  lines.push("class        precision  recall      F1  support")
  for (const c of r.perClass)
    lines.push(`${c.label.padEnd(12)} ${pct(c.precision)}   ${pct(c.recall)} ${c.f1.toFixed(3).padStart(7)}  ${String(c.support).padStart(7)}`)
  lines.push("", `confusion (rows = gold, cols = predicted)`, `${"".padEnd(12)}${LABELS.map((l) => l.padStart(10)).join("")}`)
  r.confusion.forEach((row, k) => lines.push(`${(LABELS[k] ?? "").padEnd(12)}${row.map((v) => String(v).padStart(10)).join("")}`))
  return lines.join("\n")
}

/** One line per key (source family / label): correct / total and percentage. */
export const accuracyBySource = (keys: ReadonlyArray<string>, gold: ReadonlyArray<number>, pred: ReadonlyArray<number>): string => {
  const byKey = new Map<string, { n: number; ok: number }>()
  keys.forEach((key, i) => {
    const s = byKey.get(key) ?? { n: 0, ok: 0 }
    s.n++
    if (pred[i] === gold[i]) s.ok++
    byKey.set(key, s)
  })
  return [...byKey]
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([k, s]) => `  ${k.padEnd(40)} ${String(s.ok).padStart(4)}/${String(s.n).padEnd(4)} ${((100 * s.ok) / s.n).toFixed(0).padStart(4)}%`)
    .join("\n")
}

/** The misclassified rows, one line each: gold -> predicted, source, start of the text. */
export const formatErrors = (rows: ReadonlyArray<Row>, gold: ReadonlyArray<number>, pred: ReadonlyArray<number>): string =>
  rows
    .flatMap((r, i) => (pred[i] === gold[i] ? [] : [`  [${r.label} -> ${LABELS[pred[i] ?? 0]}] ${r.source}: ${JSON.stringify(r.text.slice(0, 140))}`]))
    .join("\n")
