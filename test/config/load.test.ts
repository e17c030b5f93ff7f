/**
 * The config layer: defaults ← file ← environment ← overrides, `.env` keys, `${VAR}` references,
 * and errors a user can act on (the path and the problem, never a stack trace). Every test uses a
 * fresh temporary home directory and an explicit env object: the real home and process env are
 * never read.
 */
import { Context, Effect, Either, Exit, Layer, Scope } from "effect"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import OpenAI from "openai"
import { afterEach, describe, expect, it } from "vitest"
import { ConfigError } from "../../src/config/errors.js"
import { type ConfigSources, decodeConfig, defaultDataDir, loadConfig } from "../../src/config/load.js"
import { fromSources } from "../../src/layers.js"
import { Server } from "../../src/Server.js"
import { errorOf, postJson, Resources } from "../support/http.js"
import { answer, startUpstream } from "../support/openaiUpstream.js"
import { startRouter } from "../support/router.js"

const resources = new Resources()
const homes: Array<string> = []
afterEach(async () => {
  await resources.closeAll()
  for (const home of homes.splice(0)) rmSync(home, { recursive: true, force: true })
})

/** A fresh home dir; `files` are written under its data dir (`~/.openclaw/llmrouter`). */
const home = (files: Record<string, string> = {}) => {
  const dir = mkdtempSync(Path.join(tmpdir(), "llmrouter-home-"))
  homes.push(dir)
  const dataDir = defaultDataDir(dir)
  mkdirSync(dataDir, { recursive: true })
  for (const [name, text] of Object.entries(files)) writeFileSync(Path.join(dataDir, name), text)
  return { dir, dataDir }
}

const load = (sources: Partial<ConfigSources> & { homeDir: string }) =>
  Effect.runPromise(Effect.either(loadConfig({ env: {}, ...sources })))

const loaded = async (sources: Partial<ConfigSources> & { homeDir: string }) => {
  const result = await load(sources)
  if (Either.isLeft(result)) throw new Error(`expected a config, got: ${result.left.message}`)
  return result.right
}

const failure = async (sources: Partial<ConfigSources> & { homeDir: string }) => {
  const result = await load(sources)
  if (Either.isRight(result)) throw new Error("expected a ConfigError")
  expect(result.left).toBeInstanceOf(ConfigError)
  expect(result.left.message).not.toMatch(/\n\s+at /) // no stack trace
  return result.left.message
}

