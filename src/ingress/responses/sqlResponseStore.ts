/**
 * Stored Responses on the shared database (the Store's `responses` part, Postgres): one row per
 * response, so a follow-up naming `previous_response_id` may reach any router. Bounded like the
 * files: expired rows are never served, and each write drops the expired, then the oldest beyond
 * `maxCount` and beyond `maxBytes` (newest kept first). A database that cannot be reached fails a
 * read with 503 (never "unknown id"); a write that fails only costs that response its follow-up.
 */
import { Effect } from "effect"
import { StateUnavailable } from "../../errors/request.js"
import type { StoreService } from "../../Store.js"
import { parseStored, type ResponseLimits, type ResponseStoreService, type StoredResponse, VALID_ID } from "./stored.js"

export const makeSqlResponseStore = (store: StoreService, limits: ResponseLimits): ResponseStoreService => {
  const get = (id: string) =>
    !VALID_ID.test(id)
      ? Effect.succeed(undefined)
      : store.use("responses", (sql) =>
        Effect.map(
          sql<{ readonly body: unknown }>`SELECT body FROM stored_responses WHERE id = ${id} AND created_at > ${Date.now() - limits.ttlMs}`,
          (rows): StoredResponse | undefined => {
            const body = rows[0]?.body
            try {
              return typeof body === "string" ? parseStored(body, id) : undefined
            } catch {
              return undefined
            }
          }
        )).pipe(
          Effect.mapError((error) =>
            new StateUnavailable({ message: `Stored responses cannot be read right now (${error.message}); retry shortly.`, code: "response_store_unavailable" }))
        )

  const put = (response: StoredResponse) => {
    if (limits.maxCount === 0 || !VALID_ID.test(response.id)) return Effect.void
    const body = JSON.stringify(response)
    const bytes = Buffer.byteLength(body)
    if (bytes > limits.maxBytes) return Effect.void
    const now = Date.now()
    return store.use("responses", (sql) =>
      sql.withTransaction(Effect.gen(function*() {
        yield* sql`INSERT INTO stored_responses (id, created_at, bytes, body) VALUES (${response.id}, ${now}, ${bytes}, ${body})
          ON CONFLICT (id) DO NOTHING`
        yield* sql`DELETE FROM stored_responses WHERE created_at <= ${now - limits.ttlMs}`
        yield* sql`DELETE FROM stored_responses WHERE id IN (
          SELECT id FROM (
            SELECT id, ROW_NUMBER() OVER (ORDER BY created_at DESC, id DESC) AS n,
                   SUM(bytes) OVER (ORDER BY created_at DESC, id DESC) AS running
              FROM stored_responses) AS ranked
           WHERE n > ${limits.maxCount} OR running > ${limits.maxBytes})`
      }))).pipe(
        // The answer the client is waiting for must not fail: this response is just not continuable.
        Effect.catchAll((error) => Effect.logWarning("could not store a response", { id: response.id, error: error.message }))
      )
  }

  return { get, put }
}
