/**
 * Hand-built structural features: the shape of the text rather than its
 * words. These carry most of the generalisation to unseen sources: code has
 * lines ending in `;{}`, indentation, operators and snake/camel identifiers;
 * stack traces have `at x (file:12:3)`; math has `$…$`, `x^2`, several
 * numbers and units; logic tasks have lettered options.
 *
 * Word-level cues (question phrases, "prove", dates…) live in lexicon.ts,
 * which matches them on the token stream in O(tokens); the regexes here are
 * only for character-level shapes, each anchored on a rare first character so
 * a call stays in the microseconds. Every value is squashed into [0, 1].
 */

export const STRUCT_NAMES = [
  "len-log", "words-tiny", "words-short", "words-long", "lines-log",
  "code-fence", "code-lines", "code-lines-3+", "indented-lines", "identifiers",
  "operators", "bracket-density", "call-syntax", "stack-trace", "shell-command", "cli-flags",
  "file-path", "url", "html-tag",
  "math-latex", "math-expression", "algebra", "numbers", "numbers-3+", "money", "percent", "units",
  "multiple-choice", "conditionals", "numeric-date",
  "question-mark", "exclamation", "wh-start", "imperative-writing", "act-as", "non-ascii", "bullet-lines"
] as const
export type StructName = (typeof STRUCT_NAMES)[number]
export const N_STRUCT = STRUCT_NAMES.length

/** Saturating squash: c / (c + k). */
const sat = (c: number, k: number): number => c / (c + k)

const count = (re: RegExp, s: string, max = 50): number => {
  re.lastIndex = 0
  let c = 0
  while (c < max && re.exec(s) !== null) c++
  return c
}

const STACK_MARKERS = [
  "Traceback (most recent call last)", "Error:", "Exception", "error:", "error[", "Segmentation fault", "segmentation fault",
  "core dumped", "exit code", "exit status", "npm ERR!", "panicked at", "command not found", "ermission denied",
  "No such file", "is not defined", "is not a function", "Cannot find module", "undefined reference", "FAILED", "    at "
]

