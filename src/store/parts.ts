/**
 * The durable parts of the state. Each has its own migrations (`migrations.ts`); on SQLite each is
 * a file of its own in the data dir (so neither schema nor lock traffic is shared), on Postgres
 * they are tables of one database.
 */
import * as Path from "node:path"

export type StorePart = "ledger" | "keys" | "responses"

/** (`responses` lives in the database on Postgres only: on SQLite, stored Responses are files.) */
const sqliteFiles: Record<StorePart, string> = { ledger: "payments.sqlite", keys: "keys.sqlite", responses: "responses.sqlite" }

export const sqlitePath = (dataDir: string, part: StorePart) => Path.join(dataDir, sqliteFiles[part])
