/**
 * Feature extraction: one sparse vector per text, laid out as
 *   [structural (N_STRUCT)] [lexicon classes (N_LEX)] [hashed n-grams (HASH_SIZE)]
 *
 * Dense parts are named (they explain decisions in `signals`); the hashed part
 * holds word unigrams, bigrams and a start-of-text bigram, folded into
 * HASH_SIZE buckets. Training (scripts/classifier) and production call this
 * same function, so cross-validation measures exactly what ships.
 */
import { combine, finalize, fnvString } from "./hash.js"
import { LEX, LEX_CLASSES, LEXICON, PHRASE_STARTS } from "./lexicon.js"
import { N_STRUCT, STRUCT_NAMES, structuralFeatures } from "./structure.js"
import { makeTokens, PUNCT, tokenize, WORD, type Tokens } from "./tokenize.js"

export const HASH_BITS = 15
export const HASH_SIZE = 1 << HASH_BITS
export const N_LEX = LEX_CLASSES.length
/** Features computed from token proximity (see extractFeatures). */
const PROXIMITY_NAMES = [
  "write-code-request", "code-question", "quantified-statement", "howto-tech", "hypothetical-quantity", "decision-with-numbers",
  "boolean-expression"
] as const
const N_PROX = PROXIMITY_NAMES.length
export const HASH_OFFSET = N_STRUCT + N_LEX + N_PROX
export const DIM = HASH_OFFSET + HASH_SIZE
export const DENSE_NAMES: ReadonlyArray<string> = [...STRUCT_NAMES, ...LEX_CLASSES.map((c) => `lex-${c}`), ...PROXIMITY_NAMES]

/** Longest text analysed: head + tail keeps the ask (usually first) and the question (often last). */
export const MAX_CHARS = 1500
/** Structural shapes saturate quickly, so their regexes see a shorter window. */
export const STRUCT_CHARS = 1000

const headTail = (text: string, max: number): string => {
  if (text.length <= max) return text
  const head = Math.round(max * 0.7)
  return `${text.slice(0, head)}\n${text.slice(text.length - (max - head - 1))}`
}

export const capText = (text: string): string => headTail(text, MAX_CHARS)

export interface Features {
  /** Dense values, length HASH_OFFSET. */
  readonly dense: Float64Array
  /** Hashed bucket per occurrence (absolute index into the weight row). */
  readonly idx: Int32Array
  /** Token index of the occurrence (for explanations); negative for bigrams (-(t+1)). */
  readonly tok: Int32Array
  /** Weight of each hashed occurrence (1/sqrt(occurrences)). */
  hashedValue: number
  n: number
  /** The capped, lower-cased text and its tokens, kept for explanations. */
  text: string
  readonly tokens: Tokens
}

const MAX_TOKENS = MAX_CHARS + 8

export const makeFeatures = (): Features => ({
  dense: new Float64Array(HASH_OFFSET),
  idx: new Int32Array(MAX_TOKENS * 2 + 1),
  tok: new Int32Array(MAX_TOKENS * 2 + 1),
  hashedValue: 0,
  n: 0,
  text: "",
  tokens: makeTokens(MAX_TOKENS)
})

const BOS = fnvString("<bos>")
const MASK = HASH_SIZE - 1
const bucket = (h: number): number => HASH_OFFSET + (finalize(h) & MASK)
const LEX_BITS = LEX_CLASSES.map((c) => LEX[c])
const CODE_TARGET = LEX.lang | LEX.tool
const LANG_INDEX = LEX_CLASSES.indexOf("lang")
const TOOL_INDEX = LEX_CLASSES.indexOf("tool")
const HOWTO_INDEX = LEX_CLASSES.indexOf("howTo")
const DECISION_INDEX = LEX_CLASSES.indexOf("decision")
const NUMBERS_3_INDEX = STRUCT_NAMES.indexOf("numbers-3+")
/**
 * Function words behind the proximity features, one map lookup per token:
 *  - a quantity question followed by a modal ("how many golf balls would fit") asks about a
 *    hypothetical, i.e. for a Fermi estimate;
 *  - a text made mostly of truth values and connectives ("not (True and False) or True") is a
 *    boolean expression to evaluate;
 *  - "all X are", "no X is", "some X were" are syllogism-style quantified statements.
 */
const MODAL = 1
const TRUTH_VALUE = 2
const CONNECTIVE = 4
const QUANTIFIER = 8
const COPULA = 16
const FUNCTION_WORDS = new Map<number, number>()
const tag = (flag: number, words: ReadonlyArray<string>): void => {
  for (const w of words) FUNCTION_WORDS.set(fnvString(w), (FUNCTION_WORDS.get(fnvString(w)) ?? 0) | flag)
}
tag(MODAL, ["would", "could", "might"])
tag(TRUTH_VALUE, ["true", "false"])
tag(CONNECTIVE, ["and", "or", "not", "xor", "implies"])
tag(QUANTIFIER, ["all", "no", "some", "every", "none", "each"])
tag(COPULA, ["are", "is", "were", "was", "have", "has", "can"])
/** A quantity question ("how many") followed within this many tokens by a modal. */
const HYPOTHETICAL_WINDOW = 8
const LEX_COUNTS = new Float64Array(N_LEX)
/** Single punctuation chars informative enough to keep as unigrams: { } $ = ; \ */
const KEEP_PUNCT = new Set([123, 125, 36, 61, 59, 92])
/** A request verb ("write", "set up") followed within this many tokens by a code artifact ("function", "script"). */
const REQUEST_WINDOW = 6

