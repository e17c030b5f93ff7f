import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { TOOL_NAMES } from "../../openclaw/tools.js"
import { DESCRIPTIONS, manifests, manifestText } from "../../scripts/openclaw-manifest.js"
import { RouterConfig } from "../../src/config/schema.js"

describe("openclaw.plugin.json", () => {
  it.each(manifests)("$path is generated from the router's config schema (run scripts/openclaw-manifest.ts when stale)", ({ path, skillsDir }) => {
    expect(readFileSync(path, "utf8")).toBe(manifestText(skillsDir))
  })

  it("describes every router setting and the plugin's own switches", () => {
    const manifest = JSON.parse(manifestText("./")) as {
      id: string
      providers: Array<string>
      contracts: { tools: Array<string> }
      activation: { onStartup: boolean }
      configSchema: { properties: Record<string, { description?: string; default?: unknown }> }
    }
    expect(manifest.id).toBe("llmrouter")
    expect(manifest.providers).toEqual(["llmrouter"])
    expect(manifest.activation.onStartup).toBe(true)
    expect(manifest.contracts.tools).toEqual([...TOOL_NAMES])
    const properties = manifest.configSchema.properties
    for (const field of [...Object.keys(RouterConfig.fields), "autoStart", "interceptAllModels"]) {
      expect(properties[field], field).toBeDefined()
      expect(DESCRIPTIONS[field], `description of ${field}`).toBeTruthy()
    }
    expect(properties.port?.default).toBe(8787)
    expect(properties.autoStart?.default).toBe(true)
    expect(properties.healthCheckIntervalMs?.default).toBe(30_000)
  })
})
