/**
 * LOCATION: countries, regions and cities. Three sources, strongest first:
 *
 * - the city and country fields of letter-head address blocks and the town after a bare
 *   street ("lives at Vibyvej 8, Måløv"), from the address grammar;
 * - gazetteer hits (country names in several languages, US states and other regions,
 *   GeoNames cities), scored by capitalisation, population and context;
 * - capitalised names no gazetteer knows, right after a phrase that introduces a place
 *   ("grew up in", "moved here from", "home city", "Where:").
 *
 * Places that are also common words ("Mobile", "Reading") and bare lowercase hits in
 * capitalised text are scored below the default reporting threshold.
 */
import type { Detector, Span } from '../detector.js'
import {
  CITY_POPULATION_THRESHOLD as importedCityPopulationThreshold,
  MAX_PLACE_WORDS as importedMaxPlaceWords,
  normalizePlace as importedNormalizePlace,
  placeEntryOf as importedPlaceEntryOf,
  placeGazetteers,
} from '../gazetteers/places.js'
import type { PlaceEntry, PlaceGazetteers } from '../gazetteers/places.js'
import { getLexicon } from '../ner/lexicon.js'
import type { Lexicon } from '../ner/lexicon.js'
import {
  KIND_ASCII as importedKindAscii,
  KIND_PUNCT as importedKindPunct,
  scanTokens,
} from '../ner/tokens.js'
import type { TokenScan } from '../ner/tokens.js'
import type { WordTable } from '../ner/word-table.js'
import { parseAddresses } from './address-parse.js'
import type { PlaceSpan } from './address-parse.js'
import {
  NAME_CONNECTORS as importedNameConnectors,
  STOP_WORDS as importedStopWords,
} from './address-lexicon.js'
import { letterAt as importedLetterAt, pointLength as importedPointLength } from './text-chars.js'

// What the scan uses per character or per word, bound once in this module: some loaders
// (tsx, which runs the benchmarks) turn each use of an imported binding into a getter call.
const letterAt = importedLetterAt
const pointLength = importedPointLength
const normalizePlace = importedNormalizePlace
const placeEntryOf = importedPlaceEntryOf
const KIND_ASCII = importedKindAscii
const KIND_PUNCT = importedKindPunct
const MAX_PLACE_WORDS = importedMaxPlaceWords
const NAME_CONNECTORS = importedNameConnectors
const STOP_WORDS = importedStopWords
const CITY_POPULATION_THRESHOLD = importedCityPopulationThreshold

export { CITY_POPULATION_THRESHOLD }

// Words are runs of a letter or mark and up to 40 more letters, marks, apostrophes or
// hyphens. Those not read from the token scan are read by character codes (see `readWords`);
// these decide the non-ASCII cases.
const SPACE_RE = /^\s$/u
// Kept at module level: some loaders compile a `\p{…}` literal to a `new RegExp` per use.
const UPPER_RE = /\p{Lu}/u

// Phrases that introduce a place, as the one to three words right before the candidate.
const STRONG_TRIGGERS = new Set([
  'grew up in',
  'born in',
  'live in',
  'lives in',
  'living in',
  'lived in',
  'moved here from',
  'moved there from',
  'moved from',
  'moved to',
  'moved here to',
  'originally from',
  'home city',
  'home town',
  'hometown',
  'city of',
  'town of',
  'village of',
  "i'm in",
  'i am in',
  "we're in",
  'we are in',
  'coming to',
  'trip to',
  'travel to',
  'traveled to',
  'travelled to',
  'travelling to',
  'traveling to',
  'visit',
  'visiting',
  'visited',
  'flew to',
  'fly to',
  'arrived at',
  'arrived in',
  'relocated to',
  'based in',
  'raised in',
  'capital of',
  'welcome to',
  'street in',
  'road in',
  'avenue in',
  'located in',
  'stay in',
  'staying in',
  'stayed in',
  'year in',
  'years in',
  'morning from',
  'down from',
  'come from',
  'comes from',
  'came from',
])
const WEAK_TRIGGERS = new Set(['in', 'from', 'to', 'at', 'near', 'around', 'outside', 'across'])

