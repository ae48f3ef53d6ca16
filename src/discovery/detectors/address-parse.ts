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
import { normalizePlace } from '../gazetteers/places.js'
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

// The character tests the scanning loops call per character, bound once in this module:
// some loaders (tsx, which runs the benchmarks) turn each use of an imported binding into a
// getter call, which cost as much as the test itself.
const asciiLetter = importedAsciiLetter
const letterAt = importedLetterAt
const pointLength = importedPointLength

/** One component the parser found, typed for the detector that reports it. */
export interface PlaceSpan {
  readonly type: 'STREET_ADDRESS' | 'LOCATION'
  readonly start: number
  readonly end: number
  readonly score: number
}

type Kind = 'num' | 'word' | 'nl' | 'punct'

interface Token {
  readonly kind: Kind
  readonly start: number
  /** End without a trailing abbreviation dot. */
  readonly end: number
  /** Normalised text without a trailing dot. */
  readonly norm: string
  /** The token had a trailing dot ("St.", "92."). */
  readonly dot: boolean
  readonly cap: boolean
  readonly upper: boolean
  /**
   * Lexicon facts, each computed on first use and remembered (a word is tested as a street
   * type or unit word many times while cores and components are tried around it).
   */
  facts: number
}

// Bits of `Token.facts`. LEXICON_KNOWN says the word lists were consulted (one map lookup
// fills STREET, UNIT, CONNECTOR and STOP); SUFFIX_KNOWN says the suffix test was run.
const LEXICON_KNOWN = 1
const STREET = 2
const UNIT = 4
const CONNECTOR = 8
const STOP = 16
const SUFFIX_KNOWN = 32
const SUFFIX = 64

// Every listed word with the bits of the lists holding it: one lookup per word instead of one
// per list.
const LEXICON = new Map<string, number>()
for (const [list, bit] of [
  [STREET_TYPES, STREET],
  [UNIT_WORDS, UNIT],
  [NAME_CONNECTORS, CONNECTOR],
  [STOP_WORDS, STOP],
] as const) {
  for (const w of list) LEXICON.set(w, (LEXICON.get(w) ?? 0) | bit)
}

