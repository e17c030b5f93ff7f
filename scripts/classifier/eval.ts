/**
 * Cross-validated evaluation of the text classifier.
 *
 *   node --import tsx scripts/classifier/eval.ts [data.jsonl] [--folds 5] [--no-extra] [--errors] [--grouped-only | --skip-cv]
 *     [--transfer] [--test other.jsonl] [--lambda-hash x] [--lambda-dense x] [--iterations n] [--extra-weight w]
 *
 * Prints two estimates, both trained with the production feature code and
 * trainer: stratified k-fold CV, and grouped CV (leave one source family out),
 * which is the more honest guess at held-out quality because the held-out set
 * comes mostly from other sources. The training-only rows (extra.jsonl,
 * public.jsonl) are only ever added to the training side of a dev split;
 * `--transfer` scores them too (see transfer.ts), `--test` scores a labelled
 * file nobody trains on.
 */
import { fnvString } from "../../src/classifier/hash.js"
import { LABELS } from "../../src/classifier/model.js"
import { accuracyBySource, DEFAULT_DATA, formatErrors, formatReport, loadJsonl, loadTrainingOnly, report, sourceGroup } from "./data.js"
import { runExternalTest, runTransfer } from "./transfer.js"
import { DEFAULT_OPTIONS, featurize, predict, train, type Example, type TrainOptions } from "./trainer.js"

const args = process.argv.slice(2)
const flag = (name: string): boolean => args.includes(name)
const option = (name: string): string | undefined => {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : undefined
}
const optionValues = new Set(["--folds", "--lambda-hash", "--lambda-dense", "--iterations", "--extra-weight", "--test"].flatMap((o) => [option(o)]))
const path = args.find((a, i) => !a.startsWith("--") && !(optionValues.has(a) && args[i - 1]?.startsWith("--"))) ?? DEFAULT_DATA
const folds = Number(option("--folds") ?? 5)
const opts: TrainOptions = {
  ...DEFAULT_OPTIONS,
  ...(option("--lambda-hash") !== undefined ? { lambdaHash: Number(option("--lambda-hash")) } : {}),
  ...(option("--lambda-dense") !== undefined ? { lambdaDense: Number(option("--lambda-dense")) } : {}),
  ...(option("--iterations") !== undefined ? { iterations: Number(option("--iterations")) } : {})
}
const extraWeight = Number(option("--extra-weight") ?? 1)

const rows = loadJsonl(path)
const extraRows = flag("--no-extra") ? [] : loadTrainingOnly(extraWeight)
const examples = featurize(rows)
const extra = featurize(extraRows)
const gold = examples.map((e) => e.y)

/** Trains on every row whose key differs from the held-out key, predicts the rest. */
const crossValidate = (keyOf: (i: number) => string): Array<number> => {
  const pred = new Array<number>(examples.length).fill(0)
  const keys = [...new Set(examples.map((_, i) => keyOf(i)))].sort()
  for (const key of keys) {
    const trainSet: Array<Example> = [...extra]
    const testIdx: Array<number> = []
    examples.forEach((e, i) => (keyOf(i) === key ? testIdx.push(i) : trainSet.push(e)))
    const model = train(trainSet, opts)
    for (const i of testIdx) pred[i] = predict(model, examples[i] as Example)
  }
  return pred
}

// Stratified folds: rank rows of each class by a hash of their text, deal them round-robin.
const foldOf = new Array<number>(rows.length).fill(0)
LABELS.forEach((label) => {
  rows
    .map((r, i) => ({ i, h: fnvString(r.text), label: r.label }))
    .filter((r) => r.label === label)
    .sort((a, b) => a.h - b.h || a.i - b.i)
    .forEach((r, rank) => (foldOf[r.i] = rank % folds))
})

const t0 = performance.now()
console.log(`data: ${path} (${rows.length} rows), training-only rows: ${extra.length} (weight ${extraWeight})`)
console.log(`options: ${JSON.stringify(opts)}\n`)
if (!flag("--grouped-only") && !flag("--skip-cv")) {
  const kfold = crossValidate((i) => `fold${foldOf[i]}`)
  console.log(formatReport(`${folds}-fold stratified CV`, report(gold, kfold)))
}
if (!flag("--skip-cv")) {
  const grouped = crossValidate((i) => sourceGroup(rows[i]?.source ?? ""))
  console.log(`\n${formatReport("grouped CV (leave one source family out)", report(gold, grouped))}`)
  // Per-source accuracy under grouped CV shows which families do not transfer.
  console.log("\ngrouped-CV accuracy per source family / gold label")
  console.log(accuracyBySource(rows.map((r) => `${sourceGroup(r.source)}/${r.label}`), gold, grouped))
  if (flag("--errors")) console.log(`\ngrouped-CV errors\n${formatErrors(rows, gold, grouped)}`)
}
if (flag("--transfer")) runTransfer(rows, extraRows, opts, flag("--errors"))
const testPath = option("--test")
if (testPath !== undefined) runExternalTest([...rows, ...extraRows], loadJsonl(testPath), opts, flag("--errors"))
console.log(`\n(${((performance.now() - t0) / 1000).toFixed(1)} s)`)