/** A node of {@link STRONG_PHRASES}: the last few words of some strong phrases. */
interface PhraseNode {
  /** The words read so far make a whole phrase. */
  whole: boolean
  /** The word that may come before them → the node of the longer phrases. */
  readonly before: Map<string, PhraseNode>
}

/**
 * The strong phrases read backwards, word by word, from the word right before a candidate:
 * following it with the words' normalised forms spares building two- and three-word strings
 * per candidate only to find that no phrase is one of them.
 */
const STRONG_PHRASES: PhraseNode = { whole: false, before: new Map() }
for (const phrase of STRONG_TRIGGERS) {
  let node = STRONG_PHRASES
  for (const word of phrase.split(' ').reverse()) {
    let next = node.before.get(word)
    if (next === undefined) {
      next = { whole: false, before: new Map() }
      node.before.set(word, next)
    }
    node = next
  }
  node.whole = true
}

const NOT_PLACES: ReadonlySet<string> = new Set([
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
  'sunday',
  'i',
  'mr',
  'mrs',
  'ms',
  'dr',
  'the',
  'a',
  'an',
  'my',
  'our',
  'his',
  'her',
  'their',
  'this',
  'that',
  'order',
  'fact',
  'general',
  'total',
  'case',
  'time',
  'person',
  'public',
  'private',
])

// What the detector asks of a word besides its place entry, as bits (see `classOf`).
/** Never starts a place name: {@link NOT_PLACES} and the address grammar's stop words. */
const NOT_PLACE_BIT = 1
/** A stop word of the address grammar. */
const STOP_BIT = 2
/** A lowercase word inside a name ("de", "la"). */
const CONNECTOR_BIT = 4
/** A weak place phrase ("in", "from"). */
const WEAK_BIT = 8
/** Ends a strong place phrase, or is "where". */
const PHRASE_BIT = 16
/** "in". */
const IN_BIT = 32

/** The words of the lists above with their bits; any other word has none. */
const WORD_CLASSES: ReadonlyMap<string, number> = (() => {
  const out = new Map<string, number>()
  const add = (list: Iterable<string>, bit: number) => {
    for (const word of list) out.set(word, (out.get(word) ?? 0) | bit)
  }
  add(NOT_PLACES, NOT_PLACE_BIT)
  add(STOP_WORDS, NOT_PLACE_BIT | STOP_BIT)
  add(NAME_CONNECTORS, CONNECTOR_BIT)
  add(WEAK_TRIGGERS, WEAK_BIT)
  add([...STRONG_PHRASES.before.keys(), 'where'], PHRASE_BIT)
  add(['in'], IN_BIT)
  return out
})()

// WORD_CLASSES by slot of the table the scan probes (rebuilt should the table change): a word
// the scan found in the table is classified by its slot, without spelling its lowercase form.
let slotTable: WordTable | undefined
let slotClasses = new Map<number, number>()

function classesBySlot(table: WordTable): Map<number, number> {
  const out = new Map<number, number>()
  for (const [word, bits] of WORD_CLASSES) {
    const slot = table.find(word)
    if (slot >= 0) out.set(slot, bits)
  }
  return out
}

/** One word of a text: offsets, normalised form, and whether it starts with a capital. */
interface Word {
  start: number
  end: number
  /** The normalised form; '' until {@link normOf} first asks for it. */
  norm: string
  cap: boolean
  /** The word's class bits; -1 until {@link classOf} first asks for them. */
  cls: number
  /**
   * When the word is one ASCII token of the shared scan, that token's slot in the scan's
   * table (-1: not there); otherwise {@link BY_NORM}.
   */
  slot: number
}

// A word the scan did not probe as one token: its place entry is looked up by `norm`.
const BY_NORM = -2

// Word objects are reused from one text to the next (a scan never keeps them: spans copy the
// offsets), which spares the collector most of the allocations of a scan.
const wordPool: Word[] = []

/** True when the code unit `c` is white space (newlines included). */
function spaceCode(c: number): boolean {
  if (c === 32 || (c >= 9 && c <= 13)) return true
  return c >= 128 && SPACE_RE.test(String.fromCharCode(c))
}

