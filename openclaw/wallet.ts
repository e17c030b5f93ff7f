/**
 * The wallet as the router reports it (`GET /wallet`, with the local access key): address,
 * balance, today's spend. Never the private key: fields that look like secrets are dropped even
 * if a router version ever sent them. When the router has no wallet (or is not running) the
 * answer says so instead of failing.
 */
import { ensureAccessKey } from "./files.js"
import type { PluginSettings } from "./settings.js"
import { routerUrl } from "./settings.js"

export type WalletAnswer =
  | { readonly available: true; readonly wallet: Readonly<Record<string, unknown>> }
  | { readonly available: false; readonly reason: string }

const SECRET = /key|secret|mnemonic|seed|private/i

export const fetchWallet = async (settings: PluginSettings, timeoutMs = 5_000): Promise<WalletAnswer> => {
  const url = `${routerUrl(settings)}/wallet`
  let response: Response
  try {
    response = await fetch(url, {
      headers: { authorization: `Bearer ${ensureAccessKey(settings.dataDir)}`, accept: "application/json" },
      signal: AbortSignal.timeout(timeoutMs)
    })
  } catch (error) {
    return { available: false, reason: `the router is not running at ${routerUrl(settings)} (${error instanceof Error ? error.message : String(error)})` }
  }
  if (response.status === 404) {
    await response.body?.cancel()
    return { available: false, reason: "this llmrouter version has no wallet (x402 payments are not enabled)" }
  }
  const body: unknown = await response.json().catch(() => undefined)
  if (!response.ok || typeof body !== "object" || body === null) {
    return { available: false, reason: `the router answered ${response.status} to GET /wallet` }
  }
  return { available: true, wallet: redact(body as Record<string, unknown>) }
}

const redact = (value: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(
    Object.entries(value)
      .filter(([name]) => !SECRET.test(name) || name === "keySource")
      .map(([name, v]) => [name, typeof v === "object" && v !== null && !Array.isArray(v) ? redact(v as Record<string, unknown>) : v])
  )

export const formatWallet = (answer: WalletAnswer): string => {
  if (!answer.available) return `llmrouter wallet not available: ${answer.reason}.`
  return isWalletStatus(answer.wallet) ? formatStatus(answer.wallet) : formatGeneric(answer.wallet)
}

/** The shape of the router's `GET /wallet` (src/payments/walletStatus.ts). */
interface WalletStatusView {
  readonly address: string
  readonly network: string
  readonly balance: string | null
  readonly balanceError?: string
  readonly asset: { readonly symbol: string } | null
  readonly funding?: string
  readonly payments?: { readonly enabled: boolean; readonly maxDailyUsd: number; readonly spentLast24hUsd: string | null }
}

const isWalletStatus = (value: Readonly<Record<string, unknown>>): value is Readonly<Record<string, unknown>> & WalletStatusView =>
  typeof value.address === "string" && typeof value.network === "string" && "balance" in value

const formatStatus = (w: WalletStatusView): string => {
  const symbol = w.asset?.symbol ?? "USDC"
  const lines = [
    "llmrouter wallet",
    `Address: ${w.address}`,
    `Network: ${w.network}`,
    `Balance: ${w.balance === null ? `unknown (${w.balanceError ?? "not read"})` : `${w.balance} ${symbol}`}`
  ]
  if (w.payments !== undefined) {
    lines.push(
      `Spent (last 24 h): ${w.payments.spentLast24hUsd === null ? "unknown" : `$${w.payments.spentLast24hUsd}`} of $${w.payments.maxDailyUsd} daily cap` +
        (w.payments.enabled ? "" : " (payments disabled)")
    )
  }
  if (w.funding !== undefined) lines.push("", w.funding)
  return lines.join("\n")
}

const formatGeneric = (wallet: Readonly<Record<string, unknown>>): string => {
  const lines = ["llmrouter wallet"]
  const flat = flatten(wallet)
  const address = flat.get("address")
  if (address !== undefined) lines.push(`Address: ${address}`)
  for (const [name, value] of flat) if (name !== "address") lines.push(`${label(name)}: ${value}`)
  lines.push("", "Fund it with USDC on the network shown to pay x402 upstreams; the private key never leaves the router.")
  return lines.join("\n")
}

const flatten = (value: Record<string, unknown>, prefix = "", out = new Map<string, string>()) => {
  for (const [name, v] of Object.entries(value)) {
    const key = prefix === "" ? name : `${prefix}.${name}`
    if (typeof v === "object" && v !== null && !Array.isArray(v)) flatten(v as Record<string, unknown>, key, out)
    else if (v !== undefined && v !== null) out.set(key, Array.isArray(v) ? v.join(", ") : String(v))
  }
  return out
}

const label = (name: string) =>
  name.replace(/\./g, " ").replace(/([a-z])([A-Z])/g, "$1 $2").replace(/^./, (c) => c.toUpperCase())
