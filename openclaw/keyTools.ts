/**
 * The optional key tools — `llmrouter_account`, `llmrouter_keygen`, `llmrouter_keys` — as thin
 * wrappers over the `Accounts` service: the running in-process router's own instance when there is
 * one, otherwise just the Accounts layer for the plugin's data dir (both share `accounts/` and
 * `keys.sqlite`, so a revocation reaches a running router on its next request).
 *
 * What they can show: account ids, names and public keys; keys' scope, limits, status and usage.
 * What they never show: a private key or a provider key (the service has no way to return either),
 * nor a token — except the one `llmrouter_keygen` just minted, once, in its own result.
 */
import { Cause, Effect, Exit, Layer } from "effect"
import type { AccountError, AccountInfo, AccountsService, KeyView, MintOptions } from "../src/index.js"
import { loadLib } from "./lib.js"
import { processState } from "./runtime.js"
import type { AgentTool, ToolResult } from "./sdk.js"
import type { PluginSettings } from "./settings.js"

export const KEY_TOOL_NAMES = ["llmrouter_account", "llmrouter_keygen", "llmrouter_keys"] as const

const text = (body: string, details: unknown): ToolResult => ({ content: [{ type: "text", text: body }], details })

/** A tool call with unusable parameters: answered in text, never thrown at OpenClaw. */
class BadParams extends Error {}

const failed = (tool: string, message: string): ToolResult => text(`${tool}: ${message}`, { error: message })

/**
 * Runs `use` with the `Accounts` service: the running router's, or one built for `dataDir` alone
 * (opened and closed around this call). Failures come back as their message.
 */
export const withAccounts = async <A>(
  settings: Pick<PluginSettings, "dataDir" | "host" | "port">,
  use: (accounts: AccountsService) => Effect.Effect<A, AccountError>
): Promise<{ readonly ok: true; readonly value: A } | { readonly ok: false; readonly error: string }> => {
  const running = processState().running
  let program: Effect.Effect<A, { readonly message: string }>
  if (running !== undefined) {
    program = use(running.accounts)
  } else {
    const { Accounts, accountsLayer, configFromValue } = await loadLib()
    // Only the data dir matters to Accounts; the rest of the router config is not decoded here, so
    // an unrelated config problem cannot stop the key tools.
    const config = configFromValue({ dataDir: settings.dataDir, host: settings.host, port: settings.port })
    program = Effect.flatMap(Accounts, use).pipe(Effect.provide(accountsLayer.pipe(Layer.provide(config))))
  }
  const exit = await Effect.runPromiseExit(program)
  if (Exit.isSuccess(exit)) return { ok: true, value: exit.value }
  const failure = Cause.failures(exit.cause)
  const first = [...failure][0]
  return { ok: false, error: first?.message ?? Cause.pretty(exit.cause).split("\n")[0] ?? "failed" }
}

const record = (params: unknown): Readonly<Record<string, unknown>> =>
  typeof params === "object" && params !== null && !Array.isArray(params) ? (params as Record<string, unknown>) : {}

const optionalString = (params: Readonly<Record<string, unknown>>, name: string): string | undefined => {
  const value = params[name]
  if (value === undefined || value === null) return undefined
  if (typeof value !== "string") throw new BadParams(`${name} must be a string`)
  return value.trim() === "" ? undefined : value.trim()
}

const requiredString = (params: Readonly<Record<string, unknown>>, name: string, what: string): string => {
  const value = optionalString(params, name)
  if (value === undefined) throw new BadParams(`give ${name} (${what})`)
  return value
}

const action = <A extends string>(params: Readonly<Record<string, unknown>>, allowed: ReadonlyArray<A>): A => {
  const value = optionalString(params, "action") ?? allowed[0]
  const found = allowed.find((a) => a === value)
  if (found === undefined) throw new BadParams(`unknown action "${String(value)}" (${allowed.join(", ")})`)
  return found
}

const positiveInteger = (params: Readonly<Record<string, unknown>>, name: string): number | undefined => {
  const value = params[name]
  if (value === undefined || value === null) return undefined
  const n = typeof value === "string" && /^\d+$/.test(value.trim()) ? Number(value.trim()) : value
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n <= 0) throw new BadParams(`${name} must be a positive whole number`)
  return n
}

