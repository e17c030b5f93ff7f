import { describe, expect, it } from "vitest"
import { classifyRequest } from "../../src/Classifier.js"
import { hasImage } from "../../src/classifier/vision.js"
import { openClaw2026, stamp } from "./openclaw.js"

const PNG = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="

describe("vision detection", () => {
  it.each([
    ["OpenAI image_url with URL", { type: "image_url", image_url: { url: "https://example.com/cat.jpg" } }],
    ["OpenAI image_url with data URL", { type: "image_url", image_url: { url: PNG } }],
    ["Responses input_image", { type: "input_image", image_url: PNG }],
    ["Anthropic image", { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBOR" } }],
    ["file part with an image data URL", { type: "file", file: { file_data: PNG, filename: "x.png" } }],
    ["Gemini inline_data", { inline_data: { mime_type: "image/jpeg", data: "..." } }],
    ["tool result nesting an image", { type: "tool_result", tool_use_id: "t1", content: [{ type: "image", source: { type: "url", url: "https://x/y.png" } }] }]
  ])("%s", (_, part) => {
    const body = { messages: [{ role: "user", content: [{ type: "text", text: "what is this?" }, part] }] }
    expect(hasImage(body)).toBe(true)
    expect(classifyRequest(body).category).toBe("vision")
  })

  it("is vision when an earlier message holds the image, even if the latest turn is text", () => {
    const body = openClaw2026("and what colour is it?", [
      { role: "user", content: [{ type: "text", text: "look" }, { type: "image_url", image_url: { url: PNG } }] },
      { role: "assistant", content: "It is a cat." }
    ])
    const d = classifyRequest(body)
    expect(d.category).toBe("vision")
    expect(d.confidence).toBe(1)
  })

  it("is not vision for text-only requests, a pasted data URL in text, or non-image files", () => {
    expect(hasImage(openClaw2026(stamp("hello")))).toBe(false)
    expect(hasImage({ messages: [{ role: "user", content: [{ type: "text", text: PNG }] }] })).toBe(false)
    expect(hasImage({ messages: [{ role: "user", content: PNG }] })).toBe(false)
    expect(hasImage({ messages: [{ role: "user", content: [{ type: "file", file: { file_data: "data:application/pdf;base64,JVBER" } }] }] })).toBe(false)
  })

  it("classifyText never returns vision", () => {
    expect(["simple", "coding", "reasoning"]).toContain(
      (
        classifyRequest({ messages: [{ role: "user", content: "describe this image_url: https://x/y.png" }] })
      ).category
    )
  })
})
