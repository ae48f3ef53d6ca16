/**
 * A small street-address grammar shared by the STREET_ADDRESS and LOCATION detectors.
 *
 * An address starts with a *core*: a house number and street name in either order
 * (`12 Main Street`, `Via Nizza 60`, `41 Via dalla Staziun 87`, `Dózsa György út 78.`), a
 * one-word street with a suffix type (`Simavikveien 231`), a post-office or military box
 * (`P.O. Box 255`, `PSC 4926, Box 7979`), or a unit (`Suite 286`). The core is then
 * extended over the components that follow it on the same line or on the next lines:
 * units, place names, state codes, postal codes and countries.
 *
 * Running prose ("send it to 12 Main St, Springfield, IL 62704") yields one address span.
 * A letter-head block, where the address starts a line and continues over several lines,
 * is a list of fields, so each field is reported on its own: street and unit lines and the
 * postal code as addresses, the city and country lines as locations.
 *
 * Work is linear: one tokenisation pass, and every extension step consumes tokens.
 */
import { normalizePlace as importedNormalizePlace } from '../gazetteers/places.js'
import {
  NAME_CONNECTORS,
  STOP_WORDS,
  STREET_SUFFIXES,
  STREET_TYPES,
  UNIT_WORDS,
} from './address-lexicon.js'
import {
  asciiLetter as importedAsciiLetter,
  letterAt as importedLetterAt,
  pointLength as importedPointLength,
} from './text-chars.js'

// The character tests the scanning loops call per character, and the word normaliser, bound
// once in this module: some loaders (tsx, which runs the benchmarks) turn each use of an
// imported binding into a getter call, which cost as much as the test itself.
const asciiLetter = importedAsciiLetter
const letterAt = importedLetterAt
const pointLength = importedPointLength
const normalizePlace = importedNormalizePlace

/** One component the parser found, typed for the detector that reports it. */
export interface PlaceSpan {
  readonly type: 'STREET_ADDRESS' | 'LOCATION'
  readonly start: number
  readonly end: number
  readonly score: number
}

type Kind = 'num' | 'word' | 'nl' | 'punct'

interface Token {
  kind: Kind
  start: number
  /** End without a trailing abbreviation dot. */
  end: number
  /**
   * Normalised text without a trailing dot, once known: see {@link norm}. Words of plain
   * ASCII leave it unset, since the lexicon and suffix tests read their codes instead.
   */
  norm: string | undefined
  /** A word of ASCII letters, apostrophes and hyphens: its norm is its lowercase. */
  ascii: boolean
  /** The token had a trailing dot ("St.", "92."). */
  dot: boolean
  cap: boolean
  upper: boolean
  /**
   * Lexicon facts, each computed on first use and remembered (a word is tested as a street
   * type or unit word many times while cores and components are tried around it).
   */
  facts: number
}

// Bits of `Token.facts`. LEXICON_KNOWN says the word lists were consulted (one map lookup
// fills STREET, UNIT, CONNECTOR, STOP, MONTH, QUANTITY and ENGLISH_TYPE); SUFFIX_KNOWN says
// the suffix test was run.
const LEXICON_KNOWN = 1
const STREET = 2
const UNIT = 4
const CONNECTOR = 8
const STOP = 16
const SUFFIX_KNOWN = 32
const SUFFIX = 64
const MONTH = 128
const QUANTITY = 256
const ENGLISH_TYPE = 512

// Tokens are kept in one pool reused from text to text (parsing is synchronous, and a parser
// is done with its tokens before the next one tokenizes): `tokenize` overwrites the objects
// in place, so a scan allocates no object and, for ASCII words, no string per token. The pool
// keeps as many tokens as the longest window held.
const pool: Token[] = []
/** The text the pooled tokens were read from. */
let source = ''

/** Writes token `index` of the pool. */
function setToken(
  index: number,
  kind: Kind,
  start: number,
  end: number,
  norm: string | undefined,
  ascii: boolean,
  dot: boolean,
  cap: boolean,
  upper: boolean,
): void {
  const t = pool[index]
  if (t === undefined) {
    pool.push({ kind, start, end, norm, ascii, dot, cap, upper, facts: 0 })
    return
  }
  t.kind = kind
  t.start = start
  t.end = end
  t.norm = norm
  t.ascii = ascii
  t.dot = dot
  t.cap = cap
  t.upper = upper
  t.facts = 0
}

/** Normalised text of `t` without a trailing dot, built on first use. */
function norm(t: Token): string {
  let s = t.norm
  if (s === undefined) {
    s = source.slice(t.start, t.end)
    if (t.ascii) s = s.toLowerCase()
    t.norm = s
  }
  return s
}

/** Length of {@link norm}, without building it for an ASCII word. */
function normLength(t: Token): number {
  return t.ascii ? t.end - t.start : norm(t).length
}

const MONTHS = new Set([
  'jan',
  'january',
  'feb',
  'february',
  'mar',
  'march',
  'apr',
  'april',
  'may',
  'jun',
  'june',
  'jul',
  'july',
  'aug',
  'august',
  'sep',
  'sept',
  'september',
  'oct',
  'october',
  'nov',
  'november',
  'dec',
  'december',
])

// The street types an unnumbered street must end with ("Bezrukov Street").
const ENGLISH_TYPES = new Set(['street', 'road', 'avenue', 'lane', 'drive', 'boulevard'])

const QUANTITY_WORDS = new Set([
  'years',
  'year',
  'days',
  'day',
  'hours',
  'minutes',
  'times',
  'people',
  'percent',
  'pm',
  'am',
  'kg',
  'km',
  'miles',
])

