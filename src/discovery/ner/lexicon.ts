/**
 * The gazetteers behind the named-entity detectors, built once on first use from lexicons
 * that ship inside installed packages (nothing is downloaded): compromise's English lexicon
 * (first names, surnames, honorifics, demonyms, occupations, places, common words) and,
 * unless the compromise-only source is chosen, the first and last names of every
 * `@faker-js/faker` locale. Keys are folded with {@link foldKey}.
 */
import { allLocales } from '@faker-js/faker'
import nlp from 'compromise'
import countries from 'i18n-iso-countries'
import {
  AMBIGUOUS_HONORIFICS,
  AMBIGUOUS_POLITICAL,
  EXTRA_DEMONYMS,
  HONORIFICS,
  JOB_HEADS,
  NAME_PARTICLES,
  NAME_SUFFIXES,
  NON_JOB_PEOPLE,
  ORG_PREFIXES,
  ORG_SUFFIXES,
  POLITICAL_GROUPS,
  RELIGIONS,
} from '../gazetteers/people-words.js'
import { placeBits, placeGazetteers } from '../gazetteers/places.js'
import { foldKey } from './fold.js'
import { WordTable } from './word-table.js'

/** Bit flags of one folded word; a word may carry several. */
export const W = {
  FIRST: 1,
  LAST: 2,
  /** An everyday English word (verb, adjective, determiner…) per compromise's lexicon. */
  COMMON: 4,
  HONORIFIC: 8,
  PARTICLE: 16,
  NAME_SUFFIX: 32,
  ORG_SUFFIX: 64,
  ORG_PREFIX: 128,
  JOB_HEAD: 256,
  NRP: 512,
  PLACE: 1024,
  /** Closed-class word: determiner, pronoun, preposition, conjunction, auxiliary. */
  FUNCTION: 2048,
  /** A well-known organisation name (compromise's `Organization` tag). */
  KNOWN_ORG: 4096,
  AMBIGUOUS_HONORIFIC: 8192,
  AMBIGUOUS_NRP: 16384,
} as const

/**
 * The bits of {@link W}. The shared word table holds other detectors' bits above them (a
 * one-word place's entry, see `placeBits`), which the analysis masks off.
 */
export const W_MASK = 0xffff

/** Where first names and surnames come from. */
export type NameSource = 'compromise' | 'compromise+faker'

/** A built gazetteer: folded word → {@link W} flags. */
export interface Lexicon {
  readonly source: NameSource
  /** The flags of a folded word, 0 when unknown. */
  flags(key: string): number
  /** True when a folded, space-joined phrase is a multi-word place ("costa rica"). */
  isPlacePhrase(key: string): boolean
  /** True when some multi-word place starts with the folded word `key` ("costa"). */
  mayStartPlacePhrase(key: string): boolean
  /**
   * The first words of multi-word places, as a table a word can be probed in without
   * spelling its key (see `Tok.keyIn`).
   */
  readonly placeStarts: WordTable
  /**
   * The same words as a table that can be probed without slicing a key out of the text.
   * After {@link Lexicon.addPlaces} it holds also every one-word place name a word of ASCII
   * letters can spell, with the place entry's bits (`placeBits`) above the {@link W} flags:
   * the location detector reads a word's place from the probe the analysis made, so each
   * word is looked up once for both. The table is replaced then; read it per text.
   */
  readonly table: WordTable
  /**
   * Adds the one-word place names to {@link Lexicon.table} (once). It loads the place
   * gazetteers, so only the location detector asks for it, on its first text: processes
   * that never look for places keep the smaller table and their start-up time.
   */
  addPlaces(): void
}

