/**
 * Imports point down the layers: the services under the request path (config, providers, health,
 * payments, metrics, the Router and its `routing/`…) never import what is built on them — the
 * Router's own service module, Accounts, the HTTP surface, the client-facing codecs, the CLI, the
 * composition — so shared types live down where both sides can reach them (`routing/response.ts`).
 */
import { readdirSync, readFileSync } from "node:fs"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"

const SRC = Path.resolve(import.meta.dirname, "../src")

const sources = (dir: string): ReadonlyArray<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = Path.join(dir, entry.name)
    return entry.isDirectory() ? sources(path) : entry.name.endsWith(".ts") ? [path] : []
  })

/** Each relative import of `file`, as a path under `src/` (`routing/report.ts`). */
const importsOf = (file: string): ReadonlyArray<string> =>
  [...readFileSync(file, "utf8").matchAll(/(?:import|export)\s[^;]*?\sfrom\s+"(\.{1,2}\/[^"]+)"/gs)].map((match) =>
    Path.relative(SRC, Path.resolve(Path.dirname(file), match[1] as string)).replace(/\.js$/, ".ts"))

/** The request path's services and their folders. */
const LOWER_FOLDERS = ["classifier", "config", "conversations", "errors", "files", "health", "metrics", "payments", "providers", "reasoning", "redaction", "routing", "store", "streams", "transport", "wallet"]
const LOWER_FILES = ["Classifier.ts", "Config.ts", "Conversations.ts", "Health.ts", "Metrics.ts", "Payments.ts", "ProviderPool.ts", "Router.ts", "Secrets.ts", "Store.ts", "Wallet.ts", "logging.ts", "version.ts"]

/** What is built on them. */
const isAbove = (path: string) =>
  ["Accounts.ts", "Server.ts", "layers.ts", "index.ts", "cli.ts"].includes(path) || /^(accounts|cli|http|ingress)\//.test(path)

const isLower = (path: string) =>
  path.includes("/") ? LOWER_FOLDERS.includes(path.split("/")[0] as string) : LOWER_FILES.includes(path)

describe("imports point down the layers", () => {
  const files = sources(SRC).map((file) => ({ path: Path.relative(SRC, file), imports: importsOf(file) }))

  it("finds the sources and their imports (the check below is not vacuous)", () => {
    const report = files.find((f) => f.path === "routing/report.ts")
    expect(report?.imports).toContain("routing/response.ts")
    expect(files.filter((f) => isLower(f.path)).length).toBeGreaterThan(100)
  })

  it("no service under the request path imports one built on it", () => {
    const upward = files
      .filter((f) => isLower(f.path))
      .flatMap((f) => f.imports.filter((target) => isAbove(target) || (target === "Router.ts" && f.path !== "Router.ts")).map((target) => `${f.path} → ${target}`))
    expect(upward).toEqual([])
  })
})
