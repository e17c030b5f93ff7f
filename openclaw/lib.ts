/**
 * The router's code, loaded on first use. OpenClaw calls `register` in many CLI processes, so
 * `register` stays cheap: the router, its layers and the classifier load only when the service
 * starts or a hook/tool needs them, and the cheap uses load only their part (the bundle splits at
 * each of these imports: the catalog reads the config without viem or the HTTP stack).
 */
export type Lib = typeof import("../src/index.js")

let loading: Promise<Lib> | undefined
let classifier: Promise<typeof import("../src/Classifier.js")> | undefined
let configLoader: Promise<typeof import("../src/config/load.js")> | undefined

export const loadLib = (): Promise<Lib> => (loading ??= import("../src/index.js"))
/** `classifyText` alone (the model hook, `llmrouter_classify`). */
export const loadClassifier = () => (classifier ??= import("../src/Classifier.js"))
/** `loadConfig` alone (the provider catalog's virtual model names). */
export const loadConfigLoader = () => (configLoader ??= import("../src/config/load.js"))
