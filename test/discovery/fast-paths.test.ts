/**
 * Fast paths of free-text scanning checked against the plain computation they replace:
 * one keyword automaton for every keyword gate against substring tests, and folding by
 * table for Latin words against Unicode decomposition.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { textHints } from '../../src/discovery/detector.js'
import { Keywords } from '../../src/discovery/detectors/pattern-detector.js'
import { normalizePlace } from '../../src/discovery/gazetteers/places.js'
import { foldKey, latinFolder } from '../../src/discovery/ner/fold.js'

/** Code points of ASCII, Latin-1 and Latin Extended-A, and a few beyond. */
const latin = fc.oneof(
  fc.integer({ min: 0x20, max: 0x17f }),
  fc.constantFrom(0x180, 0x1e9e, 0x2019, 0x0301, 0x3b1),
)
const latinText = fc.array(latin, { maxLength: 12 }).map((cs) => String.fromCodePoint(...cs))

describe('keyword gates', () => {
  const lists = [
    ['mrn', 'medical record', 'patient '],
    ['driv', 'lic', 'dl', 'd.l.'],
    ['iban'],
    ['ssn', 'social security'],
    ['age', 'aged'],
    ['année', 'año'],
  ]
  const gates = lists.map((l) => new Keywords(l))
  const piece = fc.constantFrom(
    ...lists.flat(),
    'Patient',
    'LIC',
    'x',
    ' ',
    'é',
    'İ',
    'social',
    'mr',
  )

  it('answer as substring tests of the lower-cased text do, list by list', () => {
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 14 }), (parts) => {
        const text = parts.join('')
        const hints = textHints(text)
        gates.forEach((gate, i) => {
          const expected = (lists[i] ?? []).some((k) => hints.lower.includes(k))
          expect(gate.in(hints), `${JSON.stringify(text)} / ${lists[i]?.join('|')}`).toBe(expected)
        })
      }),
      { numRuns: 2000 },
    )
  })

  it('a list made again by another registry keeps its answers', () => {
    const again = new Keywords(['driv', 'lic', 'dl', 'd.l.'])
    expect(again.in(textHints('Driver licence'))).toBe(true)
    expect(again.in(textHints('nothing here'))).toBe(false)
  })
})

describe('folding Latin words by table', () => {
  // The plain definitions: decompose, drop the marks, lower-case, then spell what does not
  // decompose.
  const bare = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase()

  it('equals folding each word whole, for any word of Latin characters', () => {
    const byTable = latinFolder((ch) => bare(ch))
    fc.assert(
      fc.property(latinText, (s) => {
        const t = byTable(s)
        if ([...s].every((ch) => (ch.codePointAt(0) ?? 0) < 0x180)) expect(t).toBe(bare(s))
        else expect(t).toBeUndefined()
      }),
      { numRuns: 3000 },
    )
  })

  it('gives gazetteer keys as before', () => {
    expect(foldKey('Ñúñez')).toBe('nunez')
    expect(foldKey('Łukasz')).toBe('lukasz')
    expect(foldKey('Straße')).toBe('strasse')
    expect(foldKey('Dvořák')).toBe('dvorak')
    expect(normalizePlace('São  Tomé')).toBe('sao tome')
    expect(normalizePlace('Côte d’Ivoire')).toBe("cote d'ivoire")
    expect(normalizePlace('Zürich')).toBe('zurich')
  })
})
