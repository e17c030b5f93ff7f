/**
 * `POST /v1/messages/count_tokens`: an estimate, not a count. The router has no tokenizer for
 * every model it may route to (and the route is only decided per request), so it answers roughly
 * four characters per token for text and tool definitions and 1,600 per image (Anthropic's upper
 * figure), and says so in `x-llmrouter-token-count: estimate`. Clients use it to decide when to
 * compact a conversation; an estimate serves that, a 404 would not.
 */
import { HttpServerResponse } from "@effect/platform"
import { Either } from "effect"
import type { InvalidRequest } from "../../errors/request.js"
import { decodeBody } from "../Codec.js"
import { type ContentBlock, CountTokensBody } from "./schema.js"

const CHARS_PER_TOKEN = 4
const IMAGE_TOKENS = 1_600

const blockChars = (block: ContentBlock): { chars: number; images: number } => {
  switch (block.type) {
    case "text":
      return { chars: block.text.length, images: 0 }
    case "image":
      return { chars: 0, images: 1 }
    case "document":
      // base64 is 4 characters per 3 bytes; a PDF's text is a fraction of its bytes.
      return { chars: Math.round(JSON.stringify(block.source).length / 4), images: 0 }
    case "tool_use":
      return { chars: block.name.length + JSON.stringify(block.input).length, images: 0 }
    case "tool_result": {
      if (block.content === undefined || typeof block.content === "string") return { chars: block.content?.length ?? 0, images: 0 }
      return block.content.map(blockChars).reduce((a, b) => ({ chars: a.chars + b.chars, images: a.images + b.images }), { chars: 0, images: 0 })
    }
    case "thinking":
      return { chars: block.thinking.length, images: 0 }
    case "redacted_thinking":
      return { chars: 0, images: 0 }
  }
}

export const estimateTokens = (body: CountTokensBody): number => {
  let chars = typeof body.system === "string" ? body.system.length : (body.system ?? []).reduce((n, b) => n + b.text.length, 0)
  let images = 0
  chars += JSON.stringify(body.tools ?? []).length
  for (const message of body.messages) {
    if (typeof message.content === "string") chars += message.content.length
    else {
      for (const block of message.content) {
        const counted = blockChars(block)
        chars += counted.chars
        images += counted.images
      }
    }
  }
  // A few tokens of framing per message, as every chat template adds.
  return Math.ceil(chars / CHARS_PER_TOKEN) + images * IMAGE_TOKENS + body.messages.length * 4
}

type CountTokensBody = typeof CountTokensBody.Type

export const countTokens = (body: unknown): Either.Either<HttpServerResponse.HttpServerResponse, InvalidRequest> =>
  Either.map(decodeBody(CountTokensBody, body), (decoded) =>
    HttpServerResponse.unsafeJson({ input_tokens: estimateTokens(decoded) }, { headers: { "x-llmrouter-token-count": "estimate" } }))
