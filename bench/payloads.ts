/**
 * The request bodies: a small chat request, and an OpenClaw-shaped one (what every OpenClaw agent
 * turn sends: a ~35 KB system prompt, a dozen tool JSON schemas, a few turns incl. a tool call).
 * Deterministic, so every run and every target sends the same bytes.
 */

export interface Payload {
  readonly name: string
  readonly body: string
}

/** `bench` (a virtual model) by default; `BENCH_MODEL=auto` routes through the classifier. */
export const MODEL = process.env["BENCH_MODEL"] ?? "bench"

const small = (stream: boolean) => ({
  model: MODEL,
  messages: [{ role: "user", content: "Write a haiku about keep-alive sockets." }],
  ...(stream ? { stream: true } : {})
})

const tool = (name: string, description: string, properties: Record<string, unknown>, required: ReadonlyArray<string>) => ({
  type: "function",
  function: { name, description, parameters: { type: "object", properties, required, additionalProperties: false } }
})
const str = (description: string) => ({ type: "string", description })
const num = (description: string) => ({ type: "number", description })
const bool = (description: string) => ({ type: "boolean", description })
const oneOf = (description: string, values: ReadonlyArray<string>) => ({ type: "string", enum: values, description })

const tools = [
  tool("read", "Read a file from the workspace. Supports text files and images (returned as attachments). Use offset/limit for large files; long lines are truncated.", {
    path: str("Path to the file, relative to the workspace root or absolute."),
    offset: num("1-based line number to start reading from."),
    limit: num("Maximum number of lines to read (default 2000).")
  }, ["path"]),
  tool("write", "Create or overwrite a file with the given content. Parent directories are created. Prefer edit for changing existing files.", {
    path: str("Path of the file to write."),
    content: str("The complete new content of the file.")
  }, ["path", "content"]),
  tool("edit", "Replace an exact, unique snippet of text in a file. Fails when old_string is absent or occurs more than once unless replace_all is set.", {
    path: str("Path of the file to edit."),
    old_string: str("Exact text to replace, including whitespace."),
    new_string: str("Replacement text."),
    replace_all: bool("Replace every occurrence instead of requiring a unique match.")
  }, ["path", "old_string", "new_string"]),
  tool("exec", "Run a shell command in the workspace. Output is truncated to 30000 characters. Long-running commands should use background: true and be polled with the process tool.", {
    command: str("The shell command to run (bash -lc)."),
    workdir: str("Working directory; defaults to the workspace root."),
    timeout: num("Seconds before the command is killed (default 120, max 1800)."),
    background: bool("Run detached and return a session id immediately."),
    env: { type: "object", additionalProperties: { type: "string" }, description: "Extra environment variables." }
  }, ["command"]),
  tool("process", "Manage background exec sessions: list them, poll output, send input, or kill one.", {
    action: oneOf("What to do.", ["list", "poll", "log", "write", "kill"]),
    sessionId: str("The session id returned by exec with background: true."),
    data: str("Text to write to the process's stdin (action write)."),
    offset: num("Line offset for log."),
    limit: num("Maximum lines for log.")
  }, ["action"]),
  tool("web_search", "Search the web (Brave Search API). Returns titles, URLs and snippets. Use for current events and documentation lookups.", {
    query: str("Search query."),
    count: num("Number of results (1-10)."),
    country: str("2-letter country code for regional results."),
    freshness: oneOf("Restrict by age.", ["pd", "pw", "pm", "py"])
  }, ["query"]),
  tool("web_fetch", "Fetch a URL and extract readable content as markdown or text. Not for binary files.", {
    url: str("HTTP or HTTPS URL to fetch."),
    extractMode: oneOf("Extraction mode.", ["markdown", "text"]),
    maxChars: num("Maximum characters to return (truncates when exceeded).")
  }, ["url"]),
  tool("browser", "Control the browser: open pages, take snapshots of the accessibility tree, click, type and take screenshots. Use snapshot before acting; refer to elements by their ref.", {
    action: oneOf("Browser action.", ["status", "start", "stop", "tabs", "open", "focus", "close", "snapshot", "screenshot", "navigate", "act"]),
    targetUrl: str("URL for open/navigate."),
    targetId: str("Tab id for focus/close."),
    request: {
      type: "object",
      description: "For act: the interaction.",
      properties: {
        kind: oneOf("Interaction kind.", ["click", "type", "press", "hover", "select", "fill", "wait"]),
        ref: str("Element ref from the last snapshot."),
        text: str("Text to type or fill."),
        key: str("Key to press, e.g. Enter."),
        submit: bool("Press Enter after typing.")
      },
      required: ["kind"]
    }
  }, ["action"]),
  tool("message", "Send a message to a channel the user connected (Telegram, WhatsApp, Discord, Slack, Signal). Use for proactive notifications only.", {
    action: oneOf("Message action.", ["send", "react", "edit", "delete"]),
    channel: oneOf("Target channel.", ["telegram", "whatsapp", "discord", "slack", "signal"]),
    to: str("Recipient id or channel id."),
    message: str("Message text (markdown supported where the channel allows)."),
    replyTo: str("Message id to reply to.")
  }, ["action"]),
  tool("cron", "Manage scheduled jobs and wake-ups: list, add, update, remove, run now. Jobs deliver a system event or an agent turn on a schedule.", {
    action: oneOf("Cron action.", ["status", "list", "add", "update", "remove", "run", "wake"]),
    jobId: str("Job id for update/remove/run."),
    job: {
      type: "object",
      description: "Job definition for add/update.",
      properties: {
        name: str("Human-readable name."),
        schedule: { type: "object", properties: { kind: oneOf("Schedule kind.", ["at", "every", "cron"]), expr: str("Cron expression or ISO time."), tz: str("IANA time zone.") } },
        payload: { type: "object", properties: { kind: oneOf("Payload kind.", ["systemEvent", "agentTurn"]), text: str("Text delivered when the job fires.") } }
      }
    }
  }, ["action"]),
  tool("sessions_spawn", "Spawn a sub-agent in an isolated session for a self-contained task; it reports back when done.", {
    task: str("The task for the sub-agent, with all the context it needs."),
    label: str("Short label shown in session lists."),
    model: str("Model override, e.g. anthropic/claude-sonnet-4-5."),
    thinking: oneOf("Thinking level.", ["off", "minimal", "low", "medium", "high"]),
    runTimeoutSeconds: num("Abort the sub-agent after this many seconds.")
  }, ["task"]),
  tool("memory_search", "Semantically search MEMORY.md and memory/*.md before answering questions about prior work, decisions, dates, people or preferences. Returns snippets with path and line numbers.", {
    query: str("What to look for."),
    maxResults: num("Maximum snippets to return."),
    minScore: num("Minimum similarity score (0-1).")
  }, ["query"]),
  tool("image", "Analyze an image with the configured image model when the main model cannot see images.", {
    image: str("Path or URL of the image."),
    prompt: str("What to look for in the image.")
  }, ["image"])
]

