import { defineConfig } from "vitest/config"

/** `npm run test:openclaw`: the real-OpenClaw end-to-end test (slow; not part of `npm test`). */
export default defineConfig({
  test: {
    root: new URL("../..", import.meta.url).pathname,
    include: ["test/openclaw-e2e/**/*.e2e.ts"],
    testTimeout: 240_000,
    hookTimeout: 450_000,
    fileParallelism: false
  }
})
