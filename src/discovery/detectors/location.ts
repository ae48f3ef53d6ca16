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
import { MAX_PLACE_WORDS, normalizePlace, placeGazetteers } from '../gazetteers/places.js'
import type { PlaceGazetteers } from '../gazetteers/places.js'
import { parseAddresses } from './address-parse.js'
import { NAME_CONNECTORS, STOP_WORDS } from './address-lexicon.js'

/**
 * Cities at least this populous are reported on capitalisation alone; smaller ones need a
 * place phrase before them. Chosen by measurement on labelled synthetic data: lower values
 * add more false hits on surnames and ordinary words than true places.
 */
export const CITY_POPULATION_THRESHOLD = 50_000

const WORD_RE = /[\p{L}\p{M}][\p{L}\p{M}'’-]{0,40}/gu

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

const NOT_PLACES = new Set([
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

interface Word {
  readonly start: number
  readonly end: number
  readonly norm: string
  readonly cap: boolean
  readonly upper: boolean
}

function words(text: string): Word[] {
  const out: Word[] = []
  for (const m of text.matchAll(WORD_RE)) {
    const raw = m[0]
    const ascii = /^[A-Za-z'-]+$/.test(raw)
    const norm = ascii ? raw.toLowerCase() : normalizePlace(raw)
    const cap = raw[0] !== raw[0]?.toLowerCase()
    const upper = cap && raw.length > 1 && raw === raw.toUpperCase()
    out.push({ start: m.index, end: m.index + raw.length, norm, cap, upper })
  }
  return out
}

/** Words `a` and `b` are joined by one space or hyphen: parts of one name. */
function joined(text: string, a: Word, b: Word): boolean {
  const gap = b.start - a.end
  return gap === 1 && (text[a.end] === ' ' || text[a.end] === '-')
}

type Kind = 'country' | 'region' | 'city'

function lookup(g: PlaceGazetteers, key: string): { kind: Kind; population: number } | null {
  if (g.countries.has(key)) return { kind: 'country', population: Infinity }
  if (g.regions.has(key)) return { kind: 'region', population: Infinity }
  const population = g.cities.get(key)
  return population === undefined ? null : { kind: 'city', population }
}

/** The place phrase ending right before word `i`, judged from the words before it. */
function trigger(text: string, ws: readonly Word[], i: number): 'strong' | 'weak' | null {
  const w = ws[i]
  const p1 = ws[i - 1]
  if (w === undefined || p1 === undefined) return null
  const gap = text.slice(p1.end, w.start)
  // "Where: Paris" is a field label; otherwise only spaces may separate phrase and place.
  if (gap.trim() === ':' && p1.norm === 'where') return 'strong'
  if (!/^\s{1,3}$/.test(gap)) return null
  let phrase = p1.norm
  if (STRONG_TRIGGERS.has(phrase)) return 'strong'
  for (let k = 2; k <= 3; k++) {
    const p = ws[i - k]
    const after = ws[i - k + 1]
    if (
      p === undefined ||
      after === undefined ||
      !/^\s{1,3}$/.test(text.slice(p.end, after.start))
    ) {
      break
    }
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

/** Gazetteer and trigger-phrase hits outside the parsed addresses. */
function gazetteerSpans(text: string, blocked: (s: number, e: number) => boolean): Span[] {
  const g = placeGazetteers()
  const ws = words(text)
  const lowerText = !/\p{Lu}/u.test(text)
  const spans: Span[] = []
  let i = 0
  while (i < ws.length) {
    const w = ws[i]
    if (w === undefined) break
    // In capitalised text a lowercase word reads as an ordinary word ("china", "turkey"):
    // only capitalised words are looked up, which also keeps the scan cheap.
    if ((!w.cap && !lowerText) || NOT_PLACES.has(w.norm) || STOP_WORDS.has(w.norm)) {
      i++
      continue
    }
    let key = w.norm
    let best: { n: number; kind: Kind; population: number } | null = null
    const first = lookup(g, key)
    if (first !== null) best = { n: 1, ...first }
    for (let n = 2; n <= MAX_PLACE_WORDS; n++) {
      const prev = ws[i + n - 2]
      const next = ws[i + n - 1]
      if (prev === undefined || next === undefined || !joined(text, prev, next)) break
      // No longer name starts with these words: stop extending.
      if (!g.prefixes.has(key)) break
      key += ' ' + next.norm
      const hit = lookup(g, key)
      if (hit !== null) best = { n, ...hit }
    }
    const context = best !== null || w.cap || lowerText ? trigger(text, ws, i) : null
    const run = context === null ? 0 : nameRun(text, ws, i, lowerText)
    if (best !== null && !(context === 'strong' && run > best.n)) {
      const last = ws[i + best.n - 1] ?? w
      const cased = w.cap
      const common = best.n === 1 && (g.commonWords.has(w.norm) || w.norm.length <= 2)
      const score = scoreHit(best.kind, best.population, common, cased, context)
      if (score >= 0.3 && !blocked(w.start, last.end)) {
        spans.push({ type: 'LOCATION', start: w.start, end: last.end, score })
      }
      i += best.n
      continue
    }
    // A name no gazetteer knows: after a strong place phrase, or after "in"/"from" when it
    // closes the clause ("… in Kwaxuma, which …").
    if (run > 0 && (w.cap || lowerText)) {
      const last = ws[i + run - 1] ?? w
      const closing = /^(?:[,.;!?]|$)/.test(text.slice(last.end, last.end + 1))
      let score = 0
      if (context === 'strong') score = lowerText ? 0.6 : 0.88
      else if (w.cap && closing && inBefore(ws, i) && !g.commonWords.has(w.norm)) score = 0.5
      if (score > 0 && !blocked(w.start, last.end)) {
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
    // Parsed spans are few and sorted; a linear scan per candidate would be quadratic only
    // in the number of addresses in one text, which stays small, but a pointer keeps it
    // linear regardless.
    let ptr = 0
    const blocked = (s: number, e: number): boolean => {
      while (ptr < parsed.length && (parsed[ptr]?.end ?? 0) <= s) ptr++
      for (let k = ptr; k < parsed.length; k++) {
        const p = parsed[k]
        if (p === undefined || p.start >= e) return false
        if (p.start < e && s < p.end) return true
      }
      return false
    }
    spans.push(...gazetteerSpans(text, blocked))
    return spans
  },
}