describe("config file errors name the path and the problem", () => {
  it("an invalid value: the exact line", async () => {
    const { dir, dataDir } = home({
      "config.json": JSON.stringify({ models: { fast: { strategy: "random", endpoints: ["openai:gpt-4o-mini"] } } })
    })
    const message = await failure({ homeDir: dir })
    const file = Path.join(dataDir, "config.json")
    expect(message).toBe(`Invalid configuration in ${file}:\n  models.fast.strategy: expected "priority" | "load_balance", got "random"`)
  })

  it("several problems, one line each", async () => {
    const { dir } = home({
      "config.json": JSON.stringify({ port: "x", maxBodyBytes: -1, providers: { mine: { derives: "cohere" } } })
    })
    const lines = (await failure({ homeDir: dir })).split("\n").slice(1).map((line) => line.trim())
    expect(lines).toEqual(expect.arrayContaining([
      `port: expected number, got "x"`,
      `providers.mine.derives: expected "openai" | "anthropic" | "google", got "cohere"`
    ]))
    expect(lines.some((line) => line.startsWith("maxBodyBytes: "))).toBe(true)
    expect(lines).toHaveLength(3)
  })

  it("an unknown key is refused (a typo must not be silently ignored)", async () => {
    const { dir } = home({ "config.json": JSON.stringify({ prot: 9000 }) })
    expect(await failure({ homeDir: dir })).toMatch(/\n {2}prot: is unexpected/)
  })

  it("a port out of range", async () => {
    const { dir } = home({ "config.json": JSON.stringify({ port: 99999 }) })
    expect(await failure({ homeDir: dir })).toContain("port: expected a number between 0 and 65535, got 99999")
  })

  it("an empty endpoint list", async () => {
    const { dir } = home({ "config.json": JSON.stringify({ models: { fast: { endpoints: [] } } }) })
    expect(await failure({ homeDir: dir })).toContain("models.fast.endpoints")
  })

  it("invalid JSON", async () => {
    const { dir, dataDir } = home({ "config.json": `{ "port": 8787, }` })
    const message = await failure({ homeDir: dir })
    expect(message).toMatch(new RegExp(`^Invalid JSON in ${escape(Path.join(dataDir, "config.json"))}: `))
  })

  it("JSON that is not an object", async () => {
    const { dir } = home({ "config.json": `[1, 2]` })
    expect(await failure({ homeDir: dir })).toContain("the file must hold a JSON object")
  })

  it("a --config path that does not exist", async () => {
    const { dir } = home()
    const missing = Path.join(dir, "nope", "config.json")
    expect(await failure({ homeDir: dir, configPath: missing })).toBe(`Cannot read config file ${missing}: ENOENT`)
  })

  it("a --config file is read instead of the default one", async () => {
    const { dir } = home({ "config.json": JSON.stringify({ port: 1111 }) })
    const other = Path.join(dir, "other.json")
    writeFileSync(other, JSON.stringify({ port: 2222 }))
    const config = await loaded({ homeDir: dir, configPath: other })
    expect(config.config.port).toBe(2222)
    expect(config.file).toBe(other)
  })

  it("no config file at all: the defaults", async () => {
    const { dir, dataDir } = home()
    const config = await loaded({ homeDir: dir })
    expect(config.file).toBeUndefined()
    expect(config.dataDir).toBe(dataDir)
    expect(config.config).toMatchObject({ host: "127.0.0.1", port: 8787, maxBodyBytes: 10 * 1024 * 1024, accessKeys: [] })
  })

  it("decodeConfig (a value in code) gives the same messages", async () => {
    const result = await Effect.runPromise(Effect.either(decodeConfig({ models: { fast: { strategy: "random", endpoints: ["a:b"] } } })))
    expect(Either.isLeft(result) && result.left.message).toBe(
      `Invalid configuration in configuration:\n  models.fast.strategy: expected "priority" | "load_balance", got "random"`
    )
  })
})

