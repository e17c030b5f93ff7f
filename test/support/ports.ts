/** Loopback ports for tests that must know a port before something listens on it. */
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"

/** A port that was free on 127.0.0.1 a moment ago. */
export const freePort = async (): Promise<number> => {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/** Whether 127.0.0.1:`port` can be bound now (i.e. nothing holds it). */
export const canListen = async (port: number): Promise<boolean> => {
  const server = createServer()
  const ok = await new Promise<boolean>((resolve) => {
    server.once("error", () => resolve(false))
    server.listen(port, "127.0.0.1", () => resolve(true))
  })
  if (ok) await new Promise<void>((resolve) => server.close(() => resolve()))
  return ok
}