/** True when `text[from, to)` is one to three white-space characters. */
function shortSpace(text: string, from: number, to: number): boolean {
  if (to - from < 1 || to - from > 3) return false
  for (let k = from; k < to; k++) if (!spaceCode(text.charCodeAt(k))) return false
  return true
}

/** Appends a word to `out`, reusing the pooled object at its index. */
function addWord(
  out: Word[],
  start: number,
  end: number,
  norm: string,
  cap: boolean,
  slot: number,
): void {
  let w = wordPool[out.length]
  if (w === undefined) {
    w = { start, end, norm, cap, cls: -1, slot }
    wordPool.push(w)
  } else {
    w.start = start
    w.end = end
    w.norm = norm
    w.cap = cap
    w.cls = -1
    w.slot = slot
  }
  out.push(w)
}

// The list `words` fills, emptied for each text (the scan is synchronous and keeps no word).
const textWords: Word[] = []

/**
 * True when the ASCII token `text[start, end)` is exactly one word as {@link readWords}
 * reads it from `start`: a letter, then at most 40 letters, apostrophes or hyphens (no
 * digit), and nothing after it that would extend the word (a joiner, another letter).
 */
function tokenIsWord(text: string, start: number, end: number): boolean {
  if (end - start > 41) return false
  const c = text.charCodeAt(start)
  if (!((c >= 97 && c <= 122) || (c >= 65 && c <= 90))) return false
  for (let k = start + 1; k < end; k++) {
    const d = text.charCodeAt(k)
    if (d >= 48 && d <= 57) return false
  }
  if (end === text.length) return true
  const after = text.charCodeAt(end)
  return !(
    after === 39 ||
    after === 45 ||
    after >= 128 ||
    (after >= 97 && after <= 122) ||
    (after >= 65 && after <= 90)
  )
}

/**
 * The words of a text: runs of a letter or mark and up to 40 more letters, marks,
 * apostrophes or hyphens. Nearly every word is one ASCII token of the shared scan, whose
 * probe already found its lowercase form in the table: such a word takes the table's key
 * string as its normalised form, which allocates nothing. Any other stretch of a word token
 * (digits, a joiner at a word's edge or doubled, other scripts) is read by character codes
 * from where the previous word ended. Letters lie only in word tokens, so the text between
 * tokens holds no word. The returned list is reused by the next call.
 */
function words(text: string, scan: TokenScan): Word[] {
  const out = textWords
  out.length = 0
  const { n, starts, ends, kinds, slots } = scan
  // Where the previous word ended: no word starts before it.
  let pos = 0
  for (let k = 0; k < n; k++) {
    const kind = (kinds[k] as number) & 3
    const end = ends[k] as number
    if (kind === KIND_PUNCT || end <= pos) continue
    const start = starts[k] as number
    if (start >= pos && kind === KIND_ASCII && tokenIsWord(text, start, end)) {
      const slot = slots[k] as number
      addWord(out, start, end, '', text.charCodeAt(start) <= 90, slot)
      pos = end
    } else {
      pos = readWords(text, out, start >= pos ? start : pos, end, scan, k)
    }
  }
  return out
}

/**
 * Reads the words starting in `text[from, until)` by character codes, where a Unicode regex
 * and a second test per word would cost several times more; returns where the last one
 * ends (it may run past `until`). `k` is the token holding `from`: a word that is exactly
 * that ASCII token takes its probe.
 */
