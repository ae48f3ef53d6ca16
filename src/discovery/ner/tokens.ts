/**
 * The tokens the named-entity analysis works on: {@link tokenize}'s words and punctuation,
 * each with its folded gazetteer key and flags, read in one pass (an ASCII word's text and
 * key are spelt only if a pass asks for them). ASCII words (nearly all of them) are
 * classified from their character codes and looked up in place; only words with other
 * characters take the general path through `toLowerCase` and {@link foldKey}. The flat
 * token arrays and their table probes ({@link scanTokens}) are shared with the location
 * detector, whose place names live in the same table: one pass and one lookup per word.
 */
import { foldKey } from './fold.js'
import type { Lexicon } from './lexicon.js'
import { W as importedW, W_MASK as importedWMask } from './lexicon.js'
import type { Token } from './tokenize.js'
import { WordTable } from './word-table.js'

// Bound once in this module: some loaders (tsx, which runs the benchmarks) turn each use of
// an imported binding into a getter call, and these are read for every word.
const W = importedW
const W_MASK = importedWMask

/** A token with what the analysis needs to know about it. */
export interface Tok extends Token {
  /** Folded gazetteer key, without a possessive `'s` when the bare word is known. */
  readonly key: string
  /** {@link W} flags of the key, 0 when unknown. */
  readonly flags: number
  /** First letter upper case. */
  readonly cap: boolean
  /** No upper-case letter. */
  readonly lower: boolean
  /** Offset where the word ends without a possessive `'s`. */
  readonly bareEnd: number
  /** May be part of a name: a word, not a number, function word, honorific or acronym. */
  readonly nameable: boolean
  /** Two to five upper-case letters and nothing else ("ATM", "IBAN"). */
  readonly acronym: boolean
  /**
   * May hold an upper-case letter after the first character: false only when it surely does
   * not, so CamelCase tests run on few words.
   */
  readonly innerCap: boolean
  /**
   * The first UTF-16 code unit. No word starts with punctuation, so a one-character
   * punctuation token is told by its code alone, without spelling its text.
   */
  readonly code: number
  /** Starts with a numeric character (`\p{N}`). */
  readonly numeric: boolean
  /** True when {@link Tok.key} is `word`; spares spelling the key of a word never kept. */
  keyIs(word: string): boolean
  /** True when {@link Tok.key} is in `words` (see {@link wordSet}), without spelling it. */
  keyIn(words: WordTable): boolean
}

/** A set of folded words that {@link Tok.keyIn} probes with a word still inside its text. */
export function wordSet(words: Iterable<string>): WordTable {
  const entries = new Map<string, number>()
  for (const w of words) entries.set(w, 1)
  return new WordTable(entries)
}

/** The tokens of one text and facts gathered while reading them. */
export interface TokenList {
  readonly toks: Tok[]
  /** No upper-case letter anywhere in the text. */
  readonly allLower: boolean
  /** The OR of every token's flags: a pass whose trigger flag is absent can be skipped. */
  readonly anyFlags: number
  /** Some word starts with a capital. */
  readonly anyCap: boolean
}

const WORD_CHAR_RE = /[\p{L}\p{M}\p{N}]/u
const SPACE_RE = /\s/u
const UPPER_RE = /\p{Lu}/u
const DIGIT_START_RE = /^\p{N}/u
const ACRONYM_RE = /^\p{Lu}{2,5}$/u
const POSSESSIVE_RE = /['’]s$/

// ASCII classes by code: 1 word character, 2 space, 0 other.
const ASCII_CLASS = new Uint8Array(128)
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c)
  ASCII_CLASS[c] = /[A-Za-z0-9]/.test(ch) ? 1 : /\s/.test(ch) ? 2 : 0
}

// Classes of other BMP code units, filled in on first sight (class + 1, 0 not yet known):
// Unicode property tests cost far more than a table read, and texts repeat their letters.
const BMP_CLASS = new Uint8Array(0x10000)

