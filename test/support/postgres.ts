/**
 * A throwaway PostgreSQL cluster for tests: `initdb` into a temp dir, started with `pg_ctl` on a
 * free 127.0.0.1 port (its socket in the same temp dir), password authentication over TCP, stopped
 * and removed at the end. Postgres refuses to run as root: as root, every server command runs as
 * the `postgres` user (`runuser`), which owns the temp dir. Found under
 * `/usr/lib/postgresql/<version>/bin` (Debian's `postgresql` package) or `$POSTGRES_BIN`.
 * Durability is off (fsync, full-page writes): these clusters hold nothing worth keeping.
 */
import { execFileSync, spawnSync } from "node:child_process"
import { chmodSync, chownSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { findProgram, type SystemTool } from "./systemTools.js"

const installed = (): ReadonlyArray<string> => {
  try {
    return readdirSync("/usr/lib/postgresql").sort((a, b) => Number(b) - Number(a)).map((v) => `/usr/lib/postgresql/${v}/bin/initdb`)
  } catch {
    return []
  }
}

/** The directory holding `initdb`, `pg_ctl` and `postgres`. */
export const postgresTool = (): SystemTool => {
  const explicit = process.env.POSTGRES_BIN
  const initdb = findProgram("POSTGRES_INITDB", [...(explicit === undefined ? [] : [Path.join(explicit, "initdb")]), ...installed()])
  return {
    name: "postgresql",
    path: initdb === undefined ? undefined : Path.dirname(initdb),
    howTo: "apt-get install postgresql (or set POSTGRES_BIN to the directory holding initdb, pg_ctl and postgres)"
  }
}

export interface PgCluster {
  /** `postgres://llmrouter:<password>@127.0.0.1:<port>/<database>`. */
  readonly url: (database?: string) => string
  readonly password: string
  /** A new, empty database (one per test keeps tests apart on one cluster). */
  readonly createDatabase: (name: string) => Promise<string>
  readonly stop: () => void
  readonly start: () => void
  readonly dispose: () => void
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      server.close(() => (typeof address === "object" && address !== null ? resolve(address.port) : reject(new Error("no port"))))
    })
  })

const runAs = (user: { uid: number; gid: number } | undefined) => (command: string, args: ReadonlyArray<string>) => {
  const [file, argv] = user === undefined ? [command, args] : ["runuser", ["-u", "postgres", "--", command, ...args]]
  const result = spawnSync(file, argv, { encoding: "utf8", timeout: 60_000 })
  if (result.status !== 0) throw new Error(`${Path.basename(command)} failed (${result.status ?? result.signal}): ${result.stderr || result.stdout}`)
  return result.stdout
}

export const startCluster = async (bin: string): Promise<PgCluster> => {
  const root = process.getuid?.() === 0
  const user = root ? { uid: Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" })), gid: Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" })) } : undefined
  const run = runAs(user)
  const dir = mkdtempSync(Path.join(tmpdir(), "llmrouter-pg-"))
  if (user !== undefined) chownSync(dir, user.uid, user.gid)
  chmodSync(dir, 0o700)
  const data = Path.join(dir, "data")
  const password = `pg-test-${Math.random().toString(36).slice(2)}-secret`
  const pwfile = Path.join(dir, "pw")
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 })
  if (user !== undefined) chownSync(pwfile, user.uid, user.gid)
  run(Path.join(bin, "initdb"), ["-D", data, "-U", "llmrouter", "--pwfile", pwfile, "--auth-host=scram-sha-256", "--auth-local=trust", "-E", "UTF8", "--locale=C", "--no-sync"])
  rmSync(pwfile)
  const port = await freePort()
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c synchronous_commit=off -c max_connections=100`
  const pgCtl = Path.join(bin, "pg_ctl")
  const start = () => run(pgCtl, ["-D", data, "-l", Path.join(dir, "log"), "-o", options, "-w", "-t", "30", "start"])
  const stop = () => run(pgCtl, ["-D", data, "-m", "fast", "-w", "stop"])
  let running = false
  const dispose = () => {
    if (running) {
      running = false
      try {
        run(pgCtl, ["-D", data, "-m", "immediate", "-w", "stop"])
      } catch {
        // already stopped
      }
    }
    rmSync(dir, { recursive: true, force: true })
  }
  // A test process that ends without `dispose` still stops its server.
  process.once("exit", dispose)
  start()
  running = true
  const url = (database = "postgres") => `postgres://llmrouter:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`
  return {
    url,
    password,
    createDatabase: async (name) => {
      const { Client } = createRequire(import.meta.url)("pg") as {
        Client: new(options: { connectionString: string }) => { connect(): Promise<void>; query(sql: string): Promise<unknown>; end(): Promise<void> }
      }
      const client = new Client({ connectionString: url() })
      await client.connect()
      try {
        await client.query(`CREATE DATABASE "${name}"`)
      } finally {
        await client.end()
      }
      return url(name)
    },
    stop: () => {
      stop()
      running = false
    },
    start: () => {
      start()
      running = true
    },
    dispose
  }
}