// Characters beyond Latin-1 are escaped (• \u2022, € \u20ac): one would make the whole bundled chunk
// a two-byte string in memory (scripts/bundleOptions.ts).
export const RE = {
  // Sticky: tested at each line start.
  codeLineStart:
    /\s*(?:def |class |return\b|import |from \S+ import|#include|public |private |protected |static |const |let |var |function\b|fn |func |package |using |namespace |if ?\(|for ?\(|while ?\(|elif |else:|try:|except\b|catch ?\(|\}|\/\/|#!|@\w+|SELECT |INSERT |UPDATE |CREATE TABLE|<\/?[a-z]+[ >])/y,
  shellLineStart:
    /\s*(?:\$ |# )?(?:sudo|git|npm|npx|yarn|pnpm|pip3?|python3?|node|docker|kubectl|cd|ls|mkdir|rm|cp|mv|cat|grep|sed|awk|curl|wget|ssh|scp|rsync|chmod|chown|systemctl|journalctl|apt(?:-get)?|brew|make|cargo|go|gcc|tar|export|echo|helm|terraform) +\S/y,
  bulletLineStart: /[ \t]*(?:[-*\u2022]|\d{1,2}[.)]) +\S/y,
  optionLineStart: /[ \t]*\(?[A-E][).:] +\S/y,
  operator: /==|!=|<=|>=|=>|->|&&|\|\||\+=|-=|::|\+\+/g,
  stackAt: /\n\s+at [\w.$<>]+ \(?[^()\n]*:\d+/g,
  lineNo: /, line \d+/g,
  flag: / --?[a-zA-Z][\w-]*/g,
  fileExt:
    /\.(?:py|js|mjs|cjs|ts|tsx|jsx|rs|java|kt|cpp|cc|hpp|rb|php|sh|bash|ps1|ya?ml|json|toml|ini|cfg|conf|env|lock|sql|css|scss|html|vue|svelte|dart|swift|ipynb|xml|gradle|tf|go|csproj|dll|exe)\b/g,
  pathLike: /\/[\w.-]+\/[\w.-]/g,
  url: /https?:\/\//g,
  htmlTag: /<\/?[a-z][a-z0-9]*(?:\s[^<>\n]{0,80})?>/g,
  // Inline math must not start with a digit, so two prices ("$25 … $9") do not read as $…$.
  latex: /\$[^$\d\s][^$\n]{0,200}\$|\\[a-z]{2,}/g,
  mathExpr: /\d ?[-+*/×÷^=] ?\(?\d/g,
  number: /\d+(?:[.,]\d+)?/g,
  money: /[$\u20ac£¥]\s?\d|\d\s?(?:dollars|usd|eur|euros|cents|pence)\b/g,
  units:
    /\d\s?(?:km|miles?|mph|kg|lbs?|pounds|ounces|oz|hours?|hrs?|minutes?|mins?|seconds?|days?|weeks?|months?|years?|cm|mm|m|meters?|liters?|litres?|ml|gallons?|feet|ft|inches|units?|people|persons)\b/g,
  choices: /Options:|Answer Choices|\([A-E]\) /g,
  numericDate: /\d{4}-\d{2}-\d{2}|\d{1,2}\/\d{1,2}\/\d{2,4}/g,
  whStart: /^\s*(?:what|who|whom|whose|when|where|why|how|which|is|are|can|could|do|does|did|should|would|will)\b/i,
  imperativeWriting:
    /^\s*(?:please\s+)?(?:write|draft|compose|rewrite|rephrase|summari[sz]e|translate|proofread|create|generate|give me|suggest|brainstorm|list|describe|explain|tell me)\b/i,
  actAs: /\b(?:i want you to act as|act as an?|you are an? (?:expert|experienced|senior))\b/i
}

const MATH_SYMBOLS = "²³√π∑∫≤≥≠±×÷∞"
/** Letters that after a number are usually a unit or size (5k, 10m, 4g, 30s, 1080p, 3d, 2h, 5l), not a variable. */
const UNIT_SUFFIX = new Set([..."kmgsphdl"].map((c) => c.charCodeAt(0)))
const isDigit = (c: number): boolean => c >= 48 && c <= 57
const isWord = (c: number): boolean => isAlnum(c) || c === 95
const isLower = (c: number): boolean => c >= 97 && c <= 122
const isUpper = (c: number): boolean => c >= 65 && c <= 90
const isAlnum = (c: number): boolean => isLower(c) || isUpper(c) || (c >= 48 && c <= 57)

const endsWithQuestion = (text: string): boolean => {
  let i = text.length - 1
  while (i >= 0 && text.charCodeAt(i) <= 32) i--
  return text.charCodeAt(i) === 63
}

/** Sticky regex test at one offset. */
const testAt = (re: RegExp, text: string, pos: number): boolean => {
  re.lastIndex = pos
  return re.test(text)
}

/** Occurrences of `needle` (non-overlapping), at most `max`. */
const occurrences = (text: string, needle: string, max = 20): number => {
  let c = 0
  let i = text.indexOf(needle)
  while (i !== -1 && c < max) {
    c++
    i = text.indexOf(needle, i + needle.length)
  }
  return c
}

/**
 * Writes the structural features of `text` into `out[0..N_STRUCT)`.
 * `text` is the (already capped) original-case message.
 */
export const structuralFeatures = (text: string, out: Float64Array): void => {
  const len = text.length
  // One char pass: words, brackets, non-ASCII, snake_case / camelCase identifiers.
  let words = 0
  let brackets = 0
  let nonAscii = 0
  let identifiers = 0
  let calls = 0
  let algebra = 0
  let percent = 0
  let exclamations = 0
  let mathSymbols = 0
  let digits = 0
  let inWord = false
  let wordHasMark = false
  for (let i = 0; i < len; i++) {
    const c = text.charCodeAt(i)
    // Punctuation-anchored shapes are checked here instead of with regexes that would scan every position.
    if (c === 40) {
      // name(…): an identifier of 3+ chars right before "("
      if (i >= 3 && isWord(text.charCodeAt(i - 1)) && isWord(text.charCodeAt(i - 2)) && isWord(text.charCodeAt(i - 3))) calls++
    } else if (c === 94) {
      if (isDigit(text.charCodeAt(i + 1)) || isDigit(text.charCodeAt(i + 2)) || text.charCodeAt(i + 1) === 123) algebra++ // x^2, x^{10}
    } else if (c === 61) {
      // x = 3 (a lone letter assigned a number)
      const p1 = text.charCodeAt(i - 1) === 32 ? i - 2 : i - 1
      const n1 = text.charCodeAt(i + 1) === 32 ? i + 2 : i + 1
      if (isLower(text.charCodeAt(p1)) && !isAlnum(text.charCodeAt(p1 - 1)) && (isDigit(text.charCodeAt(n1)) || text.charCodeAt(n1) === 45))
        algebra++
    } else if (c === 33) {
      // "great!", "wow!!": an exclamation after a word, not code's `!=` or `!flag`.
      const p = text.charCodeAt(i - 1)
      if ((isAlnum(p) || p === 33 || p > 127) && text.charCodeAt(i + 1) !== 61) exclamations++
    } else if (c === 37) {
      if (isDigit(text.charCodeAt(i - 1)) || isDigit(text.charCodeAt(i - 2))) percent++
    } else if (isDigit(c)) {
      digits++
      const next = text.charCodeAt(i + 1)
      // 3x, 2y — but not 5k, 10m, 4g, 30s, 1080p, 3d: a unit or size suffix is not a variable.
      if (isLower(next) && !UNIT_SUFFIX.has(next) && !isAlnum(text.charCodeAt(i + 2)) && !isAlnum(text.charCodeAt(i - 1))) algebra++
    } else if (c > 127 && MATH_SYMBOLS.includes(text[i] ?? "")) mathSymbols++
    const ws = c === 32 || c === 10 || c === 9 || c === 13
    if (!ws && !inWord) {
      words++
      wordHasMark = false
    }
    inWord = !ws
    if (c === 123 || c === 125 || c === 91 || c === 93 || c === 59) brackets++
    else if (c > 127) nonAscii++
    else if (!wordHasMark && i > 0) {
      const p = text.charCodeAt(i - 1)
      if ((c === 95 && isAlnum(p) && isAlnum(text.charCodeAt(i + 1))) || (isUpper(c) && isLower(p) && isLower(text.charCodeAt(i + 1)))) {
        identifiers++
        wordHasMark = true
      }
    }
  }
  // One line pass: code-looking, indented, shell, bullet and option lines.
  let nonEmpty = 0
  let codeLines = 0
  let indented = 0
  let shellLines = 0
  let bullets = 0
  let optionLines = 0
  let lineCount = 0
  let pos = 0
  while (pos <= len) {
    let nl = text.indexOf("\n", pos)
    if (nl === -1) nl = len
    lineCount++
    let end = nl
    while (end > pos && (text.charCodeAt(end - 1) === 32 || text.charCodeAt(end - 1) === 13 || text.charCodeAt(end - 1) === 9)) end--
    if (end > pos) {
      nonEmpty++
      const last = text.charCodeAt(end - 1)
      if (last === 59 || last === 123 || last === 125 || testAt(RE.codeLineStart, text, pos)) codeLines++
      const c0 = text.charCodeAt(pos)
      if (c0 === 9 || (c0 === 32 && text.charCodeAt(pos + 1) === 32)) indented++
      if (testAt(RE.shellLineStart, text, pos)) shellLines++
      if (testAt(RE.bulletLineStart, text, pos)) bullets++
      if (testAt(RE.optionLineStart, text, pos)) optionLines++
    }
    pos = nl + 1
  }
  // Cheap `includes` gates skip regexes whose anchor character is absent (most prose).
  const has = (needle: string): boolean => text.includes(needle)
  let stack = (has(" at ") ? count(RE.stackAt, text, 10) : 0) + (has(", line ") ? count(RE.lineNo, text, 10) : 0)
  for (const m of STACK_MARKERS) if (text.includes(m)) stack++
  const numbers = digits > 0 ? count(RE.number, text, 60) : 0
  const head = len > 400 ? text.slice(0, 400) : text
  const v: ReadonlyArray<number> = [
    Math.min(1, Math.log1p(len) / 9),
    words <= 3 ? 1 : 0,
    words > 3 && words <= 12 ? 1 : 0,
    words > 80 ? 1 : 0,
    Math.min(1, Math.log1p(lineCount - 1) / 4),
    text.includes("```") ? 1 : 0,
    nonEmpty > 0 ? codeLines / nonEmpty : 0,
    codeLines >= 3 ? 1 : 0,
    nonEmpty > 0 ? indented / nonEmpty : 0,
    sat(identifiers, 2),
    sat(has("=") || has("&&") || has("||") || has("->") || has("::") || has("++") ? count(RE.operator, text) : 0, 2),
    len > 0 ? Math.min(1, (brackets * 40) / len) : 0,
    sat(calls, 2),
    sat(stack, 1),
    sat(shellLines, 1),
    sat(has(" -") ? count(RE.flag, text) : 0, 1),
    sat(count(RE.fileExt, text) + (has("/") ? count(RE.pathLike, text) : 0), 1),
    sat(has("://") ? count(RE.url, text) : 0, 1),
    sat(has("<") ? count(RE.htmlTag, text) : 0, 1),
    sat(has("$") || has("\\") ? count(RE.latex, text) : 0, 1),
    sat((digits > 1 ? count(RE.mathExpr, text) : 0) + mathSymbols, 1),
    sat(algebra, 1),
    sat(numbers, 3),
    numbers >= 3 ? 1 : 0,
    sat(digits > 0 ? count(RE.money, text) : 0, 1),
    sat(percent + occurrences(text, "percent"), 1),
    sat(digits > 0 ? count(RE.units, text) : 0, 1),
    sat((has("Options") || has("Answer") || has("(A)") ? count(RE.choices, text) : 0) + (optionLines >= 2 ? optionLines : 0), 1),
    sat(occurrences(text, " if ") + occurrences(text, "If "), 1),
    sat(digits > 5 ? count(RE.numericDate, text) : 0, 1),
    endsWithQuestion(text) ? 1 : 0,
    sat(exclamations, 1),
    RE.whStart.test(head) ? 1 : 0,
    RE.imperativeWriting.test(head) ? 1 : 0,
    RE.actAs.test(head) ? 1 : 0,
    len > 0 ? Math.min(1, (nonAscii * 4) / len) : 0,
    sat(bullets, 2)
  ]
  for (let i = 0; i < N_STRUCT; i++) out[i] = v[i] ?? 0
}