describe("environment", () => {
  it("LLMROUTER_PORT=abc is refused, naming the variable", async () => {
    const { dir } = home()
    expect(await failure({ homeDir: dir, env: { LLMROUTER_PORT: "abc" } })).toBe(`LLMROUTER_PORT: expected a port number, got "abc"`)
  })

  it("precedence: defaults ← file ← env ← overrides", async () => {
    const { dir } = home({ "config.json": JSON.stringify({ port: 1000, host: "localhost", maxBodyBytes: 2048 }) })
    const fileOnly = await loaded({ homeDir: dir })
    expect(fileOnly.config).toMatchObject({ port: 1000, host: "localhost", maxBodyBytes: 2048, logLevel: "info" })

    const withEnv = await loaded({ homeDir: dir, env: { LLMROUTER_PORT: "2000", LLMROUTER_LOG_LEVEL: "warn" } })
    expect(withEnv.config).toMatchObject({ port: 2000, host: "localhost", maxBodyBytes: 2048, logLevel: "warn" })

    const withOverrides = await loaded({
      homeDir: dir,
      env: { LLMROUTER_PORT: "2000", LLMROUTER_HOST: "127.0.0.1" },
      overrides: { port: 3000 }
    })
    expect(withOverrides.config).toMatchObject({ port: 3000, host: "127.0.0.1", maxBodyBytes: 2048 })
  })

  it("the plugin's LLM_ROUTER_PORT ranks below the file", async () => {
    const { dir } = home()
    expect((await loaded({ homeDir: dir, env: { LLM_ROUTER_PORT: "4000" } })).config.port).toBe(4000)
    const withFile = home({ "config.json": JSON.stringify({ port: 1000 }) })
    expect((await loaded({ homeDir: withFile.dir, env: { LLM_ROUTER_PORT: "4000" } })).config.port).toBe(1000)
  })

  it("LLMROUTER_ACCESS_KEYS is a comma-separated list", async () => {
    const { dir } = home()
    expect((await loaded({ homeDir: dir, env: { LLMROUTER_ACCESS_KEYS: "k1, k2,," } })).config.accessKeys).toEqual(["k1", "k2"])
  })

  it("LLMROUTER_DATA_DIR moves where config.json and .env are read", async () => {
    const { dir } = home({ "config.json": JSON.stringify({ port: 1000 }) })
    const elsewhere = Path.join(dir, "elsewhere")
    mkdirSync(elsewhere)
    writeFileSync(Path.join(elsewhere, "config.json"), JSON.stringify({ port: 5000 }))
    writeFileSync(Path.join(elsewhere, ".env"), "OPENAI_API_KEY=from-elsewhere\n")
    const config = await loaded({ homeDir: dir, env: { LLMROUTER_DATA_DIR: elsewhere } })
    expect(config.config.port).toBe(5000)
    expect(config.dataDir).toBe(elsewhere)
    expect(config.env.OPENAI_API_KEY).toBe("from-elsewhere")
  })
})

describe(".env in the data dir", () => {
  it("provides provider keys, and the process environment wins", async () => {
    const { dir } = home({
      ".env": [
        "# keys",
        "OPENAI_API_KEY=sk-from-dotenv",
        `export ANTHROPIC_API_KEY="sk-ant-quoted"`,
        "GEMINI_API_KEY='single' # comment",
        "OPENROUTER_API_KEY=sk-or-plain # trailing comment"
      ].join("\n")
    })
    const config = await loaded({ homeDir: dir, env: { ANTHROPIC_API_KEY: "sk-ant-process" } })
    expect(config.env).toMatchObject({
      OPENAI_API_KEY: "sk-from-dotenv",
      ANTHROPIC_API_KEY: "sk-ant-process",
      GEMINI_API_KEY: "single",
      OPENROUTER_API_KEY: "sk-or-plain"
    })
  })

  it("end to end: a key from .env reaches the upstream; the process env's overrides it", async () => {
    const upstream = resources.add(await startUpstream(answer("ok")))
    const { dir } = home({
      ".env": "OPENAI_API_KEY=sk-from-dotenv\n",
      "config.json": JSON.stringify({ providers: { openai: { apiBase: upstream.url } } })
    })
    const serve = async (env: Record<string, string>) => {
      const scope = Effect.runSync(Scope.make())
      const context = await Effect.runPromise(Layer.buildWithScope(
        fromSources({ homeDir: dir, env, overrides: { host: "127.0.0.1", port: 0, logLevel: "none", healthCheckIntervalMs: 0 } }),
        scope
      ))
      resources.add({ close: () => Effect.runPromise(Scope.close(scope, Exit.void)) })
      return new OpenAI({ baseURL: `${Context.get(context, Server).url}/v1`, apiKey: "unused", maxRetries: 0 })
    }
    await (await serve({})).chat.completions.create({ model: "openai:gpt-4o", messages: [{ role: "user", content: "hi" }] })
    expect(upstream.received[0]?.headers.authorization).toBe("Bearer sk-from-dotenv")

    await (await serve({ OPENAI_API_KEY: "sk-process" })).chat.completions.create({
      model: "openai:gpt-4o",
      messages: [{ role: "user", content: "hi" }]
    })
    expect(upstream.received[1]?.headers.authorization).toBe("Bearer sk-process")
  })
})