const NAME_TAGS = new Set(['FirstName', 'MaleName', 'FemaleName', 'LastName', 'Person'])
const FIRST_TAGS = new Set(['FirstName', 'MaleName', 'FemaleName'])
const PLACE_TAGS = new Set(['City', 'Country', 'Region', 'Place'])
const FUNCTION_TAGS = new Set([
  'Determiner',
  'Pronoun',
  'Preposition',
  'Conjunction',
  'Copula',
  'Modal',
  'Possessive',
  'QuestionWord',
  'Reflexive',
  'Negative',
  'Auxiliary',
])
// Function words compromise leaves untagged or tags as something else.
const EXTRA_FUNCTION_WORDS = [
  'the',
  'a',
  'an',
  'and',
  'or',
  'but',
  'nor',
  'of',
  'in',
  'on',
  'at',
  'to',
  'for',
  'from',
  'by',
  'with',
  'as',
  'is',
  'are',
  'was',
  'were',
  'be',
  'been',
  'am',
  'i',
  'you',
  'he',
  'she',
  'it',
  'we',
  'they',
  'me',
  'him',
  'her',
  'us',
  'them',
  'my',
  'your',
  'his',
  'its',
  'our',
  'their',
  'this',
  'that',
  'these',
  'those',
  'not',
  'no',
  'yes',
  'if',
  'then',
  'so',
  'do',
  'does',
  'did',
  'have',
  'has',
  'had',
  'will',
  'would',
  'can',
  'could',
  'should',
  'may',
  'might',
  'must',
  'shall',
  'all',
  'any',
  'some',
  'each',
  'every',
  'there',
  'here',
  'when',
  'where',
  'what',
  'who',
  'why',
  'how',
  'which',
  'please',
  'thanks',
  'hello',
  'hi',
  'dear',
  'about',
  'after',
  'before',
  'into',
  'over',
  'under',
  'up',
  'down',
  'out',
  'off',
  'just',
  'very',
  'also',
  'only',
  'yet',
  'via',
  'per',
  'than',
  'too',
  'ok',
  'okay',
  'oh',
  "i'm",
  "i've",
  "i'll",
  "i'd",
  "you're",
  "we're",
  "they're",
  "it's",
  "that's",
  "let's",
  "don't",
  "can't",
  "won't",
  "isn't",
  "he's",
  "she's",
  "there's",
  "what's",
  // Chat and transcript roles, written like speaker names ("Bot: …").
  'bot',
  'user',
  'agent',
  'assistant',
  'system',
  'admin',
  'support',
  'moderator',
]

const NON_JOB = new Set(NON_JOB_PEOPLE)
const cache = new Map<NameSource, Lexicon>()

/** The lexicon for `source`, built on first call and cached for the process. */
export function getLexicon(source: NameSource = 'compromise+faker'): Lexicon {
  let lex = cache.get(source)
  if (lex === undefined) {
    lex = buildLexicon(source)
    cache.set(source, lex)
  }
  return lex
}