function charClass(text: string, i: number): number {
  const c = text.charCodeAt(i)
  if (c < 128) return ASCII_CLASS[c] as number
  // Surrogate pairs: letters outside the BMP are rare in names; classify by code point.
  if (c >= 0xd800 && c <= 0xdbff) return classOf(text.slice(i, i + 2))
  const known = BMP_CLASS[c] as number
  if (known !== 0) return known - 1
  const cls = classOf(text[i] as string)
  BMP_CLASS[c] = cls + 1
  return cls
}

function classOf(ch: string): number {
  if (WORD_CHAR_RE.test(ch)) return 1
  return SPACE_RE.test(ch) ? 2 : 0
}

function charLength(text: string, i: number): number {
  const c = text.charCodeAt(i)
  return c >= 0xd800 && c <= 0xdbff && i + 1 < text.length ? 2 : 1
}

const NOT_NAMEABLE = W.FUNCTION | W.HONORIFIC

/** {@link TokenScan.kinds}: punctuation (low two bits). */
export const KIND_PUNCT = 0
/** {@link TokenScan.kinds}: a word of ASCII letters, digits and joiners (low two bits). */
export const KIND_ASCII = 1
/** {@link TokenScan.kinds}: any other word (low two bits). */
export const KIND_OTHER = 2
/** {@link TokenScan.kinds}: the token starts a line (a flag bit). */
export const LINE_START = 4
const FNV_OFFSET = 0x811c9dc5
const FNV_PRIME = 0x01000193

// Per-token scratch, reused across calls (the analysis is synchronous), so that reading a
// short text allocates only its tokens.
let starts = new Int32Array(256)
let ends = new Int32Array(256)
let kinds = new Uint8Array(256)
let uppers = new Int32Array(256)
let hashes = new Int32Array(256)

function grow(): void {
  const size = starts.length * 2
  const more = <T extends Int32Array | Uint8Array>(a: T, b: T): T => {
    b.set(a)
    return b
  }
  starts = more(starts, new Int32Array(size))
  ends = more(ends, new Int32Array(size))
  kinds = more(kinds, new Uint8Array(size))
  uppers = more(uppers, new Int32Array(size))
  hashes = more(hashes, new Int32Array(size))
}

/**
 * The tokens of one text as flat arrays, read once and looked up once for every detector
 * that reads words (the named-entity analysis and the location detector). Entries at
 * indices below `n` are valid until another text is scanned: the arrays are scratch space
 * reused from text to text.
 */
export interface TokenScan {
  readonly text: string
  readonly lex: Lexicon
  /** The table of `lex` the words were probed in (see `Lexicon.addPlaces`). */
  readonly table: WordTable
  /** How many tokens the text holds. */
  readonly n: number
  /** Start offset of each token. */
  readonly starts: Int32Array
  /** End offset (exclusive) of each token. */
  readonly ends: Int32Array
  /** {@link KIND_PUNCT}, {@link KIND_ASCII} or {@link KIND_OTHER}, with {@link LINE_START}. */
  readonly kinds: Uint8Array
  /** Upper-case letters of each ASCII word. */
  readonly uppers: Int32Array
  /**
   * For an ASCII word not starting with a digit, its slot in `lex.table` (the probe of its
   * lowercase form) or -1; meaningless for other tokens.
   */
  readonly slots: Int32Array
}

let lastScan: TokenScan | undefined

/**
 * Splits `text` into tokens and probes `lex.table` once for each ASCII word; the last text's
 * scan is reused, so the detectors run one after another on a text share one pass. Token
 * boundaries and line starts are exactly {@link tokenize}'s.
 */