function readWords(
  text: string,
  out: Word[],
  from: number,
  until: number,
  scan: TokenScan,
  k: number,
): number {
  const n = text.length
  let i = from
  while (i < until) {
    const c = text.charCodeAt(i)
    if (!letterAt(text, i, c)) {
      i += pointLength(text, i)
      continue
    }
    let ascii = c < 128
    let hasUpper = c <= 90
    let j = i + pointLength(text, i)
    for (let points = 0; points < 40 && j < n; points++) {
      const d = text.charCodeAt(j)
      if (d === 39 || d === 45 || (d >= 97 && d <= 122)) j++
      else if (d >= 65 && d <= 90) {
        hasUpper = true
        j++
      } else if (d === 0x2019 || (d >= 128 && letterAt(text, j, d))) {
        ascii = false
        j += pointLength(text, j)
      } else break
    }
    const slot =
      i === scan.starts[k] && j === scan.ends[k] && ((scan.kinds[k] as number) & 3) === KIND_ASCII
        ? (scan.slots[k] as number)
        : BY_NORM
    const raw = text.slice(i, j)
    if (ascii) addWord(out, i, j, hasUpper ? raw.toLowerCase() : raw, c <= 90, slot)
    else {
      const first = raw[0] ?? ''
      addWord(out, i, j, normalizePlace(raw), first !== first.toLowerCase(), slot)
    }
    i = j
  }
  return i
}

/**
 * The normalised form of `w`, a word of `text`. Most words are never looked at closely (the
 * lowercase words of capitalised text, but for the few before a candidate), so the words
 * read from tokens leave it to be spelt here on first use: ASCII lowercase.
 */
function normOf(text: string, w: Word): string {
  if (w.norm === '') w.norm = text.slice(w.start, w.end).toLowerCase()
  return w.norm
}

/**
 * The class bits of `w`, a word of `text`: by its slot when the scan found it in the table
 * (the slot stands for the word's lowercase form there), else by its normalised form.
 */
function classOf(text: string, w: Word): number {
  if (w.cls < 0) {
    w.cls = w.slot >= 0 ? (slotClasses.get(w.slot) ?? 0) : (WORD_CLASSES.get(normOf(text, w)) ?? 0)
  }
  return w.cls
}

/** Words `a` and `b` are joined by one space or hyphen: parts of one name. */
function joined(text: string, a: Word, b: Word): boolean {
  const gap = b.start - a.end
  return gap === 1 && (text[a.end] === ' ' || text[a.end] === '-')
}

type Kind = 'country' | 'region' | 'city'

/** The place phrase ending right before word `i`, judged from the words before it. */
function trigger(text: string, ws: readonly Word[], i: number): 'strong' | 'weak' | null {
  const w = ws[i]
  const p1 = ws[i - 1]
  if (w === undefined || p1 === undefined) return null
  // Most words before a candidate end no phrase at all.
  if ((classOf(text, p1) & (PHRASE_BIT | WEAK_BIT)) === 0) return null
  const last = normOf(text, p1)
  // "Where: Paris" is a field label; otherwise only spaces may separate phrase and place.
  if (last === 'where' && text.slice(p1.end, w.start).trim() === ':') return 'strong'
  if (!shortSpace(text, p1.end, w.start)) return null
  let node = STRONG_PHRASES.before.get(last)
  if (node?.whole === true) return 'strong'
  for (let k = 2; k <= 3 && node !== undefined; k++) {
    const p = ws[i - k]
    const after = ws[i - k + 1]
    if (p === undefined || after === undefined || !shortSpace(text, p.end, after.start)) break
    node = node.before.get(normOf(text, p))
    if (node?.whole === true) return 'strong'
  }
  return (classOf(text, p1) & WEAK_BIT) !== 0 ? 'weak' : null
}

function scoreHit(
  kind: Kind,
  population: number,
  common: boolean,
  cased: boolean,
  context: 'strong' | 'weak' | null,
): number {
  const ctx = context === 'strong' ? 0.2 : context === 'weak' ? 0.1 : 0
  // After a place phrase ("grew up in") a known place name is very likely meant as one.
  if (context === 'strong') return common ? 0.6 : 0.9
  // A country that is also a word or given name ("Man", "Jordan") needs capitals.
  if (kind === 'country' && common) return cased ? 0.5 + ctx : 0
  if (kind === 'country') return Math.min(1, (cased ? 0.85 : 0.6) + ctx)
  if (kind === 'region') return (cased ? 0.6 : 0.45) + ctx
  if (common) return 0
  if (population >= CITY_POPULATION_THRESHOLD) return (cased ? 0.5 : 0.35) + ctx
  if (context === 'weak' && cased) return 0.45
  return 0
}