describe("${ENV_VAR} key references", () => {
  it("a provider's apiKey and an endpoint's apiKey are read from the environment", async () => {
    const upstream = resources.add(await startUpstream(answer("ok")))
    const router = resources.add(await startRouter(
      {
        providers: { mine: { derives: "openai", apiBase: upstream.url, apiKey: "${MINE_TOKEN}" } },
        models: { special: { endpoints: [{ provider: "mine", modelId: "m", apiKey: "${SPECIAL_TOKEN}" }] } }
      },
      { env: { MINE_TOKEN: "tok-provider", SPECIAL_TOKEN: "tok-endpoint" } }
    ))
    expect((await postJson(`${router.baseUrl}/chat/completions`, { model: "mine:m", messages: [{ role: "user", content: "hi" }] })).status).toBe(200)
    expect((await postJson(`${router.baseUrl}/chat/completions`, { model: "special", messages: [{ role: "user", content: "hi" }] })).status).toBe(200)
    expect(upstream.received.map((r) => r.headers.authorization)).toEqual(["Bearer tok-provider", "Bearer tok-endpoint"])
  })

  it("a reference to an unset variable makes the provider unroutable, saying which variable", async () => {
    const upstream = resources.add(await startUpstream(answer("ok")))
    const router = resources.add(await startRouter({
      providers: { mine: { derives: "openai", apiBase: upstream.url, apiKey: "${MINE_TOKEN}" } }
    }))
    const response = await postJson(`${router.baseUrl}/chat/completions`, { model: "mine:m", messages: [{ role: "user", content: "hi" }] })
    expect(response.status).toBe(503)
    expect(errorOf(response.json).message).toContain("${MINE_TOKEN}")
    expect(upstream.received).toHaveLength(0)
  })

  it("a literal apiKey is used as is", async () => {
    const upstream = resources.add(await startUpstream(answer("ok")))
    const router = resources.add(await startRouter({
      providers: { mine: { derives: "openai", apiBase: upstream.url, apiKey: "literal-key" } }
    }))
    await postJson(`${router.baseUrl}/chat/completions`, { model: "mine:m", messages: [{ role: "user", content: "hi" }] })
    expect(upstream.received[0]?.headers.authorization).toBe("Bearer literal-key")
  })
})

describe("mistakes found at startup", () => {
  const startupError = async (input: Parameters<typeof startRouter>[0]) => {
    const error = await startRouter(input).then(
      (router) => {
        resources.add(router)
        throw new Error("the router started")
      },
      (e: unknown) => e as Error
    )
    return error.message
  }

  it("a virtual model naming an unknown provider", async () => {
    const message = await startupError({ models: { fast: { endpoints: ["openai:gpt-4o-mini", "nope:model"] } } })
    expect(message).toContain(`models.fast.endpoints.1.provider: unknown provider "nope"`)
    expect(message).toContain("known: openai")
  })

  it("a category naming an unknown provider", async () => {
    expect(await startupError({ categories: { coding: ["nope:model"] } })).toContain(`categories.coding.0.provider: unknown provider "nope"`)
  })

  it("a custom provider without derives or apiBase, or with a bad apiBase", async () => {
    expect(await startupError({ providers: { mine: { apiBase: "http://127.0.0.1:1/v1" } } })).toContain(`providers.mine: a custom provider needs "derives"`)
    expect(await startupError({ providers: { mine: { derives: "openai" } } })).toContain(`providers.mine: a custom provider needs "apiBase"`)
    expect(await startupError({ providers: { mine: { derives: "openai", apiBase: "localhost:1234" } } }))
      .toContain(`providers.mine.apiBase: expected an http(s) URL, got "localhost:1234"`)
  })

  it("an invalid value handed over in code", async () => {
    const message = await startupError({ models: { fast: { strategy: "random" as "priority", endpoints: ["openai:x"] } } })
    expect(message).toContain(`models.fast.strategy: expected "priority" | "load_balance", got "random"`)
  })
})

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
