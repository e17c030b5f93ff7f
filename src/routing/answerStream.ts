/** For embedders calling `Router.handle` directly: an answer as an Effect `Stream` of bytes. */
import { NodeStream } from "@effect/platform-node"
import { Stream } from "effect"
import { StreamBroken } from "../errors/upstream.js"
import type { RouterResponse } from "./response.js"

export const answerStream = ({ answer, endpoint }: RouterResponse): Stream.Stream<Uint8Array, StreamBroken> => {
  if (answer._tag === "Complete") return Stream.succeed(Buffer.from(answer.bytes))
  const { stream } = answer
  return NodeStream.fromReadable(() => stream, (error) => new StreamBroken({ endpoint: endpoint?.id ?? "llmrouter", message: String(error) }))
}
