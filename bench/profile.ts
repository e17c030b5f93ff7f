/**
 * Summarizes a V8 `.cpuprofile` (from `BENCH_PROFILE=dir npm run bench`): self time by package /
 * source area and the top functions by self time.
 * Usage: node --import tsx bench/profile.ts <file.cpuprofile> [topN]
 * A bundled child (the router, `bench/buildRouter.ts`) is attributed to its source modules and
 * lines through the bundle's source maps (Node's own `SourceMap`).
 */
import { existsSync, readFileSync } from "node:fs"
import { SourceMap } from "node:module"
import * as Path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

interface Node {
  readonly id: number
  readonly callFrame: {
    readonly functionName: string
    readonly url: string
    readonly lineNumber: number
    readonly columnNumber: number
  }
  readonly hitCount?: number
  readonly children?: ReadonlyArray<number>
}
interface Profile {
  readonly nodes: ReadonlyArray<Node>
  readonly samples: ReadonlyArray<number>
  readonly timeDeltas: ReadonlyArray<number>
}

const [file, top = "30"] = process.argv.slice(2)
if (file === undefined) throw new Error("usage: bench/profile.ts <file.cpuprofile> [topN]")
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile

const maps = new Map<string, SourceMap | undefined>()
/** Where a position in a bundled file came from: the source file's URL and line (0-based), or `undefined`. */
const original = (url: string, line: number, column: number): { readonly url: string; readonly line: number } | undefined => {
  if (!/\/dist\/bench\/[^/]+\.js$/.test(url)) return undefined
  if (!maps.has(url)) {
    const file = `${fileURLToPath(url)}.map`
    maps.set(url, existsSync(file) ? new SourceMap(JSON.parse(readFileSync(file, "utf8")) as ConstructorParameters<typeof SourceMap>[0]) : undefined)
  }
  const entry = maps.get(url)?.findEntry(line, column)
  if (entry === undefined || !("originalSource" in entry)) return undefined
  const source = entry.originalSource.startsWith("file:") ? entry.originalSource : pathToFileURL(Path.resolve(Path.dirname(fileURLToPath(url)), entry.originalSource)).href
  return { url: source, line: entry.originalLine }
}

/** A frame's source URL and line, through the source map when it is bundled. */
const located = (frame: Node["callFrame"]) => original(frame.url, frame.lineNumber, frame.columnNumber) ?? { url: frame.url, line: frame.lineNumber }

/** Self time per node id, µs (sample i lasted timeDeltas[i + 1]). */
const self = new Map<number, number>()
profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? 0)))
const total = [...self.values()].reduce((a, b) => a + b, 0)

const area = (url: string, name: string): string => {
  if (url === "") return name.startsWith("(") ? name : "(native/builtin)"
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (pkg !== null) return pkg[1] as string
  if (url.startsWith("node:")) return `node:${url.slice(5).split("/")[0]}`
  const src = /\/(src|bench)\/(.*)$/.exec(url)
  return src === null ? url : `${src[1]}/${src[2]}`
}

/** A short location: the path inside the package or the repo. */
const where = (url: string): string => {
  const inPackage = /node_modules\/(.*)$/.exec(url)
  if (inPackage !== null) return (inPackage[1] as string).replace(/\/dist\/(esm|cjs)\//, "/")
  const src = /\/((?:src|bench)\/.*)$/.exec(url)
  return src === null ? url : (src[1] as string)
}

const byArea = new Map<string, number>()
const byFunction = new Map<string, number>()
for (const node of profile.nodes) {
  const t = self.get(node.id) ?? 0
  if (t === 0) continue
  const { functionName } = node.callFrame
  const { url, line } = located(node.callFrame)
  const a = area(url, functionName)
  byArea.set(a, (byArea.get(a) ?? 0) + t)
  const key = `${functionName || "(anonymous)"}  ${where(url) || a}:${line + 1}`
  byFunction.set(key, (byFunction.get(key) ?? 0) + t)
}

const pct = (t: number) => `${((100 * t) / total).toFixed(1).padStart(5)} %`
const print = (title: string, entries: Map<string, number>, n: number) => {
  console.log(`\n${title}`)
  for (const [name, t] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, n)) console.log(`${pct(t)}  ${name}`)
}
/** Inclusive time: a sample counts once for every distinct frame on its stack (src/ and node_modules frames). */
const parent = new Map<number, number>()
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)
const nodes = new Map(profile.nodes.map((n) => [n.id, n]))
const inclusive = new Map<string, number>()
for (const [id, t] of self) {
  const seen = new Set<string>()
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const frame = nodes.get(at)?.callFrame
    if (frame === undefined || frame.url === "" || frame.url.startsWith("node:")) continue
    const { url, line } = located(frame)
    seen.add(`${frame.functionName || "(anonymous)"}  ${where(url)}:${line + 1}`)
  }
  for (const key of seen) inclusive.set(key, (inclusive.get(key) ?? 0) + t)
}

console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled`)
print("self time by area", byArea, 25)
print("top functions by self time", byFunction, Number(top))
print("top frames by inclusive time (JS frames; Effect fibers hide most callers)", inclusive, Number(top))