// Every listed word with the bits of the lists holding it: one lookup per word instead of one
// per list.
const LEXICON = new Map<string, number>()
for (const [list, bit] of [
  [STREET_TYPES, STREET],
  [UNIT_WORDS, UNIT],
  [NAME_CONNECTORS, CONNECTOR],
  [STOP_WORDS, STOP],
  [MONTHS, MONTH],
  [QUANTITY_WORDS, QUANTITY],
  [ENGLISH_TYPES, ENGLISH_TYPE],
] as const) {
  for (const w of list) LEXICON.set(w, (LEXICON.get(w) ?? 0) | bit)
}

// The ASCII entries of LEXICON again, in an open-addressing table: an ASCII word is looked
// up by its codes in the text, compared with `| 32` (which lowercases letters and leaves the
// apostrophe, hyphen, dot and slash as they are), so no lowercase string is built and hashed
// per word. The hash reads only the length and three codes: a word costs the same whatever
// its length, and the table is sparse enough that a miss meets under one entry on average.
// Each slot keeps its word's codes in a fixed-width row of one byte array.
const SLOTS = 2048
const SLOT_WIDTH = 16
const slotCodes = new Uint8Array(SLOTS * SLOT_WIDTH)
/** Length of each slot's word, 0 for an empty slot: a probe skips most entries by it. */
const slotLengths = new Uint8Array(SLOTS)
const slotBits = new Uint16Array(SLOTS)

function hashCodes(s: string, from: number, to: number): number {
  const first = s.charCodeAt(from) | 32
  const middle = s.charCodeAt((from + to) >> 1) | 32
  const last = s.charCodeAt(to - 1) | 32
  return (
    (Math.imul(first, 961) + Math.imul(middle, 31) + last + Math.imul(to - from, 7919)) &
    (SLOTS - 1)
  )
}

for (const [w, bits] of LEXICON) {
  if (!/^[\x20-\x7e]+$/.test(w) || w.length > SLOT_WIDTH) continue
  let slot = hashCodes(w, 0, w.length)
  while (slotLengths[slot] !== 0) slot = (slot + 1) & (SLOTS - 1)
  for (let k = 0; k < w.length; k++) slotCodes[slot * SLOT_WIDTH + k] = w.charCodeAt(k)
  slotLengths[slot] = w.length
  slotBits[slot] = bits
}

/** Lexicon bits of the ASCII word `source[from, to)`, in any case. */
function asciiLexicon(from: number, to: number): number {
  const length = to - from
  if (length > SLOT_WIDTH) return 0
  for (let slot = hashCodes(source, from, to); ; slot = (slot + 1) & (SLOTS - 1)) {
    const entryLength = slotLengths[slot] ?? 0
    if (entryLength === 0) return 0
    if (entryLength !== length) continue
    const row = slot * SLOT_WIDTH
    let k = 0
    while (k < length && (source.charCodeAt(from + k) | 32) === slotCodes[row + k]) k++
    if (k === length) return slotBits[slot] ?? 0
  }
}

/** The lexicon bits of word token `t`, looked up once. */
function lexicon(t: Token): number {
  if ((t.facts & LEXICON_KNOWN) === 0) {
    let bits: number
    // Abbreviations are listed with their dot too ("st.", "apt."); only the street and unit
    // lists hold such entries.
    if (t.ascii) {
      bits = asciiLexicon(t.start, t.end)
      // The dot follows the word in the text: the dotted entry is compared with it in place.
      if (t.dot) bits |= asciiLexicon(t.start, t.end + 1) & (STREET | UNIT)
    } else {
      const w = norm(t)
      bits = LEXICON.get(w) ?? 0
      if (t.dot) bits |= (LEXICON.get(`${w}.`) ?? 0) & (STREET | UNIT)
    }
    t.facts |= LEXICON_KNOWN | bits
  }
  return t.facts
}

