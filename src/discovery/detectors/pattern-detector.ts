/**
 * Shared machinery for regex + validation + context detectors.
 *
 * Scoring: a match that passes validation gets `baseScore`; when one of the detector's
 * context words appears within {@link CONTEXT_WINDOW} characters before or after it, the
 * score rises by `contextBoost` (capped at 1).
 */
import { sortStable } from '../../lib/stable-sort.js'
import { textHints, type Detector, type Span, type TextHints } from '../detector.js'

/** Characters searched on each side of a match for context words. */
export const CONTEXT_WINDOW = 40

/** A validated match, possibly narrowed from the regex match. */
export interface Refined {
  readonly start: number
  readonly end: number
  /** Overrides `baseScore` for this match. */
  readonly score?: number
  /** A published test value: `score` (or `baseScore`) is kept, context never raises it. */
  readonly testValue?: boolean
}

/**
 * A test on a text's {@link TextHints}: false only when no match can exist in the text, which
 * is then skipped unread. It must never reject a text that holds a match.
 */
export type HintGate = (hints: TextHints) => boolean

/** The figures of {@link TextHints} (every field but the lower-cased text). */
export type HintFigure = Exclude<keyof TextHints, 'lower'>

/** A pattern run only on texts whose hints pass `gate`. */
export interface GatedPattern {
  readonly pattern: RegExp
  readonly gate: HintGate
}

/** Options for {@link createPatternDetector}. */
export interface PatternDetectorOptions {
  readonly id: string
  readonly entityType: string
  /**
   * Candidate patterns. Each must have the `g` flag and be linear-time safe: bounded or
   * non-overlapping quantifiers, and a lookbehind so a match cannot start inside a run.
   */
  readonly patterns: readonly (RegExp | GatedPattern)[]
  /** Returns the accepted span (or `true` for the whole match), or `false` to reject. */
  readonly validate?: (match: RegExpExecArray, text: string) => Refined | boolean
  readonly baseScore: number
  readonly contextWords?: readonly string[]
  readonly contextBoost?: number
  /**
   * After a rejected candidate, search again from the next character instead of after the
   * candidate, so a valid value inside a longer run ("1234 4111 1111 1111 1111") is found.
   * Only for patterns whose matches are bounded (≤ 64 characters), keeping scans linear.
   */
  readonly rescanInside?: boolean
  /** A match holds at least this many digits: texts with fewer are skipped unread. */
  readonly minDigits?: number
  /**
   * Figures of {@link TextHints} that every match reaches (a match in a text with
   * `figureDigits` 8 cannot hold 9 digits in one figure): texts below any are skipped
   * unread. Checked in place, before `gate`: most detectors turn most texts away here.
   */
  readonly atLeast?: Readonly<Partial<Record<HintFigure, number>>>
  /** A match contains one of these substrings: texts with none are skipped unread. */
  readonly needs?: readonly string[]
  /** Skips, unread, the texts whose hints rule out every pattern (see {@link HintGate}). */
  readonly gate?: HintGate
}

/**
 * True when a context word appears near `[start, end)`: a word of letters and digits as a
 * whole run of letters and digits of the lowercased window on either side, a phrase (with a
 * space) anywhere in it. Other words (with punctuation) never match.
 */
export function hasContext(
  text: string,
  start: number,
  end: number,
  words: readonly string[],
): boolean {
  if (words.length === 0) return false
  // Callers pass constant lists: each is sorted once.
  let sorted = sortedLists.get(words)
  if (sorted === undefined) {
    sorted = contextWords(words)
    sortedLists.set(words, sorted)
  }
  return nearContext(text, start, end, sorted)
}

const sortedLists = new WeakMap<readonly string[], ContextWords>()

/** Context words sorted by how {@link hasContext} finds them; other words never match. */
interface ContextWords {
  /** Words of `a`–`z` and `0`–`9`, found as whole runs. */
  readonly runs: readonly string[]
  /** Words with a space, found anywhere in the window. */
  readonly phrases: readonly string[]
}

/**
 * Sorts `words` (lower case) once per list: telling a word from a phrase per match cost a
 * regex test per word, and `hasContext` only answers whether any word is near.
 */
function contextWords(words: readonly string[]): ContextWords {
  const runs: string[] = []
  const phrases: string[] = []
  for (const w of words) {
    if (w.includes(' ')) phrases.push(w)
    else if (WORD_RE.test(w)) runs.push(w)
  }
  return { runs, phrases }
}

