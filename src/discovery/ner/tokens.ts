/**
 * The tokens the named-entity analysis works on: {@link tokenize}'s words and punctuation,
 * each with its folded gazetteer key and flags, read in one pass. ASCII words (nearly all of
 * them) are classified from their character codes and looked up in place; only words with
 * other characters take the general path through `toLowerCase` and {@link foldKey}. The flat
 * token arrays and their table probes ({@link scanTokens}) are shared with the location
 * detector, whose place names live in the same table: one pass and one lookup per word.
 */
import { foldKey } from './fold.js'
import type { Lexicon } from './lexicon.js'
import { W as importedW, W_MASK as importedWMask } from './lexicon.js'
import type { Token } from './tokenize.js'
import type { WordTable } from './word-table.js'

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
 * Reads the tokens of `text` with the words' gazetteer flags from `lex`. Token boundaries
 * and line starts are exactly {@link tokenize}'s.
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
  // Sized up front: the count is known, and growing by pushes copied the array repeatedly.
  const toks = new Array<Tok>(n)
  let anyFlags = 0
  let anyCap = false
  let anyUpper = false
  for (let k = 0; k < n; k++) {
    const start = startAt[k] as number
    const end = endAt[k] as number
    const kind = kindAt[k] as number
    const lineStart = (kind & LINE_START) !== 0
    let t: Tok
    switch (kind & 3) {
      case KIND_PUNCT:
        t = punctuation(start, end, text.slice(start, end), lineStart)
        break
      case KIND_ASCII: {
        const upper = upperAt[k] as number
        if (upper > 0) anyUpper = true
        t = asciiWord(table, text, start, end, lineStart, upper, slotAt[k] as number)
        break
      }
      default: {
        const word = text.slice(start, end)
        if (!anyUpper && UPPER_RE.test(word)) anyUpper = true
        t = otherWord(lex, start, end, word, lineStart)
      }
    }
    anyFlags |= t.flags
    if (t.cap) anyCap = true
    toks[k] = t
  }
  return { toks, allLower: !anyUpper, anyFlags, anyCap }
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

function punctuation(start: number, end: number, text: string, lineStart: boolean): Tok {
  return {
    start,
    end,
    text,
    word: false,
    lineStart,
    key: '',
    flags: 0,
    cap: false,
    lower: false,
    bareEnd: end,
    nameable: false,
    acronym: false,
    innerCap: false,
  }
}

/** A word of ASCII letters, digits and joiners, classified from its character counts. */
function asciiWord(
  table: WordTable,
  text: string,
  start: number,
  end: number,
  lineStart: boolean,
  upper: number,
  found: number,
): Tok {
  const word = text.slice(start, end)
  const c = text.charCodeAt(start)
  const lower = upper === 0
  const len = end - start
  // Digits carry no name, title or organisation knowledge: skip the lookup.
  if (c >= 48 && c <= 57) {
    return {
      start,
      end,
      text: word,
      word: true,
      lineStart,
      key: lower ? word : word.toLowerCase(),
      flags: 0,
      cap: false,
      lower,
      bareEnd: end,
      nameable: false,
      acronym: false,
      innerCap: false,
    }
  }
  // A word the table holds only as a place name (no W flag) is unknown to the analysis.
  let id = found >= 0 && (table.flags(found) & W_MASK) === 0 ? -1 : found
  let key: string
  let bareEnd = end
  // A hit's key is the word's ASCII lowercase: spelt from the word rather than read from the
  // table, whose key strings lie scattered in the heap (two more cache misses per word).
  if (id >= 0) {
    key = lower ? word : word.toLowerCase()
  } else if (
    len > 2 &&
    text.charCodeAt(end - 2) === 0x27 &&
    (text.charCodeAt(end - 1) | 0x20) === 0x73
  ) {
    bareEnd = end - 2
    id = table.findAscii(text, start, bareEnd)
    if (id >= 0 && (table.flags(id) & W_MASK) === 0) id = -1
    key = text.slice(start, bareEnd).toLowerCase()
  } else {
    key = lower ? word : word.toLowerCase()
  }
  const flags = id >= 0 ? table.flags(id) & W_MASK : 0
  const cap = c >= 65 && c <= 90
  const acronym = upper === len && len >= 2 && len <= 5
  const nameable = (flags & NOT_NAMEABLE) === 0 && !(cap && acronym)
  return {
    start,
    end,
    text: word,
    word: true,
    lineStart,
    key,
    flags,
    cap,
    lower,
    bareEnd,
    nameable,
    acronym,
    innerCap: upper > (cap ? 1 : 0),
  }
}

/** Any other word: folded through `toLowerCase`, NFD and the transliterations of foldKey. */
function otherWord(
  lex: Lexicon,
  start: number,
  end: number,
  word: string,
  lineStart: boolean,
): Tok {
  const lowerText = word.toLowerCase()
  const lower = word === lowerText
  const c = word.charCodeAt(0)
  const acronym = ACRONYM_RE.test(word)
  if (c >= 48 && c <= 57) {
    return {
      start,
      end,
      text: word,
      word: true,
      lineStart,
      key: lowerText,
      flags: 0,
      cap: false,
      lower,
      bareEnd: end,
      nameable: false,
      acronym,
      innerCap: false,
    }
  }
  let key = foldKey(lowerText)
  let bareEnd = end
  let flags = lex.flags(key)
  if (flags === 0 && POSSESSIVE_RE.test(key)) {
    key = key.slice(0, -2)
    bareEnd = end - 2
    flags = lex.flags(key)
  }
  const cap = c >= 65 && c <= 90 ? true : c < 128 ? false : word[0] !== lowerText[0]
  const nameable = (flags & NOT_NAMEABLE) === 0 && !(cap && word.length <= 5 && acronym)
  return {
    start,
    end,
    text: word,
    word: true,
    lineStart,
    key,
    flags,
    cap,
    lower,
    bareEnd,
    nameable,
    acronym,
    innerCap: true,
  }
}
