/** Account files: 0600 in a 0700 directory, loose permissions refused (the wallet key's rule), one active account. */
import { Effect } from "effect"
import { chmodSync, readdirSync, statSync } from "node:fs"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import { tempDataDir, withAccounts } from "./support.js"

describe("account store", () => {
  it("generates 0600 keypairs, activates the first, switches with use, refuses loose permissions", async () => {
    const dataDir = tempDataDir()
    const [first, second] = await withAccounts(dataDir, (a) => Effect.all([a.generateAccount(), a.generateAccount({ name: "ci" })]))
    expect(first?.active).toBe(true)
    expect(second?.active).toBe(false)
    const dir = Path.join(dataDir, "accounts")
    expect(statSync(dir).mode & 0o777).toBe(0o700)
    for (const file of readdirSync(dir)) expect(statSync(Path.join(dir, file)).mode & 0o777).toBe(0o600)

    const used = await withAccounts(dataDir, (a) => a.useAccount("ci"))
    expect(used).toMatchObject({ name: "ci", active: true })
    expect((await withAccounts(dataDir, (a) => a.listAccounts)).filter((x) => x.active).map((x) => x.name)).toEqual(["ci"])
    await expect(withAccounts(dataDir, (a) => Effect.flip(a.generateAccount({ name: "ci" })))).resolves.toMatchObject({ message: expect.stringContaining("already exists") })

    chmodSync(Path.join(dir, `${first?.id}.json`), 0o644)
    const refused = await withAccounts(dataDir, (a) => Effect.flip(a.listAccounts))
    expect(refused.message).toContain("Refusing to use the account key file")
    expect(refused.message).toContain("chmod 600")
  })

  it("keygen without an account says what to run", async () => {
    const error = await withAccounts(tempDataDir(), (a) => Effect.flip(a.mintKey({ all: true })))
    expect(error.message).toContain("llmrouter account generate")
  })
})