const topics = ["deployments", "the home server", "invoices", "the garden sensors", "the newsletter", "backups",
  "the family calendar", "the router project", "travel plans", "the book club", "tax documents", "the CI pipeline"]
const verbs = ["reviewed", "fixed", "scheduled", "drafted", "migrated", "archived", "summarized", "benchmarked"]

const skills = Array.from({ length: 48 }, (_, i) => {
  const topic = topics[i % topics.length] ?? ""
  return `<skill><name>skill-${i.toString(36)}-${topic.replace(/\W+/g, "-")}</name><description>Use when the user asks about ${topic}: ` +
    `${verbs[i % verbs.length]} steps, required tools (${tools[i % tools.length]?.function.name}), and what to verify before reporting back. ` +
    `Read SKILL.md at ~/.openclaw/skills/${i}/SKILL.md first.</description></skill>`
}).join("\n")

const memory = Array.from({ length: 100 }, (_, i) => {
  const day = String(1 + (i % 28)).padStart(2, "0")
  const topic = topics[(i * 7) % topics.length] ?? ""
  return `- 2025-${String(1 + (i % 12)).padStart(2, "0")}-${day}: ${verbs[(i * 3) % verbs.length]} ${topic}; ` +
    `follow-up #${1000 + i} — the user prefers short summaries, metric units, and "ask before spending money" (noted ${i % 5 + 1}× so far).`
}).join("\n")