/** {@link hasContext} for sorted words. */
function nearContext(text: string, start: number, end: number, words: ContextWords): boolean {
  const { runs, phrases } = words
  if (runs.length === 0 && phrases.length === 0) return false
  const before = text.slice(Math.max(0, start - CONTEXT_WINDOW), start).toLowerCase()
  const after = text.slice(end, end + CONTEXT_WINDOW).toLowerCase()
  for (let i = 0; i < runs.length; i++) {
    const w = runs[i] as string
    if (wholeRun(before, w) || wholeRun(after, w)) return true
  }
  for (let i = 0; i < phrases.length; i++) {
    const w = phrases[i] as string
    if (before.includes(w) || after.includes(w)) return true
  }
  return false
}

const WORD_RE = /^[a-z0-9]+$/

// The answer of a detector its gates rule out: most detectors skip most texts, and a new
// empty array per skipped call was some fifty allocations per text. Frozen, so a caller that
// tried to add to it would fail loudly instead of changing every later answer.
const NONE = Object.freeze([]) as unknown as Span[]

/**
 * True when `w` (letters and digits) is a maximal run of `[a-z0-9]` in `s`: found in place,
 * where splitting the window into a set of words cost an array and a set per match.
 */
function wholeRun(s: string, w: string): boolean {
  for (let at = s.indexOf(w); at >= 0; at = s.indexOf(w, at + 1)) {
    if (!lowerAlnum(s.charCodeAt(at - 1)) && !lowerAlnum(s.charCodeAt(at + w.length))) return true
  }
  return false
}

/** True for the codes of `a`–`z` and `0`–`9` (NaN, outside the string, is neither). */
function lowerAlnum(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 48 && c <= 57)
}

const REGISTERED: { readonly detector: string; readonly pattern: RegExp }[] = []

/** Every pattern given to {@link createPatternDetector}, for the static safety check. */
export function registeredPatterns(): readonly { detector: string; pattern: RegExp }[] {
  return REGISTERED
}

/** A detector from patterns, a validator and context words. */
export function createPatternDetector(options: PatternDetectorOptions): Detector {
  const { id, entityType, validate, baseScore } = options
  const patterns = options.patterns.map((p) => (p instanceof RegExp ? p : p.pattern))
  const gates = options.patterns.map((p) => (p instanceof RegExp ? undefined : p.gate))
  const gate = options.gate
  for (const pattern of patterns) REGISTERED.push({ detector: id, pattern })
  const words = contextWords((options.contextWords ?? []).map((w) => w.toLowerCase()))
  const boost = options.contextBoost ?? 0
  // Unset figures are 0, which every text reaches: the checks below need no branch per field.
  const least = options.atLeast ?? {}
  const minDigits = Math.max(options.minDigits ?? 0, least.digits ?? 0)
  const minDigitRun = least.digitRun ?? 0
  const minFigureDigits = least.figureDigits ?? 0
  const minWordRun = least.wordRun ?? 0
  const minCodeRun = least.codeRun ?? 0
  const minUpper = least.upper ?? 0
  const minColons = least.colons ?? 0
  const minEquals = least.equals ?? 0
  const minInnerDots = least.innerDots ?? 0
  // One regex for the whole list: a loop of `includes` read the text once per substring. A
  // single substring is looked for with `includes`, which skips the regex call's overhead.
  const needs =
    options.needs === undefined || options.needs.length < 2
      ? undefined
      : keywordPattern(options.needs)
  const need = options.needs?.length === 1 ? options.needs[0] : undefined
  // A text holding one of several needed substrings holds it in lower case too: the shared
  // keyword scan turns most texts away before the (case-sensitive) regex reads them.
  const needsLower =
    needs === undefined
      ? undefined
      : new Keywords((options.needs ?? []).map((k) => k.toLowerCase()))
  const rescanInside = options.rescanInside === true
  // Compiled once: detection is synchronous and never re-entered, so each call can reset
  // and reuse these (compiling per call cost more than matching on short texts).
  const compiled = patterns.map((p) => new RegExp(p.source, p.flags))
  return {
    id,
    entityType,
    detect(text: string, given?: TextHints): Span[] {
      const hints = given ?? textHints(text)
      // Plain comparisons in this one function: a gate per detector was a call to one of
      // some forty small functions per text.
      if (
        hints.digits < minDigits ||
        hints.figureDigits < minFigureDigits ||
        hints.digitRun < minDigitRun ||
        hints.codeRun < minCodeRun ||
        hints.wordRun < minWordRun ||
        hints.upper < minUpper ||
        hints.innerDots < minInnerDots ||
        hints.colons < minColons ||
        hints.equals < minEquals
      )
        return NONE
      if (gate !== undefined && !gate(hints)) return NONE
      if (needsLower !== undefined && !needsLower.in(hints)) return NONE
      if (needs !== undefined && !needs.test(text)) return NONE
      if (need !== undefined && !text.includes(need)) return NONE
      // Made on the first match: most texts that pass the gates still hold none.
      let spans: Span[] | undefined
      for (let p = 0; p < compiled.length; p++) {
        const re = compiled[p] as RegExp
        const patternGate = gates[p]
        if (patternGate !== undefined && !patternGate(hints)) continue
        re.lastIndex = 0
        for (let m = re.exec(text); m !== null; m = re.exec(text)) {
          const verdict = validate === undefined ? true : validate(m, text)
          if (verdict === false) {
            if (rescanInside) re.lastIndex = m.index + 1
            continue
          }
          const refined: Refined =
            verdict === true ? { start: m.index, end: m.index + m[0].length } : verdict
          const base = refined.score ?? baseScore
          spans ??= []
          if (refined.testValue === true) {
            const { start, end } = refined
            spans.push({ type: entityType, start, end, score: base, testValue: true })
          } else {
            const score = nearContext(text, refined.start, refined.end, words)
              ? Math.min(1, base + boost)
              : base
            spans.push({
              type: entityType,
              start: refined.start,
              end: refined.end,
              score,
            })
          }
          // Resume after the accepted value, which may be shorter than the greedy match.
          if (refined.end > m.index) re.lastIndex = refined.end
        }
      }
      return spans === undefined ? NONE : dropContained(spans)
    },
  }
}