/** Fills `out` with the features of `rawText`. Deterministic; reuses `out`'s buffers. */
export const extractFeatures = (rawText: string, out: Features): Features => {
  const text = capText(rawText)
  structuralFeatures(headTail(text, STRUCT_CHARS), out.dense)
  const lower = text.toLowerCase()
  out.text = lower
  const toks = out.tokens
  tokenize(lower, toks)
  const lexCounts = LEX_COUNTS.fill(0)
  let n = 0
  let prev = BOS
  let lastReqVerb = -100
  let writeCode = 0
  let codeQuestion = 0
  let prevBits = 0
  let lastQuantifier = -100
  let quantified = 0
  let lastQuantQ = -100
  let hypothetical = 0
  let words = 0
  let truthValues = 0
  let connectives = 0
  for (let t = 0; t < toks.n; t++) {
    const h = toks.hash[t] ?? 0
    // Lexicon: single token, then 2- and 3-token phrases starting here.
    let bits = LEXICON.get(h) ?? 0
    if (PHRASE_STARTS.has(h) && t + 1 < toks.n) {
      const h2 = combine(h, toks.hash[t + 1] ?? 0)
      bits |= LEXICON.get(h2) ?? 0
      if (t + 2 < toks.n) bits |= LEXICON.get(combine(h2, toks.hash[t + 2] ?? 0)) ?? 0
    }
    if (bits !== 0) {
      for (let c = 0; c < N_LEX; c++) if ((bits & (LEX_BITS[c] ?? 0)) !== 0) lexCounts[c] = (lexCounts[c] ?? 0) + 1
      if ((bits & LEX.codeArtifact) !== 0 && t - lastReqVerb <= REQUEST_WINDOW) writeCode++
      if ((bits & LEX.reqVerb) !== 0) lastReqVerb = t
      if ((bits & LEX.quantQ) !== 0) lastQuantQ = t
      // "… in python", "… using pandas", "with docker"
      if ((bits & CODE_TARGET) !== 0 && (prevBits & LEX.prep) !== 0) codeQuestion++
    }
    prevBits = bits
    if (toks.kind[t] === WORD) words++
    const fw = FUNCTION_WORDS.get(h) ?? 0
    if (fw !== 0) {
      if ((fw & MODAL) !== 0 && t - lastQuantQ <= HYPOTHETICAL_WINDOW) hypothetical++
      if ((fw & TRUTH_VALUE) !== 0) truthValues++
      else if ((fw & CONNECTIVE) !== 0) connectives++
      if ((fw & QUANTIFIER) !== 0) lastQuantifier = t
      else if (t - lastQuantifier <= 3 && t - lastQuantifier >= 2 && (fw & COPULA) !== 0) quantified++
    }
    // Lone punctuation unigrams like "." or "," say little; keep them only inside bigrams.
    const isPunct = toks.kind[t] === PUNCT
    if (!isPunct || (toks.end[t] ?? 0) - (toks.start[t] ?? 0) > 1 || KEEP_PUNCT.has(lower.charCodeAt(toks.start[t] ?? 0))) {
      out.idx[n] = bucket(h)
      out.tok[n] = t
      n++
    }
    out.idx[n] = bucket(combine(prev, h))
    out.tok[n] = -(t + 1)
    n++
    prev = h
  }
  out.n = n
  out.hashedValue = n > 0 ? 1 / Math.sqrt(n) : 0
  for (let c = 0; c < N_LEX; c++) {
    const k = lexCounts[c] ?? 0
    out.dense[N_STRUCT + c] = k / (k + 1)
  }
  out.dense[N_STRUCT + N_LEX] = writeCode / (writeCode + 0.5)
  out.dense[N_STRUCT + N_LEX + 1] = codeQuestion / (codeQuestion + 0.5)
  out.dense[N_STRUCT + N_LEX + 2] = quantified / (quantified + 1)
  // "how do I …" about a named language or tool: a how-to in a specific technology is coding, not a concept question.
  const tech = (lexCounts[LANG_INDEX] ?? 0) + (lexCounts[TOOL_INDEX] ?? 0)
  out.dense[N_STRUCT + N_LEX + 3] = (lexCounts[HOWTO_INDEX] ?? 0) > 0 && tech > 0 ? 1 : 0
  out.dense[N_STRUCT + N_LEX + 4] = hypothetical > 0 ? 1 : 0
  // "should we … $3,500/month … 4 months": weighing options is reasoning only when there are numbers to weigh.
  out.dense[N_STRUCT + N_LEX + 5] = (lexCounts[DECISION_INDEX] ?? 0) > 0 ? (out.dense[NUMBERS_3_INDEX] ?? 0) : 0
  out.dense[N_STRUCT + N_LEX + 6] = truthValues >= 2 && truthValues + connectives >= 0.6 * words ? 1 : 0
  return out
}