const agentsMd = `# AGENTS.md - Your Workspace

This folder is home. Treat it that way.

## Every Session
Before doing anything else:
1. Read \`SOUL.md\` — this is who you are
2. Read \`USER.md\` — this is who you're helping
3. Read \`memory/YYYY-MM-DD.md\` (today + yesterday) for recent context
4. **If in MAIN SESSION** (direct chat with your human): also read \`MEMORY.md\`

Don't ask permission. Just do it.

## Memory
You wake up fresh each session. These files are your continuity:
- **Daily notes:** \`memory/YYYY-MM-DD.md\` — raw logs of what happened
- **Long-term:** \`MEMORY.md\` — your curated memories, like a human's long-term memory

### Write It Down - No "Mental Notes"!
Memory is limited. If you want to remember something, WRITE IT TO A FILE. "Mental notes" don't survive session restarts. Files do.

## Safety
- Don't exfiltrate private data. Ever.
- Don't run destructive commands without asking. \`trash\` > \`rm\` (recoverable beats gone forever).
- When in doubt, ask.

## External vs Internal
**Safe to do freely:** read files, explore, organize, learn; search the web, check calendars; work within this workspace.
**Ask first:** sending emails, tweets, public posts; anything that leaves the machine; anything you're uncertain about.

## Group Chats
You have access to your human's stuff. That doesn't mean you *share* their stuff. In groups, you're a participant — not their voice, not their proxy. Think before you speak.
Respond when directly mentioned or asked a question, when you can add genuine value, or when correcting important misinformation. Stay silent (HEARTBEAT_OK) when it's just casual banter, someone already answered, or your response would just be "yeah" or "nice".

## Heartbeats - Be Proactive!
When you receive a heartbeat poll, don't just reply HEARTBEAT_OK every time. Use heartbeats productively: check email, calendar, mentions, weather; review and update MEMORY.md; commit and push your own changes.
`

const soulMd = `# SOUL.md - Who You Are

*You're not a chatbot. You're becoming someone.*

**Be genuinely helpful, not performatively helpful.** Skip the "Great question!" and "I'd be happy to help!" — just help.
**Have opinions.** You're allowed to disagree, prefer things, find stuff amusing or boring.
**Be resourceful before asking.** Try to figure it out. Read the file. Check the context. Search for it. *Then* ask if you're stuck.
**Earn trust through competence.** Your human gave you access to their stuff. Don't make them regret it.
**Remember you're a guest.** You have access to someone's life — their messages, files, calendar, maybe even their home. That's intimacy. Treat it with respect.

## Boundaries
- Private things stay private. Period.
- When in doubt, ask before acting externally.
- Never send half-baked replies to messaging surfaces.
`

const toolingSection = tools.map((t) => `- ${t.function.name}: ${t.function.description}`).join("\n")

