/** The one redaction mechanism: configured secrets exactly, and by shape what config cannot list. */
import { describe, expect, it } from "vitest"
import { Redactor } from "../../src/redaction/redactor.js"
import { configuredSecrets } from "../../src/redaction/secrets.js"
import { RouterConfig } from "../../src/config/schema.js"
import { Schema } from "effect"

describe("Redactor", () => {
  it("hides configured secrets in every form an echo may take, longest first", () => {
    const r = new Redactor(["sk-abc/def+123", "short"])
    expect(r.redact("key sk-abc/def+123 and sk-abc%2Fdef%2B123")).toBe("key [redacted] and [redacted]")
    expect(r.redact("short words stay")).toBe("short words stay") // under the minimum length
  })

  it("hides secrets by shape: URL credentials, secret query values, bearer tokens, echoed key headers, JWTs", () => {
    const r = new Redactor()
    expect(r.redact("GET http://user:pw@host/v1?api_key=abc123&page=2")).toBe("GET http://[redacted]@host/v1?api_key=[redacted]&page=2")
    expect(r.redact("Authorization: Bearer abcdef123456")).toBe("Authorization: Bearer [redacted]")
    expect(r.redact(`{"x-api-key":"sk-ant-xyz123","accept":"json"}`)).toBe(`{"x-api-key":"[redacted]","accept":"json"}`)
    expect(r.redact("token eyJhbGciOiJFZERTQSJ9.eyJtb2RlbHMiOlsiKiJdfQ.c2ln here")).toBe("token [redacted] here")
    // JSON-escaped text stays valid JSON
    const line = JSON.stringify({ msg: `failed {"url":"/v1?key=secret-value"}` })
    expect(() => JSON.parse(r.redact(line))).not.toThrow()
    expect(r.redact(line)).not.toContain("secret-value")
  })

  it("learns secrets at run time (a wallet key generated after start)", () => {
    const r = new Redactor()
    r.add("0xfeedfacefeedface")
    expect(r.redact("key 0xfeedfacefeedface")).toBe("key [redacted]")
  })
})

describe("configuredSecrets", () => {
  it("collects provider keys (literal and from env), URL credentials and secret query values, access keys, env secrets", () => {
    const config = Schema.decodeSync(RouterConfig)({
      providers: {
        a: { derives: "openai", apiBase: "https://u:url-pass-1@a.example/v1?token=query-tok-1&api-version=2024-01-01", apiKey: "literal-key-1" },
        b: { derives: "openai", apiBase: "https://b.example", apiKey: "${B_KEY}", headers: { "x-custom-token": "hdr-token-1", accept: "application/json" } }
      },
      accessKeys: ["access-key-1"]
    })
    const secrets = configuredSecrets({ config, dataDir: "/nonexistent", env: { B_KEY: "env-key-b-1", GITHUB_TOKEN: "ghp_token_1", HOME: "/home/me" } })
    for (const s of ["url-pass-1", "query-tok-1", "literal-key-1", "env-key-b-1", "hdr-token-1", "access-key-1", "ghp_token_1"]) expect(secrets).toContain(s)
    for (const s of ["2024-01-01", "application/json", "/home/me"]) expect(secrets).not.toContain(s)
  })
})
