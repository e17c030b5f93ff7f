/**
 * A minimal writer for the Prometheus text exposition format (version 0.0.4): `# HELP` / `# TYPE`
 * per family, then its samples, label values escaped, histograms as cumulative `_bucket{le}` plus
 * `_sum` and `_count`.
 */

export const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

export type Labels = Readonly<Record<string, string>>

export class Exposition {
  private readonly lines: Array<string> = []

  family(name: string, type: "counter" | "gauge" | "histogram", help: string): this {
    this.lines.push(`# HELP ${name} ${help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}`, `# TYPE ${name} ${type}`)
    return this
  }

  sample(name: string, labels: Labels, value: number): this {
    this.lines.push(`${name}${labelText(labels)} ${formatValue(value)}`)
    return this
  }

  /** `counts[i]` is the number of observations in bucket i (not cumulative); the last one is +Inf. */
  histogram(name: string, labels: Labels, bounds: ReadonlyArray<number>, counts: ArrayLike<number>, sum: number): this {
    let cumulative = 0
    for (let i = 0; i <= bounds.length; i++) {
      cumulative += counts[i] ?? 0
      const le = i < bounds.length ? formatValue(bounds[i] as number) : "+Inf"
      this.lines.push(`${name}_bucket${labelText({ ...labels, le })} ${formatValue(cumulative)}`)
    }
    this.lines.push(`${name}_sum${labelText(labels)} ${formatValue(sum)}`, `${name}_count${labelText(labels)} ${formatValue(cumulative)}`)
    return this
  }

  toString(): string {
    return this.lines.length === 0 ? "" : `${this.lines.join("\n")}\n`
  }
}

const labelText = (labels: Labels): string => {
  const entries = Object.entries(labels)
  if (entries.length === 0) return ""
  return `{${entries.map(([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/"/g, "\\\"").replace(/\n/g, "\\n")}"`).join(",")}}`
}

const formatValue = (value: number): string => {
  if (Number.isNaN(value)) return "NaN"
  if (value === Infinity) return "+Inf"
  if (value === -Infinity) return "-Inf"
  return String(value)
}