function buildLexicon(source: NameSource): Lexicon {
  const map = new Map<string, number>()
  const add = (word: string, flag: number) => {
    const key = foldKey(word)
    if (key.length === 0) return
    map.set(key, (map.get(key) ?? 0) | flag)
  }
  const places = new Set<string>()
  const model = nlp.model() as { one: { lexicon: Record<string, string | string[]> } }
  for (const [word, tagOrTags] of Object.entries(model.one.lexicon)) {
    const tags = Array.isArray(tagOrTags) ? tagOrTags : [tagOrTags]
    if (word.includes(' ')) {
      if (tags.some((t) => PLACE_TAGS.has(t))) places.add(foldKey(word))
      continue
    }
    let flag = 0
    for (const tag of tags) {
      if (FIRST_TAGS.has(tag)) flag |= W.FIRST
      else if (tag === 'LastName') flag |= W.LAST
      else if (tag === 'Person') flag |= W.FIRST | W.LAST
      else if (PLACE_TAGS.has(tag)) flag |= W.PLACE
      else if (tag === 'Honorific') flag |= W.HONORIFIC
      else if (tag === 'Demonym') flag |= W.NRP
      else if (tag === 'Organization') flag |= W.KNOWN_ORG
      else if (FUNCTION_TAGS.has(tag)) flag |= W.FUNCTION | W.COMMON
      else if (tag === 'Actor') flag |= NON_JOB.has(word) ? W.COMMON : W.JOB_HEAD | W.COMMON
      else if (!NAME_TAGS.has(tag)) flag |= W.COMMON
    }
    if (flag !== 0) add(word, flag)
  }
  for (const name of Object.values(countries.getNames('en', { select: 'all' })).flat()) {
    if (name.includes(' ')) places.add(foldKey(name))
    else add(name, W.PLACE)
  }
  if (source === 'compromise+faker') {
    addFakerNames(add)
    // Faker's English word lists mark everyday nouns compromise leaves untagged ("song").
    for (const words of Object.values(allLocales.en.word ?? {}) as string[][]) {
      for (const w of words) if (!w.includes(' ')) add(w, W.COMMON)
    }
  }
  for (const w of HONORIFICS) add(w, W.HONORIFIC)
  for (const w of AMBIGUOUS_HONORIFICS) add(w, W.AMBIGUOUS_HONORIFIC)
  for (const w of NAME_PARTICLES) add(w, W.PARTICLE)
  for (const w of NAME_SUFFIXES) add(w, W.NAME_SUFFIX)
  for (const w of ORG_SUFFIXES) add(w, W.ORG_SUFFIX)
  for (const w of ORG_PREFIXES) add(w, W.ORG_PREFIX)
  for (const w of JOB_HEADS) add(w, W.JOB_HEAD)
  for (const w of [...EXTRA_DEMONYMS, ...RELIGIONS, ...POLITICAL_GROUPS]) add(w, W.NRP)
  for (const w of AMBIGUOUS_POLITICAL) add(w, W.AMBIGUOUS_NRP)
  for (const w of EXTRA_FUNCTION_WORDS) add(w, W.FUNCTION | W.COMMON)
  let table = new WordTable(map)
  let withPlaces = false
  const placeStarts = new Set([...places].map((p) => p.slice(0, p.indexOf(' '))))
  const placeStartTable = new WordTable(new Map([...placeStarts].map((w) => [w, 1])))
  return {
    source,
    flags: (key) => {
      const id = table.find(key)
      return id < 0 ? 0 : table.flags(id) & W_MASK
    },
    isPlacePhrase: (key) => places.has(key),
    mayStartPlacePhrase: (key) => placeStarts.has(key),
    placeStarts: placeStartTable,
    get table() {
      return table
    },
    addPlaces(): void {
      if (withPlaces) return
      const merged = new Map(map)
      for (const [key, bits] of asciiPlaceWords()) merged.set(key, (merged.get(key) ?? 0) | bits)
      table = new WordTable(merged)
      withPlaces = true
    },
  }
}

// Keys of the place gazetteer that an ASCII word of the location detector can spell: a letter,
// then letters, apostrophes and hyphens (see `words` in `detectors/location.ts`).
const ASCII_PLACE_WORD_RE = /^[a-z][a-z'-]*$/

/** The one-word place names an ASCII word can spell, with their entries' bits. */
function asciiPlaceWords(): Map<string, number> {
  const out = new Map<string, number>()
  for (const [key, entry] of placeGazetteers().entries) {
    if (ASCII_PLACE_WORD_RE.test(key)) out.set(key, placeBits(entry))
  }
  return out
}

// Latin-script names only: the detectors look for names in Latin-script text, and other
// scripts' entries would only cost memory.
const LATIN_NAME_RE = /^[\p{Script=Latin}' -]+$/u

function addFakerNames(add: (word: string, flag: number) => void): void {
  for (const locale of Object.values(allLocales)) {
    const person = (locale as { person?: Record<string, unknown> }).person
    if (person === undefined) continue
    for (const [field, flag] of [
      ['first_name', W.FIRST],
      ['middle_name', W.FIRST],
      ['last_name', W.LAST],
    ] as const) {
      for (const name of flatStrings(person[field])) {
        if (!LATIN_NAME_RE.test(name)) continue
        for (const part of name.split(/[ -]/)) if (part.length > 1) add(part, flag)
      }
    }
  }
}

function flatStrings(value: unknown): string[] {
  if (typeof value === 'string') return [value]
  if (Array.isArray(value)) return value.flatMap(flatStrings)
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(flatStrings)
  return []
}