export function scanTokens(text: string, lex: Lexicon): TokenScan {
  const table = lex.table
  if (lastScan?.text === text && lastScan.lex === lex && lastScan.table === table) return lastScan
  // Forget the previous scan first: its arrays are overwritten from here on.
  lastScan = undefined
  const n = scan(text)
  // Locals: the module's scratch bindings are mutable, so each use would reload them.
  const startAt = starts
  const endAt = ends
  const kindAt = kinds
  const slotAt = hashes
  // Look every ASCII word up in a tight loop of its own: the table does not fit in the
  // cache, and independent probes let the processor overlap their memory loads.
  for (let k = 0; k < n; k++) {
    if (((kindAt[k] as number) & 3) !== KIND_ASCII) continue
    const c = text.charCodeAt(startAt[k] as number)
    slotAt[k] =
      c >= 48 && c <= 57
        ? -1
        : table.probe(slotAt[k] as number, text, startAt[k] as number, endAt[k] as number)
  }
  lastScan = { text, lex, table, n, starts, ends, kinds, uppers, slots: hashes }
  return lastScan
}

/**
 * A {@link Tok} that is refilled from text to text. Its `text` and `key` strings are spelt on
 * first read: most passes decide from flags and case alone, so slicing and lowercasing every
 * word (a string or two per token) was most of the cost of reading a text.
 */
class PooledTok implements Tok {
  start = 0
  end = 0
  word = false
  lineStart = false
  flags = 0
  cap = false
  lower = false
  bareEnd = 0
  nameable = false
  acronym = false
  innerCap = false
  code = 0
  numeric = false
  /** The token's text once spelt, or undefined. */
  spelt: string | undefined = undefined
  /** The key once spelt, or undefined: then it is the ASCII lowercase of start..bareEnd. */
  folded: string | undefined = undefined

  get text(): string {
    if (this.spelt === undefined) this.spelt = pooledText.slice(this.start, this.end)
    return this.spelt
  }

  get key(): string {
    if (this.folded === undefined) {
      // Only ASCII words arrive here (readTokens sets the key of every other token): their
      // folded key is their lowercase, without the possessive when bareEnd cuts it.
      const word =
        this.bareEnd === this.end ? this.text : this.text.slice(0, this.bareEnd - this.start)
      this.folded = this.lower ? word : word.toLowerCase()
    }
    return this.folded
  }

  keyIs(word: string): boolean {
    if (this.folded !== undefined) return this.folded === word
    // An ASCII word: compare its lowercase in place.
    const len = this.bareEnd - this.start
    if (len !== word.length) return false
    for (let k = 0; k < len; k++) {
      const c = pooledText.charCodeAt(this.start + k)
      if ((c >= 65 && c <= 90 ? c + 32 : c) !== word.charCodeAt(k)) return false
    }
    return true
  }

  keyIn(words: WordTable): boolean {
    if (this.folded !== undefined) return words.find(this.folded) >= 0
    return words.findAscii(pooledText, this.start, this.bareEnd) >= 0
  }
}

// Tokens reused from text to text (the analysis is synchronous): a text's tokens are valid
// until the next call of readTokens. Allocating ~17 objects of 13 fields per short text, and
// their strings, showed in profiles as allocation and GC.
const pool: PooledTok[] = []
/** The text the pooled tokens lie in. */
let pooledText = ''

/**
 * Reads the tokens of `text` with the words' gazetteer flags from `lex`. Token boundaries
 * and line starts are exactly {@link tokenize}'s. The tokens are scratch reused by the next
 * call: read them before reading another text.
 */
export function readTokens(text: string, lex: Lexicon): TokenList {
  const {
    n,
    table,
    starts: startAt,
    ends: endAt,
    kinds: kindAt,
    uppers: upperAt,
    slots: slotAt,
  } = scanTokens(text, lex)
  while (pool.length < n) pool.push(new PooledTok())
  pooledText = text
  let anyFlags = 0
  let anyCap = false
  let anyUpper = false
  for (let k = 0; k < n; k++) {
    const t = pool[k] as PooledTok
    const start = startAt[k] as number
    const end = endAt[k] as number
    const kind = kindAt[k] as number
    t.start = start
    t.end = end
    t.bareEnd = end
    t.code = text.charCodeAt(start)
    t.lineStart = (kind & LINE_START) !== 0
    t.spelt = undefined
    switch (kind & 3) {
      case KIND_PUNCT:
        punctuation(t)
        break
      case KIND_ASCII: {
        const upper = upperAt[k] as number
        if (upper > 0) anyUpper = true
        asciiWord(t, table, text, upper, slotAt[k] as number)
        break
      }
      default: {
        const word = text.slice(start, end)
        if (!anyUpper && UPPER_RE.test(word)) anyUpper = true
        otherWord(t, lex, word)
      }
    }
    anyFlags |= t.flags
    if (t.cap) anyCap = true
  }
  // The text's tokens are the pool's first n, copied in one call into an array of their own:
  // the analysis reads past either end of it and must find nothing there.
  return { toks: pool.slice(0, n), allLower: !anyUpper, anyFlags, anyCap }
}

