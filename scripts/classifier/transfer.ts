/**
 * Transfer evaluations between the dev set and the training-only files
 * (extra.jsonl, public.jsonl). They answer questions CV on dev cannot:
 *  - does the new data alone teach what dev tests (train new → test dev)?
 *  - does dev alone cover the new data (train dev → test new)?
 *  - leave one training-only source out: train on dev and every other
 *    source, score the held-out one. This is the honest figure for each
 *    new family, since none of its rows is seen in training.
 */
import { accuracyBySource, formatErrors, formatReport, report } from "./data.js"
import { featurize, predict, train, type Example, type Row, type TrainOptions } from "./trainer.js"

const scoreOn = (trainSet: ReadonlyArray<Example>, test: ReadonlyArray<Example>, opts: TrainOptions): Array<number> => {
  const model = train(trainSet, opts)
  return test.map((e) => predict(model, e))
}

const perSource = (rows: ReadonlyArray<Row>, gold: ReadonlyArray<number>, pred: ReadonlyArray<number>): string =>
  accuracyBySource(rows.map((r) => `${r.source}/${r.label}`), gold, pred)

export const runTransfer = (devRows: ReadonlyArray<Row>, newRows: ReadonlyArray<Row>, opts: TrainOptions, showErrors: boolean): void => {
  const dev = featurize(devRows)
  const extra = featurize(newRows)
  const devGold = dev.map((e) => e.y)
  const newGold = extra.map((e) => e.y)

  console.log(`\n${formatReport("transfer: train on training-only files, test on dev", report(devGold, scoreOn(extra, dev, opts)))}`)

  const fromDev = scoreOn(dev, extra, opts)
  console.log(`\n${formatReport("transfer: train on dev, test on training-only files", report(newGold, fromDev))}`)
  console.log(perSource(newRows, newGold, fromDev))

  // Leave one training-only source out.
  const held = new Array<number>(extra.length).fill(0)
  for (const source of [...new Set(newRows.map((r) => r.source))].sort()) {
    const trainSet: Array<Example> = [...dev]
    const testIdx: Array<number> = []
    newRows.forEach((r, i) => (r.source === source ? testIdx.push(i) : trainSet.push(extra[i] as Example)))
    const model = train(trainSet, opts)
    for (const i of testIdx) held[i] = predict(model, extra[i] as Example)
  }
  console.log(`\n${formatReport("leave one training-only source out (train dev + the other sources)", report(newGold, held))}`)
  console.log(perSource(newRows, newGold, held))
  if (showErrors) console.log(`\nleave-one-source-out errors\n${formatErrors(newRows, newGold, held)}`)
}

/** Train on dev + training-only rows, score an external labelled file (never trained on). */
export const runExternalTest = (trainRows: ReadonlyArray<Row>, testRows: ReadonlyArray<Row>, opts: TrainOptions, showErrors: boolean): void => {
  const test = featurize(testRows)
  const gold = test.map((e) => e.y)
  const pred = scoreOn(featurize(trainRows), test, opts)
  console.log(`\n${formatReport("external test file (train dev + training-only files)", report(gold, pred))}`)
  console.log(perSource(testRows, gold, pred))
  if (showErrors) console.log(`\nexternal errors\n${formatErrors(testRows, gold, pred)}`)
}
