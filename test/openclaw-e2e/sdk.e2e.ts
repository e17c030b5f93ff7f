/** The adapter type-checks against the real `openclaw` plugin SDK (see conformance.ts). */
import { spawnSync } from "node:child_process"
import * as Path from "node:path"
import { expect, it } from "vitest"
import { ensureHost, repoRoot } from "./host.js"

it("compiles against the published openclaw plugin-sdk types", () => {
  ensureHost()
  const tsc = Path.join(repoRoot, "node_modules", "typescript", "bin", "tsc")
  const result = spawnSync(process.execPath, [tsc, "-p", Path.join(repoRoot, "test", "openclaw-e2e", "tsconfig.json")], {
    cwd: repoRoot,
    encoding: "utf8"
  })
  // Only the adapter's conformance matters here; the rest of the package has its own typecheck.
  const ours = (result.stdout + result.stderr).split("\n").filter((line) => /^(openclaw|test\/openclaw-e2e)\//.test(line))
  expect(ours).toEqual([])
}, 180_000)
