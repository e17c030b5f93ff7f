/**
 * The package's public entry, loaded on first use. OpenClaw calls `register` in many CLI processes
 * and compiles TypeScript plugins on the fly, so `register` stays cheap: the router, its layers and
 * the classifier load only when the service starts or a hook/tool needs them.
 */
export type Lib = typeof import("../src/index.js")

let loading: Promise<Lib> | undefined

export const loadLib = (): Promise<Lib> => (loading ??= import("../src/index.js"))