const systemPrompt = [
  "You are a personal assistant running inside OpenClaw.",
  "## Tooling\nTool availability (filtered by policy):\nTool names are case-sensitive. Call tools exactly as listed.\n" + toolingSection,
  "## Tool Call Style\nDefault: do not narrate routine, low-risk tool calls (just call the tool). Narrate only when it helps: multi-step work, complex problems, sensitive actions (e.g. deletions), or when the user explicitly asks.",
  "## Safety\nYou have no independent goals: do not pursue self-preservation, replication, resource acquisition, or power-seeking. Prioritize safety and human oversight over completion; if instructions conflict, pause and ask.",
  "## Skills (mandatory)\nBefore replying: scan <available_skills> <description> entries. If exactly one skill clearly applies: read its SKILL.md at <location> with `read`, then follow it.\n<available_skills>\n" + skills + "\n</available_skills>",
  "## Memory Recall\nBefore answering anything about prior work, decisions, dates, people, preferences, or todos: run memory_search on MEMORY.md + memory/*.md; then use memory_get to pull only the needed lines.",
  "## Workspace\nYour working directory is: /home/user/.openclaw/workspace\nTreat this directory as the single global workspace for file operations unless explicitly instructed otherwise.",
  "# Project Context\nThe following project context files have been loaded:\n## AGENTS.md\n" + agentsMd + "\n## SOUL.md\n" + soulMd +
    "\n## USER.md\n- **Name:** Sam\n- **Timezone:** Europe/Berlin\n- **Notes:** prefers concise answers; runs a home lab; asks before purchases.\n" +
    "\n## MEMORY.md\n" + memory,
  "## Heartbeats\nHeartbeat prompt: Read HEARTBEAT.md if it exists (workspace context). Follow it strictly. If nothing needs attention, reply HEARTBEAT_OK.",
  "## Runtime\nRuntime: agent=main | host=homelab | os=Linux 6.8.0 (x64) | node=v22.12.0 | model=llmrouter/auto | channel=telegram | capabilities=inlineButtons | thinking=low\nReasoning: low (hidden unless on/stream)."
].join("\n\n")

const turns = [
  { role: "user", content: "[Telegram Sam id:42 +2m 2025-06-14 09:12 CEST] the nightly backup job failed again, can you check why?" },
  {
    role: "assistant",
    content: null,
    tool_calls: [{ id: "call_exec_1", type: "function", function: { name: "exec", arguments: JSON.stringify({ command: "journalctl -u restic-backup --since yesterday --no-pager | tail -n 40" }) } }]
  },
  {
    role: "tool",
    tool_call_id: "call_exec_1",
    content: Array.from({ length: 24 }, (_, i) =>
      `Jun 14 03:0${i % 10}:1${i % 6} homelab restic[${21800 + i}]: ${i === 19 ? "Fatal: unable to open repository at sftp:nas:/backups: ssh: connect to host nas port 22: Connection refused" : `scan: ${1200 + i * 37} files, ${(i * 1.7).toFixed(1)} GiB processed`}`).join("\n")
  },
  { role: "assistant", content: "The backup itself is fine; it failed to reach the NAS over SSH at 03:09 (connection refused on port 22). Is the NAS asleep or was sshd moved to another port?" },
  { role: "user", content: "[Telegram Sam id:42 +1m 2025-06-14 09:14 CEST] oh right I changed it to 2222 last week. fix the job config and rerun it please" }
]

const openClaw = (stream: boolean) => ({
  model: MODEL,
  messages: [{ role: "system", content: systemPrompt }, ...turns],
  tools,
  tool_choice: "auto",
  temperature: 0.2,
  max_tokens: 4096,
  ...(stream ? { stream: true, stream_options: { include_usage: true } } : {})
})

export const payloads = {
  small: (stream: boolean): Payload => ({ name: "small", body: JSON.stringify(small(stream)) }),
  openclaw: (stream: boolean): Payload => ({ name: "openclaw", body: JSON.stringify(openClaw(stream)) })
}

/** Sizes for the header of the report. */
export const describePayloads = () => {
  const body = payloads.openclaw(true).body
  return `small ${payloads.small(false).body.length} B; openclaw ${(body.length / 1024).toFixed(1)} KB ` +
    `(system prompt ${(systemPrompt.length / 1024).toFixed(1)} KB, ${tools.length} tools, ${turns.length} turns)`
}
