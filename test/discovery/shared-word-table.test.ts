import { describe, expect, it } from 'vitest'
import { locationDetector } from '../../src/discovery/detectors/location.js'
import {
  CITY_POPULATION_THRESHOLD,
  PLACE_BITS,
  placeEntryOf,
  placeGazetteers,
} from '../../src/discovery/gazetteers/places.js'
import { analyze } from '../../src/discovery/ner/analyze.js'
import { getLexicon, W_MASK } from '../../src/discovery/ner/lexicon.js'
import { readTokens, scanTokens } from '../../src/discovery/ner/tokens.js'

// One table probe per word serves the named-entity analysis and the location detector. That
// is sound only when the table answers for every one-word place exactly as the place
// gazetteer does, and when the analysis still sees only its own flags.
describe('the shared word table', () => {
  const text = 'Anna Smith moved from Ouagadougou to New York City with Acme Ltd. in May.'
  const lex = getLexicon()
  // The analysis before the place names join the table, to compare with after.
  const before = readTokens(text, lex).toks.map((t) => [t.start, t.end, t.key, t.flags])
  const placeOnlyBefore = lex.table.find('ouagadougou')
  lex.addPlaces()
  const g = placeGazetteers()
  const oneWordAscii = [...g.entries].filter(([key]) => /^[a-z][a-z'-]*$/.test(key))

  it('holds every one-word ASCII place with the entry the location detector reads', () => {
    expect(oneWordAscii.length).toBeGreaterThan(50_000)
    // Mismatches are collected, so one failure lists every word that differs.
    const wrong: string[] = []
    for (const [key, entry] of oneWordAscii) {
      const slot = lex.table.findAscii(key.toUpperCase(), 0, key.length)
      const decoded = slot < 0 ? undefined : placeEntryOf(lex.table.flags(slot))
      if (
        decoded?.kind !== entry.kind ||
        decoded.prefix !== entry.prefix ||
        decoded.common !== entry.common ||
        // Scoring compares a population with the threshold only.
        decoded.population >= CITY_POPULATION_THRESHOLD !==
          entry.population >= CITY_POPULATION_THRESHOLD
      ) {
        wrong.push(key)
      }
    }
    expect(wrong).toEqual([])
  })

  it('shows the analysis its own flags only, and place-only words as unknown', () => {
    expect(W_MASK & PLACE_BITS).toBe(0)
    let placeOnly = 0
    const leaked: string[] = []
    for (const [key] of oneWordAscii) {
      const flags = lex.flags(key)
      if ((flags & ~W_MASK) !== 0) leaked.push(key)
      if (flags === 0) placeOnly++
    }
    expect(leaked).toEqual([])
    expect(placeOnly).toBeGreaterThan(10_000)
    // "Ouagadougou" is a place the analysis does not know: no name, no common word. The
    // table holds it only since the places were added.
    expect(placeOnlyBefore).toBe(-1)
    expect(lex.table.find('ouagadougou')).toBeGreaterThanOrEqual(0)
    const ouaga = readTokens('Ouagadougou', lex).toks[0]
    expect(ouaga?.flags).toBe(0)
    expect(ouaga?.key).toBe('ouagadougou')
    // The analysis reads every word as before the places joined.
    expect(readTokens(text, lex).toks.map((t) => [t.start, t.end, t.key, t.flags])).toEqual(before)
  })

  it('lets the pair filter through every pair that starts a multi-word place', () => {
    let pairs = 0
    const missed: string[] = []
    for (const key of g.entries.keys()) {
      const words = key.split(' ')
      if (words.length < 2) continue
      pairs++
      if (!g.mayStartPair(words[0] ?? '', words[1] ?? '')) missed.push(key)
    }
    expect(missed).toEqual([])
    expect(pairs).toBeGreaterThan(10_000)
    // It is a filter: most pairs of ordinary words are turned away.
    const rejected = ['new paper', 'john said', 'san diegoo', 'the city', 'port of'].filter(
      (p) => !g.mayStartPair(p.split(' ')[0] ?? '', p.split(' ')[1] ?? ''),
    )
    expect(rejected.length).toBeGreaterThanOrEqual(3)
  })

  it('reuses a scan only for the same text and lexicon', () => {
    const a = 'Anna Smith moved from Ouagadougou to New York City.'
    const b = 'Dr. Mikolčić works at Acme Ltd. in Paris'
    const fresh = (text: string) => readTokens(text, lex).toks.map((t) => [t.start, t.key, t.flags])
    const first = fresh(a)
    expect(scanTokens(a, lex)).toBe(scanTokens(a, lex))
    scanTokens(b, lex)
    scanTokens(a, getLexicon('compromise'))
    expect(fresh(a)).toEqual(first)
    expect(scanTokens(a, lex).n).toBe(first.length)
  })

  it('finds places and people in one text through the shared scan, in either order', () => {
    const text = 'Anna Smith moved from Ouagadougou to New York City last May.'
    const places = () => locationDetector.detect(text).map((s) => text.slice(s.start, s.end))
    const people = () => analyze(text).person.map((s) => text.slice(s.start, s.end))
    const placesFirst = [places(), people()]
    analyze('something else entirely')
    scanTokens('and another text', lex)
    const peopleFirst = [people(), places()]
    expect(placesFirst[0]).toEqual(['Ouagadougou', 'New York City'])
    expect(placesFirst[1]).toEqual(['Anna Smith'])
    expect(peopleFirst).toEqual([placesFirst[1], placesFirst[0]])
  })
})