/**
 * Splits `text` into the scratch arrays; returns the token count. An ASCII word's hash is
 * that of its lowercase form, the table's key.
 */
function scan(text: string): number {
  const len = text.length
  let n = 0
  let i = 0
  let lineBreak = true
  while (i < len) {
    const c = text.charCodeAt(i)
    const cls = c < 128 ? (ASCII_CLASS[c] as number) : charClass(text, i)
    if (cls === 2) {
      if (c === 10) lineBreak = true
      i++
      continue
    }
    if (n === starts.length) grow()
    const start = i
    let kind = KIND_PUNCT
    if (cls !== 1) {
      i += c < 128 ? 1 : charLength(text, i)
    } else {
      // A word: letters and digits, joined by an inner ' ’ or - ("O'Brien").
      let ascii = c < 128
      let upper = 0
      let h = FNV_OFFSET
      if (ascii) {
        i++
        if (c >= 65 && c <= 90) {
          upper++
          h = Math.imul(h ^ (c + 32), FNV_PRIME)
        } else {
          h = Math.imul(h ^ c, FNV_PRIME)
        }
      } else {
        i += charLength(text, i)
      }
      for (;;) {
        while (i < len) {
          const d = text.charCodeAt(i)
          if (d < 128) {
            if (ASCII_CLASS[d] !== 1) break
            if (d >= 65 && d <= 90) {
              upper++
              h = Math.imul(h ^ (d + 32), FNV_PRIME)
            } else {
              h = Math.imul(h ^ d, FNV_PRIME)
            }
            i++
          } else {
            if (charClass(text, i) !== 1) break
            ascii = false
            i += charLength(text, i)
          }
        }
        const j = i < len ? text.charCodeAt(i) : 0
        if (
          (j === 0x27 || j === 0x2019 || j === 0x2d) &&
          i + 1 < len &&
          charClass(text, i + 1) === 1
        ) {
          if (j === 0x2019) ascii = false
          h = Math.imul(h ^ j, FNV_PRIME)
          i++
          continue
        }
        break
      }
      kind = ascii ? KIND_ASCII : KIND_OTHER
      uppers[n] = upper
      hashes[n] = h
    }
    starts[n] = start
    ends[n] = i
    kinds[n] = lineBreak ? kind | LINE_START : kind
    n++
    lineBreak = false
  }
  return n
}

function punctuation(t: PooledTok): void {
  t.word = false
  t.folded = ''
  t.flags = 0
  t.cap = false
  t.lower = false
  t.nameable = false
  t.acronym = false
  t.innerCap = false
  t.numeric = false
}