/**
 * The number of words of the name starting at word `i`: capitalised words (any non-stop
 * word in all-lowercase text) joined by spaces or hyphens, with lowercase connectors inside
 * ("Chiclana de la Frontera"); 0 when word `i` cannot start one.
 */
function nameRun(text: string, ws: readonly Word[], i: number, lowerText: boolean): number {
  const w = ws[i]
  if (w === undefined || (classOf(text, w) & NOT_PLACE_BIT) !== 0) return 0
  if (!w.cap && !lowerText) return 0
  let n = 1
  while (n < 4) {
    const prev = ws[i + n - 1]
    const next = ws[i + n]
    if (prev === undefined || next === undefined || !joined(text, prev, next)) break
    const cls = classOf(text, next)
    const connector = (cls & CONNECTOR_BIT) !== 0 && !next.cap
    if (!(next.cap || connector || (lowerText && (cls & STOP_BIT) === 0))) break
    n++
  }
  // Drop trailing connectors ("Frontera de").
  for (let last = ws[i + n - 1]; n > 1 && last !== undefined; last = ws[i + n - 1]) {
    if ((classOf(text, last) & CONNECTOR_BIT) === 0) break
    n--
  }
  return n
}

/** The word before word `i` is "in" (not "from", which often names an employer). */
function inBefore(text: string, ws: readonly Word[], i: number): boolean {
  const p = ws[i - 1]
  return p !== undefined && (classOf(text, p) & IN_BIT) !== 0
}

/**
 * The one-word place entry of `w`, a word of `text`. A word that is one ASCII token of the
 * scan (nearly every word) takes the place bits its table probe found, so the text's words
 * are looked up once for the named-entity and place detectors together; any other word is
 * looked up by its normalised form.
 */
function entryOf(
  text: string,
  w: Word,
  g: PlaceGazetteers,
  scan: TokenScan,
): PlaceEntry | undefined {
  if (w.slot === BY_NORM) return g.entries.get(normOf(text, w))
  return w.slot < 0 ? undefined : placeEntryOf(scan.table.flags(w.slot))
}

// The first parsed span that may still overlap a candidate: candidates come in text order.
let blockedFrom = 0

/**
 * True when `[s, e)` overlaps a span of `parsed` (sorted, few). A pointer moving forward
 * with the candidates keeps this linear in the number of addresses, which a scan per
 * candidate would not be; a plain function, not a closure made per text.
 */
function blocked(parsed: readonly PlaceSpan[], s: number, e: number): boolean {
  while (blockedFrom < parsed.length && (parsed[blockedFrom]?.end ?? 0) <= s) blockedFrom++
  for (let k = blockedFrom; k < parsed.length; k++) {
    const p = parsed[k]
    if (p === undefined || p.start >= e) return false
    if (p.start < e && s < p.end) return true
  }
  return false
}

/** What every text is looked up in, loaded on the first text. */
interface Sources {
  readonly g: PlaceGazetteers
  /** The shared lexicon, its table holding the one-word place names. */
  readonly lex: Lexicon
}

// Kept once loaded: asking the modules again per text only returns the same objects.
let sources: Sources | undefined

function loadSources(): Sources {
  const lex = getLexicon()
  lex.addPlaces()
  sources = { g: placeGazetteers(), lex }
  return sources
}

/**
 * No upper-case letter anywhere in `text`. Every letter lies in a word token, and the scan
 * counts the capitals of ASCII words: the first word nearly always settles it, and the
 * Unicode regex runs over the text only when no ASCII word has one.
 */
function lowerCaseText(text: string, scan: TokenScan): boolean {
  const { n, kinds, uppers } = scan
  for (let k = 0; k < n; k++) {
    if (((kinds[k] as number) & 3) === KIND_ASCII && (uppers[k] as number) > 0) return false
  }
  return !UPPER_RE.test(text)
}