// The shared keyword scan: one pass over a text's lower case that answers, for every keyword
// list the detectors gate on at once, whether the text holds one of the list's keywords. Each
// list used to be a regex of its own, run over the text by each detector that asked: some
// eight passes per text, where this automaton (Aho–Corasick, one table read per character)
// makes one.

/** Lists beyond this many keep their own regex: their bits must fit in a positive int. */
const MAX_LISTS = 31

/** The registered lists, in bit order. */
const lists: (readonly string[])[] = []
/** Each registered list's bit, by its keywords joined. */
const bits = new Map<string, number>()

/** The automaton over every registered keyword, rebuilt after a registration. */
interface Automaton {
  /** Column of each ASCII code in `next`; 0 for codes no keyword holds. */
  readonly columns: Uint8Array
  /** Columns per state. */
  readonly width: number
  /** The state after each (state, column): failure links already followed. */
  readonly next: Int32Array
  /** The bits of the lists a keyword ending in each state belongs to. */
  readonly found: Int32Array
}

let automaton: Automaton | undefined
let lastLower: string | undefined
let lastMask = 0

/**
 * Adds `keywords` (lower case) to the lists the scan answers for; returns the list's bit, or
 * 0 when the scan cannot answer for it (a keyword empty or not ASCII, or no bit left): the
 * caller then tests the text itself.
 */
function registerKeywords(keywords: readonly string[]): number {
  // Every registry builds its detectors anew: the same list keeps the bit it was given.
  const key = keywords.join('\u0000')
  const known = bits.get(key)
  if (known !== undefined) return known
  if (lists.length >= MAX_LISTS || keywords.length === 0) return 0
  for (const k of keywords) if (k.length === 0 || !ascii(k)) return 0
  lists.push(keywords)
  automaton = undefined
  lastLower = undefined
  const bit = 1 << (lists.length - 1)
  bits.set(key, bit)
  return bit
}

/** True when every code unit of `s` is ASCII. */
function ascii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 127) return false
  return true
}

/**
 * The bits of the registered lists that have a keyword in `lower`, a lower-cased text. The
 * answer for the last text is kept: several detectors ask about one text in turn.
 */
function keywordMask(lower: string): number {
  if (lower === lastLower) return lastMask
  const a = (automaton ??= build())
  const { columns, width, next, found } = a
  let state = 0
  let mask = 0
  for (let i = 0; i < lower.length; i++) {
    const c = lower.charCodeAt(i)
    // No keyword holds a code outside ASCII: such a code restarts every match.
    state = c < 128 ? (next[state * width + (columns[c] as number)] as number) : 0
    mask |= found[state] as number
  }
  lastLower = lower
  lastMask = mask
  return mask
}