/** The lexicon bits of word token `t`, looked up once. */
function lexicon(t: Token): number {
  if ((t.facts & LEXICON_KNOWN) === 0) {
    let bits = LEXICON.get(t.norm) ?? 0
    // Abbreviations are listed with their dot too ("st.", "apt."); only the street and unit
    // lists hold such entries.
    if (t.dot) bits |= (LEXICON.get(`${t.norm}.`) ?? 0) & (STREET | UNIT)
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

function tokenize(text: string, from: number, to: number): Token[] {
  const tokens: Token[] = []
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
      tokens.push({
        kind: 'nl',
        start,
        end: i + 1,
        norm: '\n',
        dot: false,
        cap: false,
        upper: false,
        facts: 0,
      })
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
      const end = k
      const dot = text.charCodeAt(k) === 46
      const norm = text.slice(start, end)
      tokens.push({ kind: 'num', start, end, norm, dot, cap: false, upper: false, facts: 0 })
      i = dot ? k + 1 : k
      continue
    }
    const len = pointLength(text, i)
    if (!letterAt(text, i, c)) {
      const norm = text.slice(start, i + len)
      tokens.push({
        kind: 'punct',
        start,
        end: i + len,
        norm,
        dot: false,
        cap: false,
        upper: false,
        facts: 0,
      })
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
    const body = text.slice(start, end)
    let norm: string
    let cap: boolean
    let upper: boolean
    if (ascii) {
      norm = body.toLowerCase()
      cap = c >= 65 && c <= 90
      upper = cap && body.length > 1 && !hasLower
    } else {
      norm = normalizePlace(body)
      const first = body[0] ?? ''
      cap = first !== first.toLowerCase()
      upper = cap && body.length > 1 && body === body.toUpperCase()
    }
    tokens.push({ kind: 'word', start, end, norm, dot, cap, upper, facts: 0 })
    i = dot ? k + 1 : k
  }
  return tokens
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

function hasStreetSuffix(t: Token): boolean {
  if (t.kind !== 'word') return false
  if ((t.facts & SUFFIX_KNOWN) === 0) {
    const w = t.norm
    const yes =
      SUFFIXES_BY_LAST.get(w.charCodeAt(w.length - 1))?.some(
        (s) => w.length >= s.length + 3 && w.endsWith(s),
      ) === true
    t.facts |= SUFFIX_KNOWN | (yes ? SUFFIX : 0)
  }
  return (t.facts & SUFFIX) !== 0
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

/** True when `c` is the code of `p`, `P`, `u` or `U`: the letters a box or ship core opens with. */
function opensBox(c: number): boolean {
  return c === 80 || c === 112 || c === 85 || c === 117
}

/** A house number: 1–5 digits, optionally one letter ("12b"). */
function isHouseNumber(t: Token | undefined): boolean {
  if (t?.kind !== 'num') return false
  // `/^\d{1,5}[a-zA-Z]?$/` by character codes: it is asked of nearly every token.
  const s = t.norm
  let k = 0
  while (k < s.length && k < 6 && s.charCodeAt(k) >= 48 && s.charCodeAt(k) <= 57) k++
  if (k < 1 || k > 5) return false
  return k === s.length || (k + 1 === s.length && asciiLetter(s.charCodeAt(k)))
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
  readonly #tokens: Token[]
  readonly #lower: boolean
  readonly #out: PlaceSpan[] = []

  /**
   * Parses `text[from, to)`; offsets stay those of `text`, whose other parts are still read
   * for context. `lower` says the whole text has no capital letter.
   */
  constructor(text: string, from = 0, to = text.length, lower = !UPPER_RE.test(text)) {
    this.#text = text
    this.#tokens = tokenize(text, from, to)
    // All-lowercase texts carry no capitalisation signal; names are then told by grammar.
    this.#lower = lower
  }

  /** Runs the parser; returns address and location spans in text order. */
  parse(): PlaceSpan[] {
    const n = this.#tokens.length
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
    return this.#tokens[i]
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
    while (k < this.#tokens.length && (this.#tok(k)?.start ?? 0) < pos) k++
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
    if (t.kind === 'word') return t.norm.length <= 4 || isStreetType(t) || isUnitWord(t)
    if (t.kind !== 'num') return false
    for (let k = from; k < to; k++) {
      const w = this.#tok(k)
      if (w !== undefined && DOTTED_NUMBER_TYPES.has(w.norm)) return true
    }
    return false
  }

  #core(i: number): Core | undefined {
    const t = this.#tok(i)
    if (t === undefined || t.kind === 'nl' || t.kind === 'punct') return undefined
    // Both box patterns open with P or U: other tokens skip two regex runs.
    const box = opensBox(this.#text.charCodeAt(t.start))
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
    return this.#nameFirst(i)
  }

  /** `12 Main Street`, `41 Via dalla Staziun 87`, `07 262 Pavlou Drandaki`. */
  #numberFirst(i: number): Core | undefined {
    if (!isHouseNumber(this.#tok(i))) return undefined
    // A number inside a longer figure ("1,234", "3-4", "10.0.0.1", "SW1A") is not a house
    // number.
    const before = this.#text[(this.#tok(i)?.start ?? 0) - 1] ?? ' '
    if (FIGURE_CHAR_RE.test(before)) return undefined
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
      const ordinal = w?.kind === 'num' && /^\d{1,3}(?:st|nd|rd|th)$/i.test(w.norm)
      // A short lowercase particle may open a name ("51 χλμ Αλεξανδρούπολης 133").
      const particle =
        j === wordsFrom &&
        w?.kind === 'word' &&
        w.norm.length <= 4 &&
        !isStop(w) &&
        this.#adjacent(j, j + 1) &&
        this.#tok(j + 1)?.cap === true
      if (!ordinal && !particle && !this.#nameWord(w, j === wordsFrom)) break
      if (w !== undefined && (isStreetType(w) || hasStreetSuffix(w))) typed = true
      if (w?.cap === true) capital = true
      j++
      // A word ending in a sentence dot ends the street name.
      if (w?.dot === true && w.kind === 'word' && !isStreetType(w) && w.norm.length > 4) break
    }
    const words = j - wordsFrom
    if (words === 0) return undefined
    if (!capital && !this.#lower) return undefined
    const firstWord = this.#tok(wordsFrom)
    if (words === 1 && firstWord !== undefined) {
      if (MONTHS.has(firstWord.norm) || QUANTITY_WORDS.has(firstWord.norm)) return undefined
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
    if (MONTHS.has(firstWord?.norm ?? '') && !typed) return undefined
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
      before?.kind === 'word' && ['to', 'at', 'with', 'is', 'in'].includes(before.norm)
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
      if (!this.#nameWord(w, j === i)) break
      if (w !== undefined && (isStreetType(w) || hasStreetSuffix(w))) {
        typed = true
        englishType = ['street', 'road', 'avenue', 'lane', 'drive', 'boulevard'].includes(w.norm)
      } else englishType = false
      j++
      if (w?.dot === true && !isStreetType(w) && w.norm.length > 4) break
    }
    const numbered = isHouseNumber(this.#tok(j)) && this.#adjacent(j - 1, j)
    if (numbered) {
      const context = this.#context(t.start)
      const num = this.#tok(j)?.norm ?? ''
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
    if (and?.norm === 'and' && this.#adjacent(to - 1, to) && this.#adjacent(to, to + 1)) {
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
    const prefix = this.#text.slice(lineBegin, t.start)
    if (prefix.includes(':')) return false
    for (const m of prefix.matchAll(PREFIX_WORD_RE)) {
      if (STOP_WORDS.has(normalizePlace(m[0]))) return false
    }
    return true
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
      while (m < this.#tokens.length) {
        const s = this.#tok(m)
        if (s?.kind === 'nl') newlines++
        else if (s?.kind === 'punct' && s.norm === ',') comma = true
        else if (s?.kind === 'punct' && newlines > 0 && /^[?>*•|-]$/.test(s.norm)) {
          // list marker
        } else break
        m++
      }
      if (newlines > 3) break
      // After a postal code only a town on the same line may follow ("10115 Berlin").
      const afterPostal = comps.at(-1)?.kind === 'postal'
      if (afterPostal && (newlines > 0 || comma)) break
      const t = this.#tok(m)
      if (t === undefined) break
      if (t.start - lastEnd > 12) break
      if (/[^\s,?>*•|-]/.test(this.#text.slice(lastEnd, t.start))) break
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
          ? CAPITAL_POSTAL
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
    if (t.norm === 'nan' && !t.cap) return { start: t.start, end: t.end, kind: 'null', next: m + 1 }
    if (t.upper && t.norm.length <= 3 && places > 0) {
      return { start: t.start, end: t.end, kind: 'state', next: m + 1 }
    }
    if (places >= 3) return undefined
    let j = m
    while (j - m < 5 && (j === m || this.#adjacent(j - 1, j))) {
      const w = this.#tok(j)
      if (!this.#nameWord(w, j === m) || isUnitWord(w)) break
      // A short all-capitals word after a name is a state or province code ("Dallas TX").
      if (j > m && w?.upper === true && w.norm.length <= 3 && this.#tok(j - 1)?.upper !== true) {
        break
      }
      if (!this.#lower && w?.cap !== true && w !== undefined && isConnector(w)) {
        // A connector must be followed by another name word ("Trinidad and Tobago").
        if (!this.#nameWord(this.#tok(j + 1), false)) break
      }
      j++
      if (w?.dot === true && w.norm.length > 3) break
    }
    if (j === m) return undefined
    // A district number belongs to its town ("Praha 6", "Karlovy Vary 17").
    const district = this.#tok(j)
    if (district?.kind === 'num' && /^\d{1,2}$/.test(district.norm) && this.#adjacent(j - 1, j)) {
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
    const bonus = comps.some((c) => c.kind === 'postal' || c.kind === 'unit') ? 0.1 : 0
    const block = this.#listLike(core.from) && comps.some((c) => c.newline)
    if (!block) {
      const only = comps.length === 1 ? comps[0] : undefined
      if (only?.kind === 'place' && only.comma) {
        // "lives at Lille Vibyvej 8, Måløv": the town after a bare street is a location.
        this.#push('STREET_ADDRESS', core.start, core.end, core.score)
        this.#push('LOCATION', only.start, only.end, 0.86)
        return
      }
      const last = comps.filter((c) => c.kind !== 'null').at(-1)
      this.#push('STREET_ADDRESS', core.start, last?.end ?? core.end, core.score + bonus)
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
const ANCHOR_WORDS = ['street', 'road', 'avenue', 'lane', 'drive', 'boulevard']

/** True when ASCII letters `text[from, to)` spell one of {@link ANCHOR_WORDS}, in any case. */
function anchorWord(text: string, from: number, to: number): boolean {
  const first = text.charCodeAt(from) | 32
  for (const w of ANCHOR_WORDS) {
    if (w.length !== to - from || w.charCodeAt(0) !== first) continue
    let k = 1
    while (k < w.length && (text.charCodeAt(from + k) | 32) === w.charCodeAt(k)) k++
    if (k === w.length) return true
  }
  return false
}
const WINDOW_BACK = 120
const WINDOW_AHEAD = 300

/** True for the codes of `\w`: ASCII letters, digits and the underscore. */
function wordCode(c: number): boolean {
  return asciiLetter(c) || (c >= 48 && c <= 57) || c === 95
}

/**
 * Merged `[from, to)` windows around every anchor, starting at whitespace. Anchors are a
 * digit, or one of {@link ANCHOR_WORDS} in any case between `\w` boundaries; they are found
 * by character codes, a regex pass per digit costing more than the parse of most texts.
 */
function windows(text: string): [number, number][] {
  const out: [number, number][] = []
  const n = text.length
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i)
    const index = i
    let length = 1
    if (c < 48 || c > 57) {
      if (!asciiLetter(c) || (i > 0 && wordCode(text.charCodeAt(i - 1)))) continue
      let k = i + 1
      while (k < n && asciiLetter(text.charCodeAt(k))) k++
      const after = text.charCodeAt(k)
      const hit = !(after === 95 || (after >= 48 && after <= 57)) && anchorWord(text, i, k)
      // No anchor starts inside the word; a digit right after it is looked at next.
      i = k - 1
      if (!hit) continue
      length = k - index
    }
    const to = Math.min(n, index + length + WINDOW_AHEAD)
    const last = out.at(-1)
    if (last !== undefined && index - WINDOW_BACK <= last[1]) {
      last[1] = to
    } else {
      let from = Math.max(0, index - WINDOW_BACK)
      // Start on a word boundary: a token cut in half would read as a different word.
      const limit = Math.max(0, from - 40)
      while (from > limit && !/\s/.test(text[from - 1] ?? ' ')) from--
      out.push([from, to])
    }
    // Later anchors could only extend the last window, which already reaches the end.
    if (to === n) break
  }
  return out
}

let lastText: string | undefined
let lastSpans: PlaceSpan[] = []

/**
 * The address and location spans of `text`, in text order. The last result is cached so
 * the address, location and postal-code detectors, run one after the other on the same
 * text, parse it once.
 */
export function parseAddresses(text: string): readonly PlaceSpan[] {
  if (text !== lastText) {
    const lower = !UPPER_RE.test(text)
    const spans: PlaceSpan[] = []
    for (const [from, to] of windows(text)) {
      spans.push(...new AddressParser(text, from, to, lower).parse())
    }
    lastSpans = spans
    lastText = text
  }
  return lastSpans
}