/** Gazetteer and trigger-phrase hits outside the parsed addresses. */
function gazetteerSpans(text: string, parsed: readonly PlaceSpan[]): Span[] {
  const { g, lex } = sources ?? loadSources()
  const scan = scanTokens(text, lex)
  if (scan.table !== slotTable) {
    slotClasses = classesBySlot(scan.table)
    slotTable = scan.table
  }
  const ws = words(text, scan)
  const lowerText = lowerCaseText(text, scan)
  const spans: Span[] = []
  let i = 0
  while (i < ws.length) {
    const w = ws[i]
    if (w === undefined) break
    // In capitalised text a lowercase word reads as an ordinary word ("china", "turkey"):
    // only capitalised words are looked up, which also keeps the scan cheap.
    if ((!w.cap && !lowerText) || (classOf(text, w) & NOT_PLACE_BIT) !== 0) {
      i++
      continue
    }
    let key = ''
    let entry = entryOf(text, w, g, scan)
    const firstCommon = entry?.common === true
    let bestN = 0
    let bestKind: Kind | null = null
    let bestPopulation = 0
    if (entry?.kind != null) {
      bestN = 1
      bestKind = entry.kind
      bestPopulation = entry.population
    }
    for (let n = 2; n <= MAX_PLACE_WORDS; n++) {
      const prev = ws[i + n - 2]
      const next = ws[i + n - 1]
      if (prev === undefined || next === undefined || !joined(text, prev, next)) break
      // No longer name starts with these words: stop extending.
      if (entry?.prefix !== true) break
      if (n === 2) {
        key = normOf(text, w)
        // Most first words start some longer name; few are followed by its second word.
        if (!g.mayStartPair(key, normOf(text, next))) break
      }
      key += ' ' + normOf(text, next)
      entry = g.entries.get(key)
      if (entry?.kind != null) {
        bestN = n
        bestKind = entry.kind
        bestPopulation = entry.population
      }
    }
    const context = bestKind !== null || w.cap || lowerText ? trigger(text, ws, i) : null
    const run = context === null ? 0 : nameRun(text, ws, i, lowerText)
    if (bestKind !== null && !(context === 'strong' && run > bestN)) {
      const last = ws[i + bestN - 1] ?? w
      const cased = w.cap
      // The one-word hit's entry says whether the name is also a common word.
      const common = bestN === 1 && (firstCommon || normOf(text, w).length <= 2)
      const score = scoreHit(bestKind, bestPopulation, common, cased, context)
      if (score >= 0.3 && !blocked(parsed, w.start, last.end)) {
        spans.push({ type: 'LOCATION', start: w.start, end: last.end, score })
      }
      i += bestN
      continue
    }
    // A name no gazetteer knows: after a strong place phrase, or after "in"/"from" when it
    // closes the clause ("… in Kwaxuma, which …").
    if (run > 0 && (w.cap || lowerText)) {
      const last = ws[i + run - 1] ?? w
      const after = text.charCodeAt(last.end)
      // Followed by , . ; ! ? or the end of the text.
      const closing =
        last.end >= text.length ||
        after === 44 ||
        after === 46 ||
        after === 59 ||
        after === 33 ||
        after === 63
      let score = 0
      if (context === 'strong') score = lowerText ? 0.6 : 0.88
      else if (w.cap && closing && inBefore(text, ws, i) && !g.commonWords.has(normOf(text, w)))
        score = 0.5
      if (score > 0 && !blocked(parsed, w.start, last.end)) {
        spans.push({ type: 'LOCATION', start: w.start, end: last.end, score })
        i += run
        continue
      }
    }
    i++
  }
  return spans
}

/**
 * Detects places. Address-block fields score 0.7; capitalised countries 0.85, regions 0.6,
 * cities of at least {@link CITY_POPULATION_THRESHOLD} people 0.5, smaller cities and
 * unknown names only after a place phrase (0.6–0.7); +0.1/+0.2 after a weak ("in", "from")
 * or strong ("grew up in") place phrase.
 */
export const locationDetector: Detector = {
  id: 'location',
  entityType: 'LOCATION',
  detect(text: string): Span[] {
    const parsed = parseAddresses(text)
    const spans: Span[] = []
    for (const p of parsed) {
      if (p.type === 'LOCATION') {
        spans.push({ type: 'LOCATION', start: p.start, end: p.end, score: p.score })
      }
    }
    blockedFrom = 0
    for (const s of gazetteerSpans(text, parsed)) spans.push(s)
    return spans
  },
}
