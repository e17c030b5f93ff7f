/**
 * `ResponseStore`: stored Responses API answers, so a follow-up naming `previous_response_id`
 * continues the conversation. One file per response under `<dataDir>/responses/` (0600, written
 * atomically), bounded by count, bytes and age (`storedResponses`): the oldest go first, expired
 * ones are never served. A conversation's history is kept as the router's internal chat messages.
 *
 * Files on the embedded (SQLite) store: the records are written once, read by id and dropped
 * whole, so a directory does the job, also for several routers on one data dir (a file another
 * router wrote is found on its first read). On Postgres they are rows of the shared database
 * (`sqlResponseStore.ts`), so a follow-up may reach any router.
 */
import { Context, Effect, Layer } from "effect"
import { mkdirSync, readdirSync, statSync, unlinkSync } from "node:fs"
import * as Path from "node:path"
import { Config } from "../../Config.js"
import { readSecureFile, replaceSecureFile } from "../../files/secureFile.js"
import { Store } from "../../Store.js"
import { makeSqlResponseStore } from "./sqlResponseStore.js"
import { parseStored, type ResponseLimits, type ResponseStoreService, type StoredResponse, VALID_ID } from "./stored.js"

export type { ResponseLimits, ResponseStoreService, StoredResponse } from "./stored.js"

export class ResponseStore extends Context.Tag("llmrouter/ResponseStore")<ResponseStore, ResponseStoreService>() {}

interface Entry {
  readonly id: string
  readonly at: number
  readonly bytes: number
}

export const makeFileStore = (dir: string, limits: ResponseLimits): ResponseStoreService => {
  const file = (id: string) => Path.join(dir, `${id}.json`)
  // Oldest first; rebuilt from the directory at start.
  const entries: Array<Entry> = []
  let total = 0
  const remove = (id: string) => {
    try {
      unlinkSync(file(id))
    } catch {
      // already gone
    }
  }
  const load = () => {
    let names: Array<string> = []
    try {
      names = readdirSync(dir)
    } catch {
      return
    }
    for (const name of names) {
      const id = name.slice(0, -".json".length)
      if (!name.endsWith(".json") || !VALID_ID.test(id)) continue
      try {
        const stat = statSync(file(id))
        entries.push({ id, at: stat.mtimeMs, bytes: stat.size })
        total += stat.size
      } catch {
        // removed meanwhile
      }
    }
    entries.sort((a, b) => a.at - b.at)
  }
  /** Drops expired entries and the oldest beyond the bounds. */
  const trim = (now: number) => {
    while (entries.length > 0) {
      const oldest = entries[0] as Entry
      if (oldest.at > now - limits.ttlMs && entries.length <= limits.maxCount && total <= limits.maxBytes) break
      entries.shift()
      total -= oldest.bytes
      remove(oldest.id)
    }
  }
  load()
  trim(Date.now())

  const get = (id: string) =>
    Effect.sync((): StoredResponse | undefined => {
      if (!VALID_ID.test(id)) return undefined
      try {
        // Not in our index: another router on this data dir may have written it since we started.
        const at = entries.find((e) => e.id === id)?.at ?? statSync(file(id)).mtimeMs
        if (at <= Date.now() - limits.ttlMs) return undefined
        const text = readSecureFile(file(id), { label: "the stored response" })
        return text === undefined ? undefined : parseStored(text, id)
      } catch {
        return undefined
      }
    })

  const put = (response: StoredResponse) =>
    Effect.sync(() => {
      if (limits.maxCount === 0 || !VALID_ID.test(response.id)) return
      const text = JSON.stringify(response)
      const bytes = Buffer.byteLength(text)
      if (bytes > limits.maxBytes) return
      mkdirSync(dir, { recursive: true, mode: 0o700 })
      replaceSecureFile(file(response.id), text)
      entries.push({ id: response.id, at: Date.now(), bytes })
      total += bytes
      trim(Date.now())
    }).pipe(
      // A full disk must not fail the answer the client is waiting for: that response is just not continuable.
      Effect.catchAllDefect((defect) => Effect.logWarning("could not store a response", { id: response.id, error: String(defect) }))
    )

  return { get, put }
}

export const layer = Layer.effect(
  ResponseStore,
  Effect.gen(function*() {
    const { config, dataDir } = yield* Config
    const limits: ResponseLimits = {
      ttlMs: config.storedResponses.ttlHours * 3_600_000,
      maxCount: config.storedResponses.maxCount,
      maxBytes: config.storedResponses.maxMegabytes * 1024 * 1024
    }
    return config.store.kind === "postgres"
      ? makeSqlResponseStore(yield* Store, limits)
      : makeFileStore(Path.join(dataDir, "responses"), limits)
  })
)
