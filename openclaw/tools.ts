/**
 * Optional agent tools and the `/wallet` command. Tools answer in text for the model plus
 * `details` for UIs; none of them calls an LLM.
 */
import { Either } from "effect"
import { autoPolicy, classifyTurn } from "./hook.js"
import { KEY_TOOL_NAMES, makeKeyTools } from "./keyTools.js"
import { loadClassifier } from "./lib.js"
import { processState } from "./runtime.js"
import type { AgentTool, CommandDefinition, ToolResult } from "./sdk.js"
import type { PluginSettings } from "./settings.js"
import { routerStatus } from "./status.js"
import { fetchWallet, formatWallet } from "./wallet.js"

export const TOOL_NAMES = ["llmrouter_status", "llmrouter_wallet", "llmrouter_classify", ...KEY_TOOL_NAMES] as const

const text = (body: string, details: unknown): ToolResult => ({ content: [{ type: "text", text: body }], details })

export interface ToolDeps {
  readonly settings: PluginSettings
  /** Whether OpenClaw lets the model hook run (`hooks.allowConversationAccess`). */
  readonly hookAllowed: () => boolean
}

export const statusText = async (deps: ToolDeps) => {
  const status = await routerStatus(deps.settings, { fresh: true, timeoutMs: 2_000 })
  const lines = [
    `llmrouter: ${status.healthy ? "healthy" : "NOT healthy"} (${status.status}), ${status.source === "in-process" ? "running inside the Gateway" : "checked over HTTP"} at ${status.url}`
  ]
  if (status.error !== undefined) lines.push(`Problem: ${status.error}`)
  for (const p of status.providers) {
    lines.push(`- provider ${p.name}: ${p.routable ? `routable${p.keySource === undefined ? "" : ` (key from ${p.keySource})`}` : `not routable: ${p.reason ?? "unknown"}`}`)
  }
  if (status.models.length > 0) lines.push(`Models: ${status.models.join(", ")}`)
  lines.push(
    deps.hookAllowed()
      ? "Model hook: active (llmrouter/auto is classified from your prompt before each turn)."
      : "Model hook: NOT allowed. OpenClaw drops it unless plugins.entries.llmrouter.hooks.allowConversationAccess is true; " +
        "llmrouter/auto still works (classified by the router), but configured routes are not redirected."
  )
  return { text: lines.join("\n"), status }
}

export const makeTools = (deps: ToolDeps): ReadonlyArray<AgentTool> => [
  {
    name: "llmrouter_status",
    label: "llmrouter status",
    description: "Show whether the local llmrouter is healthy, which upstream providers are routable, which models " +
      "(llmrouter/auto, /simple, /coding, /reasoning, virtual models) exist, the listen address, and whether its model hook may run.",
    parameters: { type: "object", properties: {}, additionalProperties: false },
    execute: async () => {
      const { text: body, status } = await statusText(deps)
      return text(body, { ...status, hookAllowed: deps.hookAllowed() })
    }
  },
  {
    name: "llmrouter_wallet",
    label: "llmrouter wallet",
    description: "Show llmrouter's payment wallet: address, balance and today's spend (never the private key). " +
      "Use it when a request failed with 402 Payment Required or the user asks how to fund the router.",
    parameters: { type: "object", properties: {}, additionalProperties: false },
    execute: async () => {
      const answer = await fetchWallet(deps.settings)
      return text(formatWallet(answer), answer)
    }
  },
  {
    name: "llmrouter_classify",
    label: "llmrouter classify",
    description: "Explain how llmrouter/auto would route a prompt: the category (simple, coding, reasoning, vision), " +
      "the classifier's confidence and signals, and the upstream models that category tries in order.",
    parameters: {
      type: "object",
      properties: { prompt: { type: "string", description: "The user prompt to classify." } },
      required: ["prompt"],
      additionalProperties: false
    },
    execute: async (_id, params) => {
      const prompt = typeof params === "object" && params !== null && typeof (params as { prompt?: unknown }).prompt === "string"
        ? (params as { prompt: string }).prompt
        : ""
      const decision = classifyTurn({ prompt }, autoPolicy(deps.settings), (await loadClassifier()).classifyText)
      const running = processState().running
      const chain = running === undefined
        ? undefined
        : Either.match(running.pool.resolve(`llmrouter/${decision.category}`), {
          onLeft: () => [],
          onRight: (target) => target._tag === "Route" ? target.route.candidates.map((c) => c._tag === "Skipped" ? `${c.id} (skipped: ${c.reason})` : c.endpoint.id) : []
        })
      const lines = [
        `Category: ${decision.category} (confidence ${decision.confidence})`,
        `Signals: ${decision.signals.join(", ") || "none"}`,
        chain === undefined
          ? "Candidates: unknown here (the router runs inside the Gateway)."
          : `Candidates, in order: ${chain.length === 0 ? "none configured for this category" : chain.join(" → ")}`
      ]
      return text(lines.join("\n"), { ...decision, candidates: chain })
    }
  },
  // llmrouter_account, llmrouter_keygen, llmrouter_keys: accounts and scoped keys (keyTools.ts).
  ...makeKeyTools(deps.settings)
]

export const walletCommand = (settings: PluginSettings): CommandDefinition => ({
  name: "wallet",
  description: "Show the llmrouter wallet address and balance (no LLM call).",
  acceptsArgs: false,
  requireAuth: false,
  handler: async () => ({ text: formatWallet(await fetchWallet(settings)) })
})