/** The call's parameters → `MintOptions`, with the CLI's rules and duration/amount formats. */
export const mintOptions = async (params: unknown): Promise<MintOptions> => {
  const p = record(params)
  const { parseDuration, parseModels, parseUsd } = await loadLib()
  const all = p.all === true
  if (p.all !== undefined && typeof p.all !== "boolean") throw new BadParams("all must be true or false")
  const rawModels = p.models
  let models: ReadonlyArray<string> | undefined
  if (typeof rawModels === "string") models = parseModels(rawModels)
  else if (Array.isArray(rawModels) && rawModels.every((m): m is string => typeof m === "string")) models = parseModels(rawModels.join(","))
  else if (rawModels !== undefined && rawModels !== null) throw new BadParams("models must be a list of model names or patterns")
  if (all && models !== undefined && models.length > 0) throw new BadParams("give either models or all: true, not both")
  if (!all && (models === undefined || models.length === 0)) {
    throw new BadParams("give the scope: models (e.g. [\"llmrouter/auto\"], \"openai:*\") or all: true for every model")
  }
  const expiresText = optionalString(p, "expires")
  const expiresInSeconds = expiresText === undefined ? undefined : parseDuration(expiresText)
  if (expiresText !== undefined && expiresInSeconds === undefined) throw new BadParams(`expires: expected a duration like 30d, 12h, 90m; got "${expiresText}"`)
  const usdRaw = p.budgetUsd
  let budgetUsdMicro: number | undefined
  if (usdRaw !== undefined && usdRaw !== null) {
    budgetUsdMicro = typeof usdRaw === "number" || typeof usdRaw === "string" ? parseUsd(String(usdRaw)) : undefined
    if (budgetUsdMicro === undefined || budgetUsdMicro <= 0) throw new BadParams(`budgetUsd: expected a positive amount like 5 or 0.25; got ${JSON.stringify(usdRaw)}`)
  }
  return {
    ...(all ? { all: true } : { models }),
    expiresInSeconds,
    budgetUsdMicro,
    budgetTokens: positiveInteger(p, "budgetTokens"),
    rpm: positiveInteger(p, "rpm"),
    name: optionalString(p, "name")
  }
}

const scopeOf = (k: KeyView) => (k.models.includes("*") ? "all models" : k.models.join(", "))

const keyLine = (k: KeyView) =>
  `- ${k.name} (${k.jti}): ${k.status}; models ${scopeOf(k)}; used ${k.usage.requests} requests, ` +
  `${k.usage.tokens}${k.budget.tokens === null ? "" : ` of ${k.budget.tokens}`} tokens, ` +
  `$${k.usage.spentUsd}${k.budget.usd === null ? "" : ` of $${k.budget.usd}`}; expires ${k.expiresAt ?? "never"}`

const keyDetails = (k: KeyView) =>
  [
    `Key ${k.name} (${k.jti}): ${k.status}`,
    `Signed by account ${k.account}`,
    `Models: ${scopeOf(k)}`,
    `Expires: ${k.expiresAt ?? "never"}`,
    `Rate limit: ${k.rpm === null ? "none" : `${k.rpm} requests per minute`}`,
    `Budget: ${k.budget.usd === null ? "no money limit" : `$${k.budget.usd}`}, ${k.budget.tokens === null ? "no token limit" : `${k.budget.tokens} tokens`}`,
    `Used: ${k.usage.requests} requests, ${k.usage.tokens} tokens, $${k.usage.spentUsd}${k.usage.lastUsedAt === null ? "" : `, last at ${k.usage.lastUsedAt}`}`,
    `Remaining: ${k.remaining.usd === null ? "unlimited money" : `$${k.remaining.usd}`}, ${k.remaining.tokens === null ? "unlimited tokens" : `${k.remaining.tokens} tokens`}`,
    ...(k.revokedAt === null ? [] : [`Revoked at ${k.revokedAt}`])
  ].join("\n")

const accountLine = (a: AccountInfo) => `- ${a.name} (${a.id})${a.active ? " [active]" : ""}, created ${a.createdAt}, public key ${a.publicKey}`

/** Wraps a tool body: bad parameters and unexpected throws become a text answer, not a crash. */
const guarded = (tool: string, body: (params: unknown) => Promise<ToolResult>) => async (_id: string, params: unknown) => {
  try {
    return await body(params)
  } catch (error) {
    return failed(tool, error instanceof Error ? error.message : String(error))
  }
}