/** Builds the automaton over every registered keyword. */
function build(): Automaton {
  const columns = new Uint8Array(128)
  let width = 1
  for (const list of lists) {
    for (const k of list) {
      for (let i = 0; i < k.length; i++) {
        const c = k.charCodeAt(i)
        if (columns[c] === 0) columns[c] = width++
      }
    }
  }
  // The trie: children by column (-1 none), and the bits of the keywords ending at a state.
  const children: number[][] = [new Array<number>(width).fill(-1)]
  const ends: number[] = [0]
  lists.forEach((list, bit) => {
    for (const k of list) {
      let s = 0
      for (let i = 0; i < k.length; i++) {
        const col = columns[k.charCodeAt(i)] as number
        let t = children[s]?.[col] ?? -1
        if (t < 0) {
          t = children.length
          children.push(new Array<number>(width).fill(-1))
          ends.push(0)
          ;(children[s] as number[])[col] = t
        }
        s = t
      }
      ends[s] = (ends[s] as number) | (1 << bit)
    }
  })
  // Breadth first: each state's transitions and bits complete its failure state's, which
  // lies closer to the root and is done before it.
  const states = children.length
  const next = new Int32Array(states * width)
  const found = new Int32Array(states)
  const fail = new Int32Array(states)
  const queue: number[] = []
  for (let col = 0; col < width; col++) {
    const t = children[0]?.[col] ?? -1
    if (t > 0) {
      next[col] = t
      queue.push(t)
    }
  }
  found[0] = ends[0] as number
  for (let q = 0; q < queue.length; q++) {
    const s = queue[q] as number
    found[s] = (ends[s] as number) | (found[fail[s] as number] as number)
    for (let col = 0; col < width; col++) {
      const t = children[s]?.[col] ?? -1
      const viaFail = next[(fail[s] as number) * width + col] as number
      if (t < 0) {
        next[s * width + col] = viaFail
      } else {
        next[s * width + col] = t
        fail[t] = viaFail
        queue.push(t)
      }
    }
  }
  return { columns, width, next, found }
}

/**
 * True when the lower-cased text contains one of `keywords` (lower case): the gate of a
 * pattern that needs one of them, in any case. A detector asking often holds a
 * {@link Keywords} instead, which spares this lookup of the list's test.
 */
export function mentions(hints: TextHints, keywords: readonly string[]): boolean {
  let test = keywordTests.get(keywords)
  if (test === undefined) {
    test = new Keywords(keywords)
    keywordTests.set(keywords, test)
  }
  return test.in(hints)
}

const keywordTests = new WeakMap<readonly string[], Keywords>()

/** Texts longer than this skip keyword tests (see {@link Keywords.in}). */
const KEYWORD_TEST_MAX = 4096

/**
 * A constant list of lower-case keywords, compiled once, with its answer for the last text
 * asked about: several patterns of one detector may ask about one list for the same text.
 */
export class Keywords {
  /** The list's bit in the shared keyword scan, or 0 when the list keeps its own test. */
  readonly #bit: number
  /** The list's own test when the shared scan cannot answer for it (a single keyword: none). */
  readonly #re: RegExp | undefined
  /** The one keyword of such a list, found with `includes` (cheaper than a regex call). */
  readonly #word: string | undefined
  #lower: string | undefined = undefined
  #found = false

  constructor(keywords: readonly string[]) {
    this.#bit = registerKeywords(keywords)
    const own = this.#bit === 0
    this.#word = own && keywords.length === 1 ? keywords[0] : undefined
    this.#re = own && this.#word === undefined ? keywordPattern(keywords) : undefined
  }

  /** True when the lower-cased text contains one of the keywords (see {@link mentions}). */
  in(hints: TextHints): boolean {
    const lower = hints.lower
    // A long text holds nearly every keyword somewhere, and each test would read all of it:
    // the pattern runs without one.
    if (lower.length > KEYWORD_TEST_MAX) return true
    // One pass answers for every list: a regex per list read the text once per list.
    if (this.#bit !== 0) return (keywordMask(lower) & this.#bit) !== 0
    if (lower !== this.#lower) {
      this.#lower = lower
      this.#found =
        this.#word !== undefined ? lower.includes(this.#word) : (this.#re as RegExp).test(lower)
    }
    return this.#found
  }
}

/**
 * One regex finding any of `keywords` as a substring: one pass over the text, where a loop
 * of `includes` read it once per keyword (twice as slow on short texts). Lists must be
 * constants: the regex is compiled once per list object.
 */
function keywordPattern(keywords: readonly string[]): RegExp {
  // No keyword: nothing to find (an empty alternation would match everywhere).
  if (keywords.length === 0) return /(?!)/
  return new RegExp(keywords.map((k) => k.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|'))
}

/** Start first, then the longer span: the order {@link dropContained} reads spans in. */
function byStart(a: Span, b: Span): number {
  return a.start - b.start || b.end - a.end
}

/**
 * Removes spans lying inside another span of the same detector that scores at least as
 * much: with several patterns ("5 March 1990" and "March 1990") only the fuller match is
 * kept.
 */
function dropContained(spans: Span[]): Span[] {
  if (spans.length < 2) return spans
  sortStable(spans, byStart)
  const kept: Span[] = []
  // Sorted by start, the kept span reaching furthest right is the only candidate container
  // worth checking, which keeps this linear.
  let cover: Span | undefined
  for (const span of spans) {
    if (cover !== undefined && span.end <= cover.end && cover.score >= span.score) continue
    kept.push(span)
    if (cover === undefined || span.end > cover.end) cover = span
  }
  return kept
}
