/**
 * Any supported Node runs what any supported Node wrote: the CLI's state commands (`account`,
 * `keygen`, `keys`, `spend`, `wallet`) alternate between this Node and a Node 24 (the OpenClaw
 * Gateway's) on one data dir, through the built CLI (`bin/llmrouter.js`), as a user would after an
 * install by the other Node. Under Node 24 itself the other side is the same Node on the WASM engine.
 */
import { execFile } from "node:child_process"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { promisify } from "node:util"
import { expect, it } from "vitest"
import { openLedger } from "./openLedger.js"
import { node24 } from "../support/node24.js"
import { describeWithTool } from "../support/systemTools.js"
import { payment } from "./payments.js"
import { repoRoot } from "./sides.js"

const run = promisify(execFile)
const BIN = Path.join(repoRoot, "bin", "llmrouter.js")
const newest = Number(process.versions.node.split(".")[0]) >= 24

describeWithTool(newest ? { name: "node", path: process.execPath, howTo: "" } : node24(), "state commands across Node majors", (otherNode) => {
  it("account, keygen, keys, spend and wallet read and write what the other Node wrote", async () => {
    const dataDir = mkdtempSync(Path.join(tmpdir(), "llmrouter-cross-node-"))
    const env = { ...process.env, LLMROUTER_DATA_DIR: dataDir, LLMROUTER_SQLITE: "" }
    const here = async (...args: Array<string>) => (await run(process.execPath, [BIN, ...args], { env })).stdout
    const there = async (...args: Array<string>) =>
      (await run(otherNode, [BIN, ...args], { env: newest ? { ...env, LLMROUTER_SQLITE: "wasm" } : env })).stdout

    await here("account", "generate", "--name", "main")
    const token = (await there("keygen", "--models", "openai:*", "--name", "from-there")).split("\n")[0]?.trim() ?? ""
    expect(token.split(".")).toHaveLength(3)
    await here("keygen", "--all", "--name", "from-here")
    const listed = JSON.parse(await there("keys", "list", "--json")) as ReadonlyArray<{ name: string; status: string }>
    expect(listed.map((k) => k.name).sort()).toEqual(["from-here", "from-there"])

    expect(await there("keys", "revoke", "from-here")).toContain("revoked")
    expect(await here("keys", "show", "from-here")).toMatch(/from-here .*revoked/)
    expect(JSON.parse(await here("keys", "list", "--json"))).toMatchObject([
      { name: "from-there", status: "active" },
      { name: "from-here", status: "revoked" }
    ])

    // A payment recorded here (this process, this engine) is reported there.
    const ledger = openLedger(dataDir)
    expect((await ledger.reserve(payment("cross-node"), { now: Date.now(), dailyCapMicroUsd: 5_000_000n, idempotencyWindowMs: 0 }))._tag).toBe("Reserved")
    await ledger.close()
    const spend = JSON.parse(await there("spend", "--json")) as { upstreams: ReadonlyArray<{ upstream: string; payments: number }> }
    expect(spend.upstreams).toMatchObject([{ upstream: "rungate", payments: 1 }])
    expect(JSON.parse(await here("spend", "--json"))).toMatchObject({ upstreams: [{ upstream: "rungate", payments: 1 }] })

    const address = (JSON.parse(await there("wallet", "--json")) as { address: string }).address
    expect(address).toMatch(/^0x[0-9a-fA-F]{40}$/)
    expect(JSON.parse(await here("wallet", "--json"))).toMatchObject({ address, source: "file" })
  }, 240_000)
})