export const makeKeyTools = (settings: Pick<PluginSettings, "dataDir" | "host" | "port">): ReadonlyArray<AgentTool> => [
  {
    name: "llmrouter_account",
    label: "llmrouter account",
    description: "Manage the Ed25519 accounts that sign llmrouter's scoped access keys: list them (action \"list\"), " +
      "create one (\"generate\", optional name; the first account becomes active), or make one active (\"use\", with ref = its name or id) " +
      "so new keys are signed by it. Shows ids, names and public keys only: a private key never leaves the data dir.",
    parameters: {
      type: "object",
      properties: {
        action: { type: "string", enum: ["list", "generate", "use"], description: "list (default), generate or use." },
        name: { type: "string", description: "generate: a name for the new account (letters, digits, . _ -)." },
        ref: { type: "string", description: "use: the account's name or id (acct_…)." }
      },
      additionalProperties: false
    },
    execute: guarded("llmrouter_account", async (params) => {
      const p = record(params)
      switch (action(p, ["list", "generate", "use"] as const)) {
        case "list": {
          const result = await withAccounts(settings, (a) => a.listAccounts)
          if (!result.ok) return failed("llmrouter_account", result.error)
          const body = result.value.length === 0
            ? "No accounts yet. Create one with llmrouter_account action \"generate\" before minting keys."
            : `Accounts (the active one signs new keys):\n${result.value.map(accountLine).join("\n")}`
          return text(body, { accounts: result.value })
        }
        case "generate": {
          const name = optionalString(p, "name")
          const result = await withAccounts(settings, (a) => a.generateAccount({ name }))
          if (!result.ok) return failed("llmrouter_account", result.error)
          const created = result.value
          return text(
            `Created account ${created.name} (${created.id})${created.active ? ", now active" : ""}; public key ${created.publicKey}. ` +
              "Its private key stays in the data dir.",
            { account: created }
          )
        }
        case "use": {
          const ref = requiredString(p, "ref", "the account's name or id")
          const result = await withAccounts(settings, (a) => a.useAccount(ref))
          if (!result.ok) return failed("llmrouter_account", result.error)
          return text(`Active account: ${result.value.name} (${result.value.id}); new keys are signed by it.`, { account: result.value })
        }
      }
    })
  },
  {
    name: "llmrouter_keygen",
    label: "llmrouter keygen",
    description: "Mint a scoped llmrouter access key (a JWT signed by the active account) to hand to another agent, script or machine: " +
      "limited to some models (models, e.g. [\"llmrouter/auto\", \"openai:*\"]) or all: true, with optional expiry (expires, e.g. \"30d\"), " +
      "money budget (budgetUsd), token budget (budgetTokens), rate limit (rpm) and name. The token is returned ONCE, in this result only, " +
      "by design: it is stored nowhere and no tool can show it again, so give it straight to whoever needs it and treat it as a secret. " +
      "Needs an account (llmrouter_account generate). Never reveals a private key or a provider key.",
    parameters: {
      type: "object",
      properties: {
        models: { type: "array", items: { type: "string" }, description: "Models the key may use: logical (llmrouter/auto), virtual, or patterns like openai:*." },
        all: { type: "boolean", description: "true: every model (instead of models)." },
        expires: { type: "string", description: "Lifetime like 30d, 12h, 90m, 2w; omitted: never expires." },
        budgetUsd: { type: "number", exclusiveMinimum: 0, description: "Money budget in USD (e.g. 5 or 0.25)." },
        budgetTokens: { type: "integer", minimum: 1, description: "Token budget (prompt + completion)." },
        rpm: { type: "integer", minimum: 1, description: "Requests per minute." },
        name: { type: "string", description: "A name to find and revoke the key by (default key-…)." }
      },
      additionalProperties: false
    },
    execute: guarded("llmrouter_keygen", async (params) => {
      const options = await mintOptions(params)
      const result = await withAccounts(settings, (a) => a.mintKey(options))
      if (!result.ok) return failed("llmrouter_keygen", result.error)
      const { token, key } = result.value
      return text(
        `${token}\n\nThat is the token of key ${key.name} (${key.jti}), shown this once: it is stored nowhere and cannot be shown again. ` +
          `Clients send it as "Authorization: Bearer <token>". Revoke it with llmrouter_keys action "revoke", ref "${key.name}".\n\n${keyDetails(key)}`,
        { token, key }
      )
    })
  },
  {
    name: "llmrouter_keys",
    label: "llmrouter keys",
    description: "Observe and manage llmrouter's scoped access keys: list them (action \"list\") with scope, status and usage " +
      "(requests, tokens, spend, remaining budget), show one (\"show\", ref = jti or name), or revoke one (\"revoke\"; a running router " +
      "refuses it from its next request). Never shows a token, a private key or a provider key.",
    parameters: {
      type: "object",
      properties: {
        action: { type: "string", enum: ["list", "show", "revoke"], description: "list (default), show or revoke." },
        ref: { type: "string", description: "show/revoke: the key's jti or name." }
      },
      additionalProperties: false
    },
    execute: guarded("llmrouter_keys", async (params) => {
      const p = record(params)
      const act = action(p, ["list", "show", "revoke"] as const)
      if (act === "list") {
        const result = await withAccounts(settings, (a) => a.listKeys)
        if (!result.ok) return failed("llmrouter_keys", result.error)
        const body = result.value.length === 0
          ? "No keys yet. Mint one with llmrouter_keygen."
          : `Keys:\n${result.value.map(keyLine).join("\n")}`
        return text(body, { keys: result.value })
      }
      const ref = requiredString(p, "ref", "the key's jti or name")
      const result = await withAccounts(settings, (a) => (act === "show" ? a.showKey(ref) : a.revokeKey(ref)))
      if (!result.ok) return failed("llmrouter_keys", result.error)
      const key = result.value
      return act === "show"
        ? text(keyDetails(key), { key })
        : text(`Revoked key ${key.name} (${key.jti}); a running router refuses it from its next request.\n\n${keyDetails(key)}`, { key })
    })
  }
]
