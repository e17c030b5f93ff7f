/**
 * Raw HTTP helpers for tests that need control `fetch` does not give: any `Host` / `Origin`
 * header, a chunked body without `content-length`, bytes that are not JSON.
 */
import { request as httpRequest, type IncomingHttpHeaders } from "node:http"
import type { Upstream } from "./openaiUpstream.js"

export interface RawResponse {
  readonly status: number
  readonly headers: IncomingHttpHeaders
  readonly text: string
  /** The body parsed as JSON (undefined when it is not JSON). */
  readonly json: unknown
}

export interface RawRequest {
  readonly method?: string
  readonly headers?: Readonly<Record<string, string>>
  /** Sent with `content-length` unless `chunked`. */
  readonly body?: string | Buffer
  /** Send the body with `transfer-encoding: chunked` (no `content-length`), in pieces of `chunkSize`. */
  readonly chunked?: boolean
  readonly chunkSize?: number
}

/** One request on a fresh connection (no agent), so a refused request cannot poison the next one. */
export const rawRequest = (url: string, options: RawRequest = {}): Promise<RawResponse> =>
  new Promise((resolve, reject) => {
    const body = options.body === undefined ? undefined : Buffer.from(options.body)
    const headers: Record<string, string> = { ...options.headers }
    if (body !== undefined && options.chunked !== true) headers["content-length"] = String(body.length)
    if (options.chunked === true) headers["transfer-encoding"] = "chunked"
    const req = httpRequest(url, { method: options.method ?? "GET", headers, agent: false }, (res) => {
      const chunks: Array<Buffer> = []
      res.on("data", (chunk: Buffer) => chunks.push(chunk))
      res.on("error", reject)
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8")
        let json: unknown
        try {
          json = JSON.parse(text)
        } catch {
          json = undefined
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json })
      })
    })
    req.on("error", reject)
    if (body !== undefined && options.chunked === true) {
      const size = options.chunkSize ?? 256
      for (let offset = 0; offset < body.length; offset += size) req.write(body.subarray(offset, offset + size))
    } else if (body !== undefined) {
      req.write(body)
    }
    req.end()
  })

export const postJson = (url: string, body: unknown, headers: Readonly<Record<string, string>> = {}) =>
  rawRequest(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body)
  })

/** A one-shot signal between a test and its stub upstream: `open()` resolves `opened`. */
export const latch = () => {
  let open = () => {}
  const opened = new Promise<void>((resolve) => (open = resolve))
  return { opened, open }
}

export const chatBody = (model: string, extra: Record<string, unknown> = {}) => ({
  model,
  messages: [{ role: "user", content: "hi" }],
  ...extra
})

/** Asserts every key of the error is there, `code` and `param` included (possibly null). */
export const errorOf = (json: unknown) => {
  const error = (json as { error?: Record<string, unknown> } | undefined)?.error
  if (error === undefined) throw new Error(`not an OpenAI error body: ${JSON.stringify(json)}`)
  for (const key of ["message", "type", "code", "param"]) {
    if (!(key in error)) throw new Error(`error body lacks '${key}': ${JSON.stringify(json)}`)
  }
  return error as { message: string; type: string; code: string | null; param: string | null }
}

/** A port nothing listens on: bind, note the port, close. */
export const closedPort = async (): Promise<number> => {
  const { createServer } = await import("node:net")
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const address = server.address()
  const port = typeof address === "object" && address !== null ? address.port : 0
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/** Closes whatever was started in a test, in reverse order, ignoring what was never started. */
export class Resources {
  private readonly closers: Array<() => Promise<void>> = []
  add<A extends { close(): Promise<void> }>(resource: A): A {
    this.closers.push(() => resource.close())
    return resource
  }
  async closeAll(): Promise<void> {
    const closers = this.closers.splice(0).reverse()
    for (const close of closers) await close().catch(() => undefined)
  }
}

/** Upstream request bodies' `model` fields, in order. */
export const modelsSeen = (upstream: Upstream) => upstream.received.map((r) => r.body.model)
