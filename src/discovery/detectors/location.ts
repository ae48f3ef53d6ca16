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
import { KIND_ASCII as importedKindAscii, scanTokens } from '../ner/tokens.js'
import type { TokenScan } from '../ner/tokens.js'
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
const MAX_PLACE_WORDS = importedMaxPlaceWords
const NAME_CONNECTORS = importedNameConnectors
const STOP_WORDS = importedStopWords
const CITY_POPULATION_THRESHOLD = importedCityPopulationThreshold

export { CITY_POPULATION_THRESHOLD }

// Words are runs of a letter or mark and up to 40 more letters, marks, apostrophes or
// hyphens. They are read by character codes (see `words`); these decide the non-ASCII cases.
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
// The last words of the strong phrases: a word before a candidate that ends none of them
// cannot complete one, so the longer phrases need not be built.
const STRONG_LAST = new Set([...STRONG_TRIGGERS].map((p) => p.slice(p.lastIndexOf(' ') + 1)))

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

// Words that never start a place name, both lists in one set: one lookup per capitalised word.
const NOT_PLACE_WORDS: ReadonlySet<string> = new Set([...NOT_PLACES, ...STOP_WORDS])

/** One word of a text: offsets, normalised form, and whether it starts with a capital. */
interface Word {
  start: number
  end: number
  norm: string
  cap: boolean
}

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
function addWord(out: Word[], start: number, end: number, norm: string, cap: boolean): void {
  let w = wordPool[out.length]
  if (w === undefined) {
    w = { start, end, norm, cap }
    wordPool.push(w)
  } else {
    w.start = start
    w.end = end
    w.norm = norm
    w.cap = cap
  }
  out.push(w)
}

// The list `words` fills, emptied for each text (the scan is synchronous and keeps no word).
const textWords: Word[] = []

// The words of a text, read by character codes: this runs on nearly every text a scan sees,
// where a Unicode regex and a second test per word cost several times more. The returned
// list is reused by the next call.
function words(text: string): Word[] {
  const out = textWords
  out.length = 0
  const n = text.length
  let i = 0
  while (i < n) {
    const c = text.charCodeAt(i)
    if (!letterAt(text, i, c)) {
      i += pointLength(text, i)
      continue
    }
    let ascii = c < 128
    let hasUpper = c <= 90
    let k = i + pointLength(text, i)
    for (let points = 0; points < 40 && k < n; points++) {
      const d = text.charCodeAt(k)
      if (d === 39 || d === 45 || (d >= 97 && d <= 122)) k++
      else if (d >= 65 && d <= 90) {
        hasUpper = true
        k++
      } else if (d === 0x2019 || (d >= 128 && letterAt(text, k, d))) {
        ascii = false
        k += pointLength(text, k)
      } else break
    }
    const raw = text.slice(i, k)
    if (ascii) addWord(out, i, k, hasUpper ? raw.toLowerCase() : raw, c <= 90)
    else {
      const first = raw[0] ?? ''
      addWord(out, i, k, normalizePlace(raw), first !== first.toLowerCase())
    }
    i = k
  }
  return out
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
  // "Where: Paris" is a field label; otherwise only spaces may separate phrase and place.
  if (p1.norm === 'where' && text.slice(p1.end, w.start).trim() === ':') return 'strong'
  if (!shortSpace(text, p1.end, w.start)) return null
  if (!STRONG_LAST.has(p1.norm)) return WEAK_TRIGGERS.has(p1.norm) ? 'weak' : null
  let phrase = p1.norm
  if (STRONG_TRIGGERS.has(phrase)) return 'strong'
  for (let k = 2; k <= 3; k++) {
    const p = ws[i - k]
    const after = ws[i - k + 1]
    if (p === undefined || after === undefined || !shortSpace(text, p.end, after.start)) break
    phrase = `${p.norm} ${phrase}`
    if (STRONG_TRIGGERS.has(phrase)) return 'strong'
  }
  return WEAK_TRIGGERS.has(p1.norm) ? 'weak' : null
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
  if (w === undefined || STOP_WORDS.has(w.norm) || NOT_PLACES.has(w.norm)) return 0
  if (!w.cap && !lowerText) return 0
  let n = 1
  while (n < 4) {
    const prev = ws[i + n - 1]
    const next = ws[i + n]
    if (prev === undefined || next === undefined || !joined(text, prev, next)) break
    const connector = NAME_CONNECTORS.has(next.norm) && !next.cap
    if (!(next.cap || connector || (lowerText && !STOP_WORDS.has(next.norm)))) break
    n++
  }
  // Drop trailing connectors ("Frontera de").
  while (n > 1 && NAME_CONNECTORS.has(ws[i + n - 1]?.norm ?? '')) n--
  return n
}

/** The word before word `i` is "in" (not "from", which often names an employer). */
function inBefore(ws: readonly Word[], i: number): boolean {
  return ws[i - 1]?.norm === 'in'
}

/**
 * Reads one-word place entries from the shared token scan: a word that is also one ASCII
 * token of the scan (nearly every word) takes the place bits its table probe found, so the
 * text's words are looked up once for the named-entity and place detectors together; any
 * other word is looked up by its normalised form.
 */
class PlaceLookup {
  #k = 0

  constructor(
    readonly g: PlaceGazetteers,
    readonly scan: TokenScan,
  ) {}

  /** The entry of word `w`; words must be asked for in text order. */
  entry(w: Word): PlaceEntry | undefined {
    const { starts, n } = this.scan
    let k = this.#k
    while (k < n && (starts[k] as number) < w.start) k++
    this.#k = k
    if (
      k < n &&
      starts[k] === w.start &&
      this.scan.ends[k] === w.end &&
      ((this.scan.kinds[k] as number) & 3) === KIND_ASCII
    ) {
      const slot = this.scan.slots[k] as number
      return slot < 0 ? undefined : placeEntryOf(this.scan.table.flags(slot))
    }
    return this.g.entries.get(w.norm)
  }
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

/** Gazetteer and trigger-phrase hits outside the parsed addresses. */
function gazetteerSpans(text: string, parsed: readonly PlaceSpan[]): Span[] {
  const g = placeGazetteers()
  const lex = getLexicon()
  lex.addPlaces()
  const places = new PlaceLookup(g, scanTokens(text, lex))
  const ws = words(text)
  const lowerText = !UPPER_RE.test(text)
  const spans: Span[] = []
  let i = 0
  while (i < ws.length) {
    const w = ws[i]
    if (w === undefined) break
    // In capitalised text a lowercase word reads as an ordinary word ("china", "turkey"):
    // only capitalised words are looked up, which also keeps the scan cheap.
    if ((!w.cap && !lowerText) || NOT_PLACE_WORDS.has(w.norm)) {
      i++
      continue
    }
    let key = w.norm
    let entry = places.entry(w)
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
      // Most first words start some longer name; few are followed by its second word.
      if (n === 2 && !g.mayStartPair(key, next.norm)) break
      key += ' ' + next.norm
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
      const common = bestN === 1 && (firstCommon || w.norm.length <= 2)
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
      else if (w.cap && closing && inBefore(ws, i) && !g.commonWords.has(w.norm)) score = 0.5
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
