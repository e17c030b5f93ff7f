/**
 * `llmrouter keygen …` mints a scoped key signed by the active account and prints the token once;
 * `llmrouter keys list | show <jti|name> | revoke <jti|name>` shows keys and their usage, and
 * revokes them (effective on the next request of a running router). Never a private key; the
 * token only at minting.
 */
import { Effect } from "effect"
import type { KeyView } from "../Accounts.js"
import { parseDuration, parseModels, parseUsd } from "../accounts/claims.js"
import { withAccounts } from "./account.js"
import { parse, UsageError } from "./args.js"

const positiveInt = (flag: string, value: string | undefined) => {
  if (value === undefined) return undefined
  if (!/^\d+$/.test(value) || Number(value) <= 0 || !Number.isSafeInteger(Number(value))) throw new UsageError(`--${flag}: expected a positive whole number, got "${value}"`)
  return Number(value)
}

export const keygen = (argv: ReadonlyArray<string>) => {
  const { values } = parse(argv, {
    config: { type: "string" },
    models: { type: "string" },
    all: { type: "boolean" },
    expires: { type: "string" },
    "budget-usd": { type: "string" },
    "budget-tokens": { type: "string" },
    rpm: { type: "string" },
    name: { type: "string" },
    admin: { type: "boolean" },
    json: { type: "boolean" }
  })
  if (values.all === true && values.models !== undefined) throw new UsageError("keygen: --models and --all exclude each other")
  if (values.all !== true && values.models === undefined && values.admin !== true) {
    throw new UsageError("keygen: give the scope: --models a,b (or --all), and/or --admin for the reports")
  }
  const expires = values.expires === undefined ? undefined : parseDuration(values.expires)
  if (values.expires !== undefined && expires === undefined) throw new UsageError(`--expires: expected a duration like 30d, 12h, 90m; got "${values.expires}"`)
  const usd = values["budget-usd"] === undefined ? undefined : parseUsd(values["budget-usd"])
  if (values["budget-usd"] !== undefined && (usd === undefined || usd <= 0)) throw new UsageError(`--budget-usd: expected an amount like 5 or 0.25; got "${values["budget-usd"]}"`)
  const options = {
    models: values.models === undefined ? undefined : parseModels(values.models),
    all: values.all,
    expiresInSeconds: expires,
    budgetUsdMicro: usd,
    budgetTokens: positiveInt("budget-tokens", values["budget-tokens"]),
    rpm: positiveInt("rpm", values.rpm),
    name: values.name,
    admin: values.admin
  }
  return withAccounts(values.config, (accounts) =>
    Effect.flatMap(accounts.mintKey(options), ({ token, key }) =>
      Effect.sync(() => {
        if (values.json === true) {
          console.log(JSON.stringify({ token, key }, null, 2))
          return
        }
        console.log(token)
        console.error(`\n${describe(key)}\n\nThis token is shown once: store it now. Revoke it with \`llmrouter keys revoke ${key.name}\`.`)
      })))
}

export const keys = (argv: ReadonlyArray<string>) => {
  const { values, positionals } = parse(argv, { config: { type: "string" }, json: { type: "boolean" } })
  const [sub, ref] = positionals
  const print = (value: unknown, text: string) => Effect.sync(() => console.log(values.json === true ? JSON.stringify(value, null, 2) : text))
  switch (sub ?? "list") {
    case "list":
      return withAccounts(values.config, (a) =>
        Effect.flatMap(a.listKeys, (list) => print(list, list.length === 0 ? "no keys yet: run `llmrouter keygen --models llmrouter/auto`" : list.map(row).join("\n"))))
    case "show":
    case "revoke": {
      if (ref === undefined) throw new UsageError(`keys ${sub}: which key? (jti or name)`)
      return withAccounts(values.config, (a) =>
        Effect.flatMap(sub === "show" ? a.showKey(ref) : a.revokeKey(ref), (key) =>
          print(key, sub === "show" ? describe(key) : `revoked ${key.name} (${key.jti}); a running router refuses it from its next request`)))
    }
    default:
      throw new UsageError(`keys: unknown subcommand "${sub}" (list, show, revoke)`)
  }
}

const row = (k: KeyView) =>
  `${k.status.padEnd(8)} ${k.name.padEnd(20)} ${k.jti}  ${k.models.join(",")}${k.admin ? " +admin" : ""}  requests ${k.usage.requests}, tokens ${k.usage.tokens}` +
  `${k.budget.tokens === null ? "" : `/${k.budget.tokens}`}, spent $${k.usage.spentUsd}${k.budget.usd === null ? "" : `/$${k.budget.usd}`}`

const describe = (k: KeyView) =>
  [
    `key      ${k.name} (${k.jti}), ${k.status}`,
    `account  ${k.account}`,
    `models   ${k.models.length === 0 ? "none" : k.models.join(", ")}`,
    `admin    ${k.admin ? "yes: /stats, /metrics, /wallet, status page, /health details" : "no (clients reach /v1/* only)"}`,
    `expires  ${k.expiresAt ?? "never"}`,
    `rpm      ${k.rpm ?? "unlimited"}`,
    `budget   ${k.budget.usd === null ? "no money limit" : `$${k.budget.usd}`}, ${k.budget.tokens === null ? "no token limit" : `${k.budget.tokens} tokens`}`,
    `used     ${k.usage.requests} requests, ${k.usage.tokens} tokens, $${k.usage.spentUsd}${k.usage.lastUsedAt === null ? "" : `, last ${k.usage.lastUsedAt}`}`,
    `left     ${k.remaining.usd === null ? "-" : `$${k.remaining.usd}`}, ${k.remaining.tokens === null ? "-" : `${k.remaining.tokens} tokens`}`,
    ...(k.revokedAt === null ? [] : [`revoked  ${k.revokedAt}`])
  ].join("\n")