/** A word of ASCII letters, digits and joiners, classified from its character counts. */
function asciiWord(
  t: PooledTok,
  table: WordTable,
  text: string,
  upper: number,
  found: number,
): void {
  const start = t.start
  const end = t.end
  const c = text.charCodeAt(start)
  const lower = upper === 0
  const len = end - start
  t.word = true
  t.folded = undefined
  t.lower = lower
  t.numeric = c >= 48 && c <= 57
  // Digits carry no name, title or organisation knowledge: skip the lookup.
  if (t.numeric) {
    t.flags = 0
    t.cap = false
    t.nameable = false
    t.acronym = false
    t.innerCap = false
    return
  }
  // A word the table holds only as a place name (no W flag) is unknown to the analysis.
  let id = found >= 0 && (table.flags(found) & W_MASK) === 0 ? -1 : found
  // A possessive ("Anna's") unknown as spelt is looked up without its 's; its key drops the
  // 's either way.
  if (
    id < 0 &&
    len > 2 &&
    text.charCodeAt(end - 2) === 0x27 &&
    (text.charCodeAt(end - 1) | 0x20) === 0x73
  ) {
    t.bareEnd = end - 2
    id = table.findAscii(text, start, end - 2)
    if (id >= 0 && (table.flags(id) & W_MASK) === 0) id = -1
  }
  const flags = id >= 0 ? table.flags(id) & W_MASK : 0
  const cap = c >= 65 && c <= 90
  const acronym = upper === len && len >= 2 && len <= 5
  t.flags = flags
  t.cap = cap
  t.acronym = acronym
  t.nameable = (flags & NOT_NAMEABLE) === 0 && !(cap && acronym)
  t.innerCap = upper > (cap ? 1 : 0)
}

/** What {@link otherWord} learns about one word with a lexicon. */
interface WordReading {
  readonly key: string
  readonly flags: number
  /** The key dropped a possessive 's. */
  readonly possessive: boolean
  readonly lower: boolean
  readonly cap: boolean
  readonly acronym: boolean
  readonly numeric: boolean
  readonly nameable: boolean
  readonly innerCap: boolean
}

// Other words' readings, per lexicon: names with diacritics and words with a typographic
// apostrophe recur from text to text, and reading one (two lowercasings, three Unicode
// regexes, a fold and a lookup) costs several times a map hit. Bounded like foldKey's memo.
const READING_LIMIT = 20_000
const readingsByLex = new WeakMap<Lexicon, Map<string, WordReading>>()
let readingsLex: Lexicon | undefined
let readings = new Map<string, WordReading>()

/** Any other word: folded through `toLowerCase`, NFD and the transliterations of foldKey. */
function otherWord(t: PooledTok, lex: Lexicon, word: string): void {
  if (lex !== readingsLex) {
    let known = readingsByLex.get(lex)
    if (known === undefined) {
      known = new Map()
      readingsByLex.set(lex, known)
    }
    readings = known
    readingsLex = lex
  }
  let r = readings.get(word)
  if (r === undefined) {
    if (readings.size >= READING_LIMIT) readings.clear()
    r = readWord(lex, word)
    readings.set(word, r)
  }
  t.word = true
  t.spelt = word
  t.folded = r.key
  t.flags = r.flags
  if (r.possessive) t.bareEnd = t.end - 2
  t.lower = r.lower
  t.cap = r.cap
  t.acronym = r.acronym
  t.numeric = r.numeric
  t.nameable = r.nameable
  t.innerCap = r.innerCap
}

function readWord(lex: Lexicon, word: string): WordReading {
  const lowerText = word.toLowerCase()
  const lower = word === lowerText
  const c = word.charCodeAt(0)
  const acronym = ACRONYM_RE.test(word)
  const numeric = DIGIT_START_RE.test(word)
  if (c >= 48 && c <= 57) {
    return {
      key: lowerText,
      flags: 0,
      possessive: false,
      lower,
      cap: false,
      acronym,
      numeric,
      nameable: false,
      innerCap: false,
    }
  }
  let key = foldKey(lowerText)
  let flags = lex.flags(key)
  let possessive = false
  if (flags === 0 && POSSESSIVE_RE.test(key)) {
    key = key.slice(0, -2)
    possessive = true
    flags = lex.flags(key)
  }
  const cap = c >= 65 && c <= 90 ? true : c < 128 ? false : word[0] !== lowerText[0]
  return {
    key,
    flags,
    possessive,
    lower,
    cap,
    acronym,
    numeric,
    nameable: (flags & NOT_NAMEABLE) === 0 && !(cap && word.length <= 5 && acronym),
    innerCap: true,
  }
}
