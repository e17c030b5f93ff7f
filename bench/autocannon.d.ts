/** The slice of autocannon 8's programmatic API the bench uses (the package ships no types). */
declare module "autocannon" {
  import type { EventEmitter } from "node:events"

  export interface Options {
    readonly url: string
    readonly connections?: number
    readonly pipelining?: number
    readonly duration?: number
    readonly amount?: number
    readonly timeout?: number
    readonly method?: string
    readonly headers?: Record<string, string>
    readonly body?: string | Buffer
  }

  export interface Result {
    readonly duration: number
    readonly errors: number
    readonly timeouts: number
    readonly non2xx: number
    readonly resets: number
    readonly "2xx": number
    readonly requests: { readonly total: number; readonly sent: number; readonly average: number }
    readonly latency: { readonly p50: number; readonly p99: number; readonly totalCount: number }
  }

  export interface Instance extends EventEmitter {
    on(event: "response", listener: (client: unknown, statusCode: number, bytes: number, ms: number) => void): this
    on(event: "reqError", listener: (error: Error) => void): this
    on(event: "done", listener: (result: Result) => void): this
    stop(): void
  }

  function autocannon(options: Options, callback: (error: Error | null, result: Result) => void): Instance

  export default autocannon
}
