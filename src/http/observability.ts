/**
 * `GET /metrics` (Prometheus text), `GET /stats` (JSON) and the status page (`GET /`, `/status`):
 * one self-contained HTML file (inline CSS and JS, no external resources — its CSP forbids them)
 * that polls `/stats`.
 */
import { HttpServerResponse } from "@effect/platform"
import { Effect } from "effect"
import { readFileSync } from "node:fs"
import { makeStats } from "./stats.js"

const NO_STORE = { "cache-control": "no-store" }

/** Inline script and style only; data: images (the QR code); fetches to this origin only. */
const PAGE_CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; " +
  "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

export const makeObservabilityRoutes = Effect.gen(function*() {
  const { contentType, prometheus, stats } = yield* makeStats
  const page = readFileSync(new URL("./status.html", import.meta.url), "utf8")
  const pageResponse = Effect.sync(() =>
    HttpServerResponse.text(page, {
      contentType: "text/html; charset=utf-8",
      headers: { ...NO_STORE, "content-security-policy": PAGE_CSP, "x-content-type-options": "nosniff", "referrer-policy": "no-referrer" }
    })
  )
  return {
    metrics: Effect.map(prometheus, (text) => HttpServerResponse.text(text, { contentType, headers: NO_STORE })),
    stats: Effect.map(stats, (body) => HttpServerResponse.unsafeJson(body, { headers: NO_STORE })),
    page: pageResponse
  }
})
