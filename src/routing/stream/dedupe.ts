/**
 * Restarting an answer on an endpoint that cannot continue one: the new answer must repeat the
 * text the client already has, exactly; only what goes beyond it is forwarded. The moment it
 * differs (other text, a tool call, an earlier finish), the client's answer cannot be completed
 * honestly and the stream must end with an error.
 */
import type { TrackedEvent } from "./tracker.js"

export const DIVERGED = Symbol("diverged")

export type EventFilter = (event: TrackedEvent) => TrackedEvent | undefined | typeof DIVERGED

export const passAll: EventFilter = (event) => event

export const skipDelivered = (delivered: string): EventFilter => {
  let remaining = delivered
  return (event) => {
    if (remaining === "" || event.chunk === undefined) return event
    const { content } = event
    if (content === "") return event.substantive ? DIVERGED : undefined
    if (content.length <= remaining.length) {
      if (!remaining.startsWith(content)) return DIVERGED
      remaining = remaining.slice(content.length)
      return undefined
    }
    if (!content.startsWith(remaining)) return DIVERGED
    const rest = content.slice(remaining.length)
    remaining = ""
    return withContent(event, rest)
  }
}

/**
 * A prefill whose trailing whitespace the provider required us to trim (Anthropic) is continued
 * with that whitespace again: drop up to `count` leading whitespace characters of the continuation
 * so the client does not see it twice.
 */
export const skipLeadingWhitespace = (count: number): EventFilter => {
  let left = count
  return (event) => {
    if (left === 0 || event.content === "") return event
    const match = /^\s*/.exec(event.content)?.[0] ?? ""
    const dropped = Math.min(match.length, left)
    left = match.length < event.content.length ? 0 : left - dropped
    return dropped === 0 ? event : dropped === event.content.length ? undefined : withContent(event, event.content.slice(dropped))
  }
}

/** The same chunk with choice 0's text replaced (re-serialised: only on the boundary chunk). */
const withContent = (event: TrackedEvent, content: string): TrackedEvent => {
  const chunk = event.chunk ?? {}
  const [first, ...others] = chunk.choices ?? []
  const choices = [{ ...first, delta: { ...first?.delta, content } }, ...others]
  const rewritten = { ...chunk, choices }
  return { data: JSON.stringify(rewritten), chunk: rewritten, content, substantive: true }
}
