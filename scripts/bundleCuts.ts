/**
 * Dependency code our bundled programs never run, cut at bundle time (esbuild plugin). Each cut
 * names the module, the one importer it is cut for, and why that code cannot run in our programs.
 * Whatever is cut is replaced by a stand-in whose every entry point fails with a clear message, so
 * a future use surfaces at once instead of misbehaving; a named import the stand-in lacks fails
 * the build. Measured on the bench router (`npm run bench:startup` prints idle RSS): together
 * about 1.4 MB less code evaluated and held at start-up.
 *
 * Tests run from source with the real packages; `test/build.test.ts` checks the cuts hold.
 */
import type { Plugin } from "esbuild"

const NAMESPACE = "llmrouter-cut"

/** The stand-in for an unreachable entry point: fails loudly if ever reached. */
const UNREACHABLE = (what: string) =>
  `() => { throw new Error(${JSON.stringify(`${what} is not part of llmrouter's bundle (scripts/bundleCuts.ts)`)}) }`

interface Cut {
  /** The import specifier, as written in the importer. */
  readonly specifier: string
  /** Which importer: a path suffix (`/`-separated), or "ours" (any file outside node_modules). */
  readonly importer: string
  /** The stand-in module's source. Its own imports resolve from the project root. */
  readonly contents: string
}

export const CUTS: ReadonlyArray<Cut> = [
  {
    // undici's index evaluates all of undici at import (fetch, WebSocket, caches, mocks, interceptors:
    // ~1 MB). We use one `Agent` and its `request`; the index attaches `request` and the other
    // calls to every dispatcher, so this does the same. A name we do not export fails the build.
    specifier: "undici",
    importer: "ours",
    contents: `import Agent from "undici/lib/dispatcher/agent.js"
import Dispatcher from "undici/lib/dispatcher/dispatcher.js"
import api from "undici/lib/api/index.js"
Object.assign(Dispatcher.prototype, api)
export { Agent }`
  },
  {
    // @effect/platform-node re-exports undici (`Undici`, for its undici HTTP client, which we do
    // not use). A re-export of CommonJS keeps the whole package in: any name imported from the
    // platform's index might come from it.
    specifier: "undici",
    importer: "@effect/platform-node/dist/esm/Undici.js",
    contents: `export default undefined`
  },
  {
    // effect's Schema imports fast-check for `arbitrary` annotations (property-test data), which
    // only `Arbitrary.make` runs; fast-check and pure-rand evaluate ~85 KB at import.
    specifier: "fast-check",
    importer: "effect/dist/esm/FastCheck.js",
    contents: `export const array = ${UNREACHABLE("fast-check (Arbitrary)")}`
  },
  {
    // @effect/platform-node's HTTP server module also defines `NodeHttpServer.make` (it listens and
    // upgrades WebSockets with ws). We take only `makeHandler` on our own server: ws never runs.
    specifier: "ws",
    importer: "@effect/platform-node/dist/esm/internal/httpServer.js",
    contents: `export const WebSocketServer = ${UNREACHABLE("ws (WebSocket server)")}
export const WebSocket = WebSocketServer`
  },
  {
    // ...and its test layer's HTTP client, which pulls in undici's index again.
    specifier: "../NodeHttpClient.js",
    importer: "@effect/platform-node/dist/esm/internal/httpServer.js",
    contents: `import * as Layer from "effect/Layer"
const cut = () => Layer.die(new Error("NodeHttpClient is not part of llmrouter's bundle (scripts/bundleCuts.ts)"))
export const layerWithoutAgent = cut()
export const makeAgentLayer = cut`
  },
  {
    // ...and the Node context its own layers provide (file system, command executor, terminal,
    // workers, and the built-ins they load). Our server provides none of these.
    specifier: "../NodeContext.js",
    importer: "@effect/platform-node/dist/esm/internal/httpServer.js",
    contents: `import * as Layer from "effect/Layer"
export const layer = Layer.die(new Error("NodeContext is not part of llmrouter's bundle (scripts/bundleCuts.ts)"))`
  },
  {
    // undici's HTTP/2 client (loads Node's http2, tls and dns at import) runs only for an Agent
    // made with \`allowH2\`; ours speaks HTTP/1.1 (src/transport/UpstreamClient.ts).
    specifier: "./client-h2.js",
    importer: "undici/lib/dispatcher/client.js",
    contents: `module.exports = ${UNREACHABLE("undici's HTTP/2 client")}`
  },
  {
    // ...and `HttpPlatform` (file responses by MIME type): its layer is never provided by our server,
    // and mime builds its ~1,000-type tables at import.
    specifier: "mime",
    importer: "@effect/platform-node/dist/esm/internal/httpPlatform.js",
    contents: `export default { getType: ${UNREACHABLE("mime (file responses)")} }`
  }
]

const importedBy = (importer: string, wanted: string) =>
  wanted === "ours" ? !importer.includes("/node_modules/") : importer.endsWith(`/${wanted}`)

export const bundleCuts = (root: string): Plugin => ({
  name: "llmrouter-bundle-cuts",
  setup(build) {
    CUTS.forEach((cut, index) => {
      const filter = new RegExp(`^${cut.specifier.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}$`)
      build.onResolve({ filter }, (args) =>
        importedBy(args.importer.replaceAll("\\", "/"), cut.importer)
          ? { path: String(index), namespace: NAMESPACE }
          : undefined)
    })
    build.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => ({
      contents: CUTS[Number(args.path)]?.contents ?? "",
      loader: "js",
      resolveDir: root
    }))
  }
})