// Token grammar: numbers of up to 10 digits with an optional ordinal or single-letter suffix
// ("12th", "12b") and dot; words of up to 41 letters or marks (apostrophes and hyphens
// inside), with an optional dot; newlines; and any other single non-space code point. The
// scanner below reads it by character codes: it runs over most texts a scan sees, and a
// Unicode regex plus the strings it allocates per token cost several times more.
// Unicode-property patterns are kept at module level: some loaders compile a `\p{…}` literal
// to a `new RegExp` at each evaluation.
const UPPER_RE = /\p{Lu}/u
const FIGURE_CHAR_RE = /[\p{L}\d.,:/()-]/u
const PREFIX_WORD_RE = /[\p{L}']+/gu
const SPACE_RE = /^\s$/u

/** True when the code unit `c` is white space other than a newline. */
function spaceCode(c: number): boolean {
  if (c === 32 || c === 9 || c === 11 || c === 12 || c === 13) return true
  return c >= 128 && SPACE_RE.test(String.fromCharCode(c))
}

/** Tokenizes `text[from, to)` into the pool; returns the number of tokens. */
function tokenize(text: string, from: number, to: number): number {
  source = text
  let count = 0
  const n = text.length
  let i = from
  while (i < n) {
    let c = text.charCodeAt(i)
    if (c !== 10 && spaceCode(c)) {
      i++
      continue
    }
    if (i >= to) break
    const start = i
    if (c === 10) {
      setToken(count++, 'nl', start, i + 1, '\n', false, false, false, false)
      i++
      continue
    }
    if (c >= 48 && c <= 57) {
      let k = i + 1
      while (k < n && k - i < 10 && (c = text.charCodeAt(k)) >= 48 && c <= 57) k++
      const a = text.charCodeAt(k)
      const b = text.charCodeAt(k + 1)
      if (
        (a === 115 && b === 116) || // st
        (a === 110 && b === 100) || // nd
        (a === 114 && b === 100) || // rd
        (a === 116 && b === 104) // th
      ) {
        k += 2
      } else if (asciiLetter(a)) k++
      const dot = text.charCodeAt(k) === 46
      setToken(count++, 'num', start, k, undefined, false, dot, false, false)
      i = dot ? k + 1 : k
      continue
    }
    const len = pointLength(text, i)
    if (!letterAt(text, i, c)) {
      setToken(count++, 'punct', start, i + len, undefined, false, false, false, false)
      i += len
      continue
    }
    // A word: track whether it is plain ASCII and which cases it holds, so the common case
    // needs no Unicode normalisation.
    let ascii = c < 128
    let hasLower = c >= 97 && c <= 122
    let k = i + len
    for (let points = 0; points < 40 && k < n; points++) {
      const d = text.charCodeAt(k)
      if (d === 39 || d === 45 || (d >= 97 && d <= 122)) {
        if (d >= 97) hasLower = true
        k++
      } else if (d >= 65 && d <= 90) k++
      else if (d === 0x2019 || (d >= 128 && letterAt(text, k, d))) {
        ascii = false
        k += pointLength(text, k)
      } else break
    }
    const end = k
    const dot = text.charCodeAt(k) === 46
    if (ascii) {
      const cap = c >= 65 && c <= 90
      const upper = cap && end - start > 1 && !hasLower
      setToken(count++, 'word', start, end, undefined, true, dot, cap, upper)
    } else {
      const body = text.slice(start, end)
      const first = body[0] ?? ''
      const cap = first !== first.toLowerCase()
      const upper = cap && body.length > 1 && body === body.toUpperCase()
      setToken(count++, 'word', start, end, normalizePlace(body), false, dot, cap, upper)
    }
    i = dot ? k + 1 : k
  }
  return count
}

// Hungarian house numbers are written with a dot ("Rákóczi út 81."), which belongs to them.
const DOTTED_NUMBER_TYPES = new Set(['ut', 'u', 'utca', 'ter', 'korut', 'utja'])

// How far back a line start is looked for: list markers ("??? ", "> ") are short, and a
// line of names before an address ("Mrs. Ann Lee Apt. 4") is at most a few words.
const MARKER_WINDOW = 12
const NAME_LINE_WINDOW = 80

const CONTEXT_RE =
  /\b(?:address|addresses|lives? at|living at|located at|sent to|send to|ship to|deliver(?:ed)? to|moved to|taxi to|meet me at|return to|arrived at|office is at|enter on|mail to|reside at|resides at|corner of)\b/i

const PO_BOX_RE =
  /(?:P\.? ?O\.? ?Box|Post Office Box|PSC \d{1,5},? Box|Unit \d{1,5},? Box) \d{1,6}/iy
const SHIP_RE = /(?:USNS|USNV|USS|USCGC) \p{L}[\p{L}-]{1,30}(?=\n[AFD]PO )/iuy
const MILITARY_POST_RE = /[AFD]PO (?:AA|AE|AP) \d{5}/iy
const UK_POSTCODE_RE = /[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}(?![\p{L}\d])/uy
const CA_POSTCODE_RE = /[A-Z]\d[A-Z] ?\d[A-Z]\d(?![\p{L}\d])/uy
const ZIP_RE = /\d{5}-\d{4}(?!\d)|\d{2}-\d{3}(?!\d)|\d{4,6}(?![\d-])/y
// The postal patterns a token may start, by its first character (tried in this order).
const DIGIT_POSTAL = [ZIP_RE]
const CAPITAL_POSTAL = [MILITARY_POST_RE, UK_POSTCODE_RE, CA_POSTCODE_RE]
const MILITARY_POSTAL = [MILITARY_POST_RE]
const NO_POSTAL: RegExp[] = []

/** The lexicon bits of `t` when it is a word, else 0 (a number is in no list). */
function wordFacts(t: Token): number {
  return t.kind === 'word' ? lexicon(t) : 0
}

function isStreetType(t: Token): boolean {
  return t.kind === 'word' && (lexicon(t) & STREET) !== 0
}

/** A lowercase word allowed inside a name ("de", "and"). */
function isConnector(t: Token): boolean {
  return t.kind === 'word' && (lexicon(t) & CONNECTOR) !== 0
}

/** A function word that ends a name ("for", "the"). */
function isStop(t: Token): boolean {
  return t.kind === 'word' && (lexicon(t) & STOP) !== 0
}

function hasStreetSuffix(t: Token | undefined): boolean {
  if (t?.kind !== 'word') return false
  if ((t.facts & SUFFIX_KNOWN) === 0) {
    const yes = t.ascii ? asciiSuffix(t.start, t.end) : suffixOf(norm(t))
    t.facts |= SUFFIX_KNOWN | (yes ? SUFFIX : 0)
  }
  return (t.facts & SUFFIX) !== 0
}

/** True when `w` ends in a street suffix with at least three letters before it. */
function suffixOf(w: string): boolean {
  const suffixes = SUFFIXES_BY_LAST.get(w.charCodeAt(w.length - 1))
  if (suffixes === undefined) return false
  for (const s of suffixes) if (w.length >= s.length + 3 && w.endsWith(s)) return true
  return false
}

/** {@link suffixOf} for the ASCII word `source[from, to)`, read by its codes in any case. */
function asciiSuffix(from: number, to: number): boolean {
  const suffixes = SUFFIXES_BY_LAST.get(source.charCodeAt(to - 1) | 32)
  if (suffixes === undefined) return false
  for (const s of suffixes) {
    if (to - from < s.length + 3) continue
    const at = to - s.length
    let k = 0
    while (k < s.length && (source.charCodeAt(at + k) | 32) === s.charCodeAt(k)) k++
    if (k === s.length) return true
  }
  return false
}

function isUnitWord(t: Token | undefined): boolean {
  return t?.kind === 'word' && (lexicon(t) & UNIT) !== 0
}

// Street suffixes grouped by their last character: a word is compared only with the few
// suffixes that could end it.
const SUFFIXES_BY_LAST = new Map<number, string[]>()
for (const suffix of STREET_SUFFIXES) {
  const last = suffix.charCodeAt(suffix.length - 1)
  SUFFIXES_BY_LAST.set(last, [...(SUFFIXES_BY_LAST.get(last) ?? []), suffix])
}

/**
 * False when no box or ship core can open at `text[at]`: those open with P and a dot, space,
 * O or S ("P.O. Box", "P O Box", "Post Office Box", "PSC 12, Box"), or with U and N or S
 * ("Unit 4, Box", "USS"; the ship pattern is Unicode case-insensitive, so a long s too). Other
 * tokens skip two regex runs.
 */
function opensBox(text: string, at: number): boolean {
  const c = text.charCodeAt(at) | 32
  const d = text.charCodeAt(at + 1)
  if (c === 112) {
    const e = d | 32
    return e === 46 || e === 32 || e === 111 || e === 115
  }
  return c === 117 && ((d | 32) === 110 || (d | 32) === 115 || d === 0x17f)
}

/**
 * False when none of the capital-letter postal patterns can match at `text[at]`, a capital:
 * the UK and Canadian ones have a digit second or third, after capitals only; the military one
 * opens with A, F or D and then P, in any case. Most capitalised words skip three regex runs.
 */
function capitalPostal(text: string, at: number): boolean {
  const c = text.charCodeAt(at)
  const d = text.charCodeAt(at + 1)
  if (d >= 48 && d <= 57) return true
  if (d >= 65 && d <= 90) {
    const e = text.charCodeAt(at + 2)
    if (e >= 48 && e <= 57) return true
  }
  return (c === 65 || c === 68 || c === 70) && (d | 32) === 112
}

/** An ordinal number token, `/^\d{1,3}(?:st|nd|rd|th)$/i`, read by its codes. */
function isOrdinal(t: Token): boolean {
  const digits = t.end - t.start - 2
  if (digits < 1 || digits > 3) return false
  for (let k = t.start; k < t.start + digits; k++) {
    const c = source.charCodeAt(k)
    if (c < 48 || c > 57) return false
  }
  const a = source.charCodeAt(t.end - 2) | 32
  const b = source.charCodeAt(t.end - 1) | 32
  return (
    (a === 115 && b === 116) || // st
    (a === 110 && b === 100) || // nd
    (a === 114 && b === 100) || // rd
    (a === 116 && b === 104) // th
  )
}

/** A house number: 1–5 digits, optionally one letter ("12b"). */
function isHouseNumber(t: Token | undefined): boolean {
  if (t?.kind !== 'num') return false
  // `/^\d{1,5}[a-zA-Z]?$/` by character codes on the text: it is asked of nearly every token.
  const from = t.start
  const to = t.end
  let k = from
  while (k < to && k - from < 6 && source.charCodeAt(k) >= 48 && source.charCodeAt(k) <= 57) k++
  if (k === from || k - from > 5) return false
  return k === to || (k + 1 === to && asciiLetter(source.charCodeAt(k)))
}

/** True when the code unit before `at` is a letter, a digit or one of `.,:/()-`. */
function figureCharBefore(text: string, at: number): boolean {
  if (at === 0) return false
  const c = text.charCodeAt(at - 1)
  if (c >= 128) return FIGURE_CHAR_RE.test(text[at - 1] ?? '')
  // `,` `-` `.` `/`, the digits and `:` are the codes 44 to 58.
  return asciiLetter(c) || (c >= 44 && c <= 58) || c === 40 || c === 41
}

/** True when `text[from, to)` holds only white space, commas and list markers. */
function separatorsOnly(text: string, from: number, to: number): boolean {
  for (let k = from; k < to; k++) {
    const c = text.charCodeAt(k)
    // `\n` `*` `,` `-` `>` `?` `|` `•`
    const separator =
      c === 10 ||
      c === 42 ||
      c === 44 ||
      c === 45 ||
      c === 62 ||
      c === 63 ||
      c === 124 ||
      c === 0x2022
    if (!separator && !spaceCode(c)) return false
  }
  return true
}

interface Core {
  /** First and one-past-last token. */
  readonly from: number
  readonly to: number
  readonly score: number
  /** Character offsets; `start` may precede the first token ("the corner of …"). */
  readonly start: number
  readonly end: number
}

/** Parses every address in a text; see the module comment. */
export class AddressParser {
  readonly #text: string
  readonly #from: number
  readonly #to: number
  readonly #lower: boolean
  readonly #out: PlaceSpan[] = []
  /** Number of pooled tokens, read by `parse` (the pool is shared by every parser). */
  #count = 0

  /**
   * Parses `text[from, to)`; offsets stay those of `text`, whose other parts are still read
   * for context. `lower` says the whole text has no capital letter.
   */
  constructor(text: string, from = 0, to = text.length, lower = !UPPER_RE.test(text)) {
    this.#text = text
    this.#from = from
    this.#to = to
    // All-lowercase texts carry no capitalisation signal; names are then told by grammar.
    this.#lower = lower
  }

  /** Runs the parser; returns address and location spans in text order. */
  parse(): PlaceSpan[] {
    const n = (this.#count = tokenize(this.#text, this.#from, this.#to))
    let i = 0
    while (i < n) {
      const core = this.#core(i)
      if (core === undefined) {
        i++
        continue
      }
      i = this.#extend(core)
    }
    return this.#out
  }

  #tok(i: number): Token | undefined {
    return i >= 0 && i < this.#count ? pool[i] : undefined
  }

  /** True when only spaces (no newline or other character) separate tokens `a` and `b`. */
  #adjacent(a: number, b: number): boolean {
    const ta = this.#tok(a)
    const tb = this.#tok(b)
    if (ta === undefined || tb === undefined || b !== a + 1) return false
    const from = ta.end + (ta.dot ? 1 : 0)
    if (tb.start - from > 2) return false
    for (let k = from; k < tb.start; k++) if (this.#text.charCodeAt(k) !== 32) return false
    return true
  }

  /** A word that may be part of a street or place name at this position. */
  #nameWord(t: Token | undefined, first: boolean): boolean {
    if (t?.kind !== 'word') return false
    if (t.cap) return true
    if (isStreetType(t)) return true
    if (isConnector(t)) return !first || this.#lower
    return this.#lower && !isStop(t)
  }

  #context(start: number): boolean {
    return CONTEXT_RE.test(this.#text.slice(Math.max(0, start - 45), start))
  }

  #sticky(re: RegExp, at: number): RegExpExecArray | null {
    re.lastIndex = at
    return re.exec(this.#text)
  }

  /** Index of the first token starting at or after character offset `pos`. */
  #tokenAt(from: number, pos: number): number {
    let k = from
    while (k < this.#count && (this.#tok(k)?.start ?? 0) < pos) k++
    return k
  }

  #spanOf(from: number, to: number, score: number): Core {
    const first = this.#tok(from)
    const last = this.#tok(to - 1)
    let end = last?.end ?? 0
    if (last?.dot === true && this.#keepsDot(last, from, to)) end++
    return { from, to, score, start: first?.start ?? 0, end }
  }

  /** Abbreviations ("St.", "Apt.") and Hungarian house numbers keep their dot. */
  #keepsDot(t: Token, from: number, to: number): boolean {
    if (t.kind === 'word') return normLength(t) <= 4 || isStreetType(t) || isUnitWord(t)
    if (t.kind !== 'num') return false
    for (let k = from; k < to; k++) {
      const w = this.#tok(k)
      if (w !== undefined && DOTTED_NUMBER_TYPES.has(norm(w))) return true
    }
    return false
  }

  #core(i: number): Core | undefined {
    const t = this.#tok(i)
    if (t === undefined || t.kind === 'nl' || t.kind === 'punct') return undefined
    const box = opensBox(this.#text, t.start)
      ? (this.#sticky(PO_BOX_RE, t.start) ?? this.#sticky(SHIP_RE, t.start))
      : null
    if (box !== null) {
      const end = t.start + box[0].length
      const to = this.#tokenAt(i, end)
      return { from: i, to, score: 0.8, start: t.start, end }
    }
    if ((t.cap || this.#lower) && isHouseNumber(this.#tok(i + 1)) && isUnitWord(t)) {
      if (this.#adjacent(i, i + 1)) return this.#spanOf(i, i + 2, 0.55)
    }
    if (t.kind === 'num') return this.#numberFirst(i)
    // A name-first core opens with a capitalised word or a street type: most words stop here.
    if (!t.cap && !isStreetType(t)) return undefined
    return this.#nameFirst(i)
  }

  /** `12 Main Street`, `41 Via dalla Staziun 87`, `07 262 Pavlou Drandaki`. */
  #numberFirst(i: number): Core | undefined {
    if (!isHouseNumber(this.#tok(i))) return undefined
    // A number inside a longer figure ("1,234", "3-4", "10.0.0.1", "SW1A") is not a house
    // number.
    if (figureCharBefore(this.#text, this.#tok(i)?.start ?? 0)) return undefined
    let j = i + 1
    let secondNumber = false
    if (isHouseNumber(this.#tok(j)) && this.#adjacent(i, j)) {
      secondNumber = true
      j++
    }
    const wordsFrom = j
    let typed = false
    let capital = false
    while (j - wordsFrom < 6 && this.#adjacent(j - 1, j)) {
      const w = this.#tok(j)
      const ordinal = w?.kind === 'num' && isOrdinal(w)
      // A short lowercase particle may open a name ("51 χλμ Αλεξανδρούπολης 133").
      const particle =
        j === wordsFrom &&
        w?.kind === 'word' &&
        normLength(w) <= 4 &&
        !isStop(w) &&
        this.#adjacent(j, j + 1) &&
        this.#tok(j + 1)?.cap === true
      if (!ordinal && !particle && !this.#nameWord(w, j === wordsFrom)) break
      if (w !== undefined && (isStreetType(w) || hasStreetSuffix(w))) typed = true
      if (w?.cap === true) capital = true
      j++
      // A word ending in a sentence dot ends the street name.
      if (w?.dot === true && w.kind === 'word' && !isStreetType(w) && normLength(w) > 4) break
    }
    const words = j - wordsFrom
    if (words === 0) return undefined
    if (!capital && !this.#lower) return undefined
    const firstWord = this.#tok(wordsFrom)
    if (words === 1 && firstWord !== undefined) {
      if ((wordFacts(firstWord) & (MONTH | QUANTITY)) !== 0) return undefined
    }
    let trailing = false
    if (isHouseNumber(this.#tok(j)) && this.#adjacent(j - 1, j)) {
      trailing = true
      j++
    }
    const context = this.#context(this.#tok(i)?.start ?? 0)
    let score: number
    if (typed && trailing) score = 0.85
    else if (typed) score = 0.8
    else if (trailing) score = 0.7
    else if (secondNumber) score = 0.6
    else if (context) score = 0.65
    else return undefined
    if (firstWord !== undefined && (wordFacts(firstWord) & MONTH) !== 0 && !typed) return undefined
    return this.#withPrefix(this.#spanOf(this.#leftWords(i), j, context ? score + 0.1 : score))
  }

  /**
   * Capitalised words right before a number-first core, when they name a street of their own
   * ("Floridusgasse 89 Oomen Street") or follow a preposition of place ("… to Edeby 55 …").
   */
  #leftWords(i: number): number {
    let k = i
    let typed = false
    while (k > 0 && i - k < 3 && this.#adjacent(k - 1, k)) {
      const w = this.#tok(k - 1)
      if (w?.kind !== 'word' || !(w.cap || (k < i && isConnector(w)))) break
      if (isStreetType(w) || hasStreetSuffix(w)) typed = true
      k--
    }
    if (k === i) return i
    const before = this.#tok(k - 1)
    const afterPreposition =
      before?.kind === 'word' && ['to', 'at', 'with', 'is', 'in'].includes(norm(before))
    return typed || afterPreposition ? k : i
  }

  /** `Via Nizza 60`, `Simavikveien 231`, `Dózsa György út 78.`, `Bezrukov Street`. */
  #nameFirst(i: number): Core | undefined {
    const t = this.#tok(i)
    if (t === undefined || !this.#nameWord(t, true) || (!t.cap && !isStreetType(t))) {
      return undefined
    }
    const prev = this.#tok(i - 1)
    // Start at the first word of a name: a capitalised word right before this one would have
    // been tried already.
    if (prev !== undefined && this.#adjacent(i - 1, i) && this.#nameWord(prev, true)) {
      if (prev.cap || isStreetType(prev)) return undefined
    }
    let j = i
    let typed = false
    let englishType = false
    while (j - i < 5 && (j === i || this.#adjacent(j - 1, j))) {
      const w = this.#tok(j)
      if (w === undefined || !this.#nameWord(w, j === i)) break
      // Street suffixes are tested below, for a numbered street only: an unnumbered one
      // needs an English type word, which the street types list.
      const street = isStreetType(w)
      if (street) typed = true
      englishType = (lexicon(w) & ENGLISH_TYPE) !== 0
      j++
      if (w.dot && !street && normLength(w) > 4) break
    }
    const numbered = isHouseNumber(this.#tok(j)) && this.#adjacent(j - 1, j)
    if (numbered) {
      for (let k = i; k < j && !typed; k++) typed = hasStreetSuffix(this.#tok(k))
      const context = this.#context(t.start)
      const numTok = this.#tok(j)
      const num = numTok === undefined ? '' : norm(numTok)
      // "Spring 2020" is a season, not a street.
      if (/^(?:19|20)\d\d$/.test(num) && j - i === 1 && !isStreetType(t)) return undefined
      // Without a street type, only an address phrase before it ("return to Name 12") or
      // the word "street" after it ("Bygget 91 street") makes "Name 12" a street.
      const after = this.#tok(j + 1)
      const streetAfter = after !== undefined && this.#adjacent(j, j + 1) && isStreetType(after)
      if (!typed && !((context || streetAfter) && t.cap)) return undefined
      const score = typed ? (context ? 0.9 : 0.8) : 0.75
      return this.#withPrefix(this.#spanOf(i, j + 1, score))
    }
    if (!typed) return undefined
    // A street named without a number needs an English type word after a capitalised name.
    if (englishType && j - i >= 2 && (this.#lower || this.#tok(j - 2)?.cap === true)) {
      return this.#withPrefix(this.#spanOf(i, j, 0.5))
    }
    return undefined
  }

  /** Extends a core back over "the corner of" and forward over "and <second street>". */
  #withPrefix(core: Core): Core {
    let { start, to, end } = core
    const before = this.#text.slice(Math.max(0, start - 14), start)
    if (/the corner of $/i.test(before)) start -= 14
    const and = this.#tok(to)
    if (
      and !== undefined &&
      norm(and) === 'and' &&
      this.#adjacent(to - 1, to) &&
      this.#adjacent(to, to + 1)
    ) {
      const second = this.#core(to + 1)
      if (second !== undefined && /the corner of/i.test(before)) {
        to = second.to
        end = second.end
      }
    }
    return { ...core, start, to, end }
  }

  /** True when the token starts a line (after optional list markers such as "> " or "- "). */
  #lineStart(i: number): boolean {
    const t = this.#tok(i)
    if (t === undefined) return false
    const lineBegin = this.#lineBegin(t.start, MARKER_WINDOW)
    return lineBegin >= 0 && /^[\s?>*•|-]*$/.test(this.#text.slice(lineBegin, t.start))
  }

  /**
   * True when the nearest non-blank line above the token ends with a colon ("…'s address:"):
   * the block below is then one labelled value, not a list of fields.
   */
  #labelledAbove(i: number): boolean {
    const t = this.#tok(i)
    if (t === undefined) return false
    let k = t.start - 1
    const limit = Math.max(0, t.start - NAME_LINE_WINDOW)
    while (k >= limit && /\s/.test(this.#text[k] ?? '')) k--
    return k >= limit && this.#text[k] === ':'
  }

  /**
   * Start of the line holding offset `at`, or -1 when it lies more than `window` characters
   * back: looking further would make the scan quadratic on long lines.
   */
  #lineBegin(at: number, window: number): number {
    const from = Math.max(0, at - window)
    for (let k = at - 1; k >= from; k--) if (this.#text.charCodeAt(k) === 10) return k + 1
    return from === 0 ? 0 : -1
  }

  /**
   * True when the core starts a line, or follows only names on its line ("Mrs. Ann Lee Apt.
   * 4 12 Main St"): no prose function word and no label colon before it.
   */
  #listLike(i: number): boolean {
    if (this.#lineStart(i)) return !this.#labelledAbove(i)
    const t = this.#tok(i)
    if (t === undefined) return false
    const lineBegin = this.#lineBegin(t.start, NAME_LINE_WINDOW)
    if (lineBegin < 0) return false
    return !this.#proseBefore(lineBegin, t.start)
  }

  /** True when `text[from, to)` holds a label colon or a prose function word. */
  #proseBefore(from: number, to: number): boolean {
    // Plain ASCII is read by codes, its words looked up in the lexicon table where they
    // end; any other character sends the whole stretch to the Unicode word pattern.
    let word = -1
    for (let k = from; k < to; k++) {
      const c = this.#text.charCodeAt(k)
      if (c >= 128) return this.#unicodeProseBefore(from, to)
      if (asciiLetter(c) || c === 39) {
        if (word < 0) word = k
        continue
      }
      if (word >= 0 && (asciiLexicon(word, k) & STOP) !== 0) return true
      word = -1
      if (c === 58) return true
    }
    return word >= 0 && (asciiLexicon(word, to) & STOP) !== 0
  }

  #unicodeProseBefore(from: number, to: number): boolean {
    const prefix = this.#text.slice(from, to)
    if (prefix.includes(':')) return true
    for (const m of prefix.matchAll(PREFIX_WORD_RE)) {
      if (((LEXICON.get(normalizePlace(m[0])) ?? 0) & STOP) !== 0) return true
    }
    return false
  }

  /** Extends `core` over its components, emits spans, and returns the next token to scan. */
  #extend(core: Core): number {
    const comps: { start: number; end: number; kind: string; newline: boolean; comma: boolean }[] =
      []
    let k = core.to
    let places = 0
    let lastEnd = core.end
    for (let step = 0; step < 7; step++) {
      let newlines = 0
      let comma = false
      let m = k
      // Separators: spaces, commas, newlines and list markers at the start of a line.
      while (m < this.#count) {
        const s = this.#tok(m)
        if (s?.kind === 'nl') newlines++
        else if (s?.kind === 'punct' && norm(s) === ',') comma = true
        else if (s?.kind === 'punct' && newlines > 0 && /^[?>*•|-]$/.test(norm(s))) {
          // list marker
        } else break
        m++
      }
      if (newlines > 3) break
      // After a postal code only a town on the same line may follow ("10115 Berlin").
      const afterPostal = comps[comps.length - 1]?.kind === 'postal'
      if (afterPostal && (newlines > 0 || comma)) break
      const t = this.#tok(m)
      if (t === undefined) break
      if (t.start - lastEnd > 12) break
      if (!separatorsOnly(this.#text, lastEnd, t.start)) break
      const comp = this.#component(m, places)
      if (comp === undefined || (afterPostal && comp.kind !== 'place')) break
      comps.push({
        start: comp.start,
        end: comp.end,
        kind: comp.kind,
        newline: newlines > 0,
        comma,
      })
      if (comp.kind === 'place') places++
      lastEnd = comp.end
      k = comp.next
      if (afterPostal) break
    }
    this.#emit(core, comps)
    return Math.max(k, core.from + 1)
  }

  #component(
    m: number,
    places: number,
  ): { start: number; end: number; kind: string; next: number } | undefined {
    const t = this.#tok(m)
    if (t === undefined) return undefined
    if (isHouseNumber(this.#tok(m + 1)) && isUnitWord(t) && this.#adjacent(m, m + 1)) {
      const span = this.#spanOf(m, m + 2, 0)
      return { start: span.start, end: span.end, kind: 'unit', next: m + 2 }
    }
    const c = this.#text.charCodeAt(t.start)
    // Postal codes open with a digit (ZIP), a capital (UK, Canada, military) or, the military
    // pattern being case-insensitive, a lowercase a, f or d: other tokens skip four regex runs.
    const postal =
      c >= 48 && c <= 57
        ? DIGIT_POSTAL
        : c >= 65 && c <= 90
          ? capitalPostal(this.#text, t.start)
            ? CAPITAL_POSTAL
            : NO_POSTAL
          : c === 97 || c === 100 || c === 102
            ? MILITARY_POSTAL
            : NO_POSTAL
    for (const re of postal) {
      const hit = this.#sticky(re, t.start)
      if (hit !== null) {
        const end = t.start + hit[0].length
        return { start: t.start, end, kind: 'postal', next: this.#tokenAt(m, end) }
      }
    }
    if (t.kind !== 'word') return undefined
    if (normLength(t) === 3 && norm(t) === 'nan' && !t.cap) {
      return { start: t.start, end: t.end, kind: 'null', next: m + 1 }
    }
    if (t.upper && normLength(t) <= 3 && places > 0) {
      return { start: t.start, end: t.end, kind: 'state', next: m + 1 }
    }
    if (places >= 3) return undefined
    let j = m
    while (j - m < 5 && (j === m || this.#adjacent(j - 1, j))) {
      const w = this.#tok(j)
      if (!this.#nameWord(w, j === m) || isUnitWord(w)) break
      // A short all-capitals word after a name is a state or province code ("Dallas TX").
      if (j > m && w?.upper === true && normLength(w) <= 3 && this.#tok(j - 1)?.upper !== true) {
        break
      }
      if (!this.#lower && w?.cap !== true && w !== undefined && isConnector(w)) {
        // A connector must be followed by another name word ("Trinidad and Tobago").
        if (!this.#nameWord(this.#tok(j + 1), false)) break
      }
      j++
      if (w?.dot === true && normLength(w) > 3) break
    }
    if (j === m) return undefined
    // A district number belongs to its town ("Praha 6", "Karlovy Vary 17").
    const district = this.#tok(j)
    if (district?.kind === 'num' && /^\d{1,2}$/.test(norm(district)) && this.#adjacent(j - 1, j)) {
      j++
    }
    const span = this.#spanOf(m, j, 0)
    return { start: span.start, end: span.end, kind: 'place', next: j }
  }

  #emit(
    core: Core,
    comps: readonly {
      start: number
      end: number
      kind: string
      newline: boolean
      comma: boolean
    }[],
  ): void {
    let bonus = 0
    let newline = false
    for (const c of comps) {
      if (c.kind === 'postal' || c.kind === 'unit') bonus = 0.1
      if (c.newline) newline = true
    }
    // The line test reads back over the text: asked only when a component is on a new line.
    const block = newline && this.#listLike(core.from)
    if (!block) {
      const only = comps.length === 1 ? comps[0] : undefined
      if (only?.kind === 'place' && only.comma) {
        // "lives at Lille Vibyvej 8, Måløv": the town after a bare street is a location.
        this.#push('STREET_ADDRESS', core.start, core.end, core.score)
        this.#push('LOCATION', only.start, only.end, 0.86)
        return
      }
      // The address ends with its last component that is not a null placeholder.
      let end = core.end
      for (const c of comps) if (c.kind !== 'null') end = c.end
      this.#push('STREET_ADDRESS', core.start, end, core.score + bonus)
      return
    }
    // A letter-head block: fields on the core's line belong to the street line.
    let lineEnd = core.end
    let idx = 0
    while (idx < comps.length && comps[idx]?.newline === false) {
      const c = comps[idx]
      if (c !== undefined && c.kind !== 'null') lineEnd = c.end
      idx++
    }
    this.#push('STREET_ADDRESS', core.start, lineEnd, core.score + bonus)
    for (; idx < comps.length; idx++) {
      const c = comps[idx]
      if (c === undefined || c.kind === 'null') continue
      const type = c.kind === 'place' ? 'LOCATION' : 'STREET_ADDRESS'
      this.#push(type, c.start, c.end, type === 'LOCATION' ? 0.8 : 0.7)
    }
  }

  #push(type: PlaceSpan['type'], start: number, end: number, score: number): void {
    if (end > start) this.#out.push({ type, start, end, score: Math.min(1, score) })
  }
}

// Every address holds a digit (house, unit, box or postal number) or an English street word
// ("Bezrukov Street"); only windows around those are parsed, so text without them costs one
// regex pass. The window reaches back over a street name written before its number and
// forward over the unit, city, state, postal code and country lines.
const ANCHOR_WORDS = [...ENGLISH_TYPES]

// A digit, or an anchor word in any case between `\w` boundaries. Without the `u` flag, `\b`
// reads `\w` as ASCII and `i` pairs ASCII letters only with their other case. One regex pass
// over a text costs less than reading it code by code.
const ANCHOR_RE = new RegExp(`\\d|\\b(?:${ANCHOR_WORDS.join('|')})\\b`, 'gi')
const WINDOW_BACK = 120
const WINDOW_AHEAD = 300

/**
 * Merged `[from, to)` windows around every anchor, starting at whitespace, written to `out`
 * as flat pairs; returns the number of bounds written.
 */
function windows(text: string, out: number[]): number {
  let count = 0
  const n = text.length
  ANCHOR_RE.lastIndex = 0
  // `test` finds the next anchor without building a match: a digit is one code long, and a
  // word anchor starts after the ASCII letters that end where the match ends.
  while (ANCHOR_RE.test(text)) {
    const end = ANCHOR_RE.lastIndex
    let index = end - 1
    const c = text.charCodeAt(index)
    if (c < 48 || c > 57) while (index > 0 && asciiLetter(text.charCodeAt(index - 1))) index--
    const to = Math.min(n, end + WINDOW_AHEAD)
    if (count > 0 && index - WINDOW_BACK <= (out[count - 1] ?? 0)) {
      out[count - 1] = to
    } else {
      let from = Math.max(0, index - WINDOW_BACK)
      // Start on a word boundary: a token cut in half would read as a different word.
      const limit = Math.max(0, from - 40)
      while (from > limit && !/\s/.test(text[from - 1] ?? ' ')) from--
      out[count++] = from
      out[count++] = to
    }
    // Later anchors could only extend the last window, which already reaches the end.
    if (to === n) break
  }
  return count
}

/** Window bounds of the text being parsed, reused from text to text. */
const bounds: number[] = []

let lastText: string | undefined
let lastSpans: PlaceSpan[] = []

/**
 * The address and location spans of `text`, in text order. The last result is cached so
 * the address, location and postal-code detectors, run one after the other on the same
 * text, parse it once.
 */
export function parseAddresses(text: string): readonly PlaceSpan[] {
  if (text !== lastText) {
    const count = windows(text, bounds)
    let spans: PlaceSpan[] = []
    if (count > 0) {
      const lower = !UPPER_RE.test(text)
      for (let w = 0; w < count; w += 2) {
        const found = new AddressParser(text, bounds[w] ?? 0, bounds[w + 1] ?? 0, lower).parse()
        // Most texts are one window: its spans are the result as they are.
        if (w === 0) spans = found
        else for (const p of found) spans.push(p)
      }
    }
    lastSpans = spans
    lastText = text
  }
  return lastSpans
}
