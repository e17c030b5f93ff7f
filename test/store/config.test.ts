/** `store` in the configuration: validated at start, and its URL's password never shown. */
import { Effect, Either, Layer } from "effect"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import * as Config from "../../src/Config.js"
import type { RouterConfigInput } from "../../src/config/schema.js"
import * as Store from "../../src/Store.js"

const PASSWORD = "hunter2-db-secret"

const build = (store: RouterConfigInput["store"], env: Record<string, string> = {}) =>
  Effect.runPromise(
    Effect.flatMap(Store.Store, (s) => Effect.succeed({ kind: s.kind, location: s.location })).pipe(
      Effect.provide(Store.layer.pipe(Layer.provide(Config.layerFromValue({ dataDir: mkdtempSync(Path.join(tmpdir(), "llmrouter-cfg-")), store }, { env })))),
      Effect.scoped,
      Effect.either
    )
  )

describe("store configuration", () => {
  it("defaults to SQLite in the data dir", async () => {
    expect(await build(undefined)).toMatchObject(Either.right({ kind: "sqlite" }))
  })

  it("postgres: the location names host, port and database, never the password (nothing is connected at start)", async () => {
    const built = await build({ kind: "postgres", url: "${DATABASE_URL}" }, { DATABASE_URL: `postgres://llmrouter:${PASSWORD}@127.0.0.1:1/fleet` })
    expect(built).toEqual(Either.right({ kind: "postgres", location: "postgres 127.0.0.1:1/fleet" }))
  })

  it("refuses a URL that is not postgres:// without echoing it, and names an unset variable", async () => {
    const wrong = await build({ kind: "postgres", url: `mysql://root:${PASSWORD}@db/x` })
    expect(Either.isLeft(wrong) && wrong.left.message).toContain("store.url: expected a postgres://")
    expect(JSON.stringify(wrong)).not.toContain(PASSWORD)
    const unset = await build({ kind: "postgres", url: "${NOT_SET_ANYWHERE}" })
    expect(Either.isLeft(unset) && unset.left.message).toContain("store.url refers to ${NOT_SET_ANYWHERE}, which is not set")
  })

  it("an unreachable database is a StoreUnavailable naming where, not the password", async () => {
    const result = await Effect.runPromise(
      Effect.flatMap(Store.Store, (s) => Effect.either(s.use("keys", (sql) => sql`SELECT 1`))).pipe(
        Effect.provide(Store.layer.pipe(Layer.provide(Config.layerFromValue({
          dataDir: mkdtempSync(Path.join(tmpdir(), "llmrouter-cfg-")),
          store: { kind: "postgres", url: `postgres://llmrouter:${PASSWORD}@127.0.0.1:1/fleet`, timeoutMs: 2_000 }
        })))),
        Effect.scoped
      )
    )
    expect(Either.isLeft(result) && result.left._tag).toBe("StoreUnavailable")
    expect(Either.isLeft(result) && result.left.message).toContain("postgres 127.0.0.1:1/fleet")
    expect(JSON.stringify(result)).not.toContain(PASSWORD)
  })
})
