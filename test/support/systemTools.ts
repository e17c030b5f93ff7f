/**
 * Tests that need a program from the system (a browser, a second Node major; a database server
 * later): the program is found, or the suite is skipped with one line saying what it needs and
 * how to get it, so `npm test` passes with Node alone. `LLMROUTER_REQUIRE_SYSTEM_TESTS=1` (set by
 * `.ci/run`) makes the same suites mandatory: a missing program fails them instead.
 */
import { existsSync } from "node:fs"
import { describe, it } from "vitest"

export const REQUIRE_SYSTEM_TESTS = "LLMROUTER_REQUIRE_SYSTEM_TESTS"

export const systemTestsRequired = (): boolean => process.env[REQUIRE_SYSTEM_TESTS] === "1"

export interface SystemTool {
  readonly name: string
  /** Where it is, or undefined when this machine does not have it. */
  readonly path: string | undefined
  /** One command (or setting) that provides it. */
  readonly howTo: string
}

/** The first of `candidates` that exists (an explicit path from `env` first). */
export const findProgram = (env: string, candidates: ReadonlyArray<string>): string | undefined => {
  const explicit = process.env[env]
  if (explicit !== undefined && explicit !== "") return existsSync(explicit) ? explicit : undefined
  return candidates.find((path) => existsSync(path))
}

export const chromium = (): SystemTool => ({
  name: "chromium",
  path: findProgram("CHROMIUM_PATH", ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]),
  howTo: "apt-get install chromium (or set CHROMIUM_PATH)"
})

/**
 * `describe(name, body)` with the tool's path when it is there; otherwise a skipped suite named
 * after what it needs (and one line on stderr), or, when system tests are required, a failing one.
 */
export const describeWithTool = (tool: SystemTool, name: string, body: (path: string) => void): void => {
  const path = tool.path
  if (path !== undefined) {
    describe(name, () => body(path))
    return
  }
  const need = `needs ${tool.name}: ${tool.howTo}`
  if (systemTestsRequired()) {
    describe(name, () => {
      it(need, () => {
        throw new Error(`${REQUIRE_SYSTEM_TESTS}=1 but ${tool.name} is missing: ${tool.howTo}`)
      })
    })
    return
  }
  process.stderr.write(`skipped "${name}": ${need} (${REQUIRE_SYSTEM_TESTS}=1 makes it mandatory)\n`)
  describe.skip(`${name} (${need})`, () => body(""))
}
