import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { BUILTIN_DETECTORS } from '../../src/discovery/default-registry.js'
import { textHints } from '../../src/discovery/detector.js'
import type { TextHints } from '../../src/discovery/detector.js'
import {
  createPatternDetector,
  hasContext,
  mentions,
} from '../../src/discovery/detectors/pattern-detector.js'

// The pre-filters let a detector skip a text from its hints alone. They are only sound when
// every hint is exact and no gate rejects a text that holds a match: both are checked here
// against plain reference implementations and against the detectors run with every gate open.

/**
 * Hints that pass every gate: the detectors then read every text. Its lower-case text is
 * longer than any text a keyword test reads (4,096 characters), so every keyword test
 * answers yes.
 */
const EVERY_WORD = ' '.repeat(4097)
const OPEN: TextHints = {
  lower: EVERY_WORD,
  digits: Infinity,
  digitRun: Infinity,
  figureDigits: Infinity,
  wordRun: Infinity,
  codeRun: Infinity,
  upper: Infinity,
  colons: Infinity,
  equals: Infinity,
  innerDots: Infinity,
}

const longest = (text: string, re: RegExp, measure: (m: string) => number) =>
  Math.max(0, ...[...text.matchAll(re)].map((m) => measure(m[0])))
const count = (text: string, re: RegExp) => [...text.matchAll(re)].length
const digitsIn = (s: string) => count(s, /[0-9]/g)

/** The hints by regular expressions, the definitions in `detector.ts` spelt out. */
function referenceHints(text: string): TextHints {
  return {
    digits: digitsIn(text),
    digitRun: longest(text, /[0-9]+/g, (m) => m.length),
    figureDigits: longest(text, /[0-9](?:[ \-./]?[0-9])*/g, digitsIn),
    wordRun: longest(text, /[A-Za-z0-9_-]+/g, (m) => m.length),
    codeRun: longest(text, /[A-Za-z0-9_-]+/g, (m) => (/[0-9]/.test(m) ? m.length : 0)),
    upper: count(text, /[A-Z]/g),
    colons: count(text, /:/g),
    equals: count(text, /=/g),
    innerDots: count(text, /(?<=[A-Za-z0-9])\.(?=[A-Za-z0-9])/g),
    lower: text.toLowerCase(),
  }
}

// Characters that build the values the detectors look for, their separators and near misses.
const PIECES = [
  ...'0123456789',
  ...'0123456789',
  ...'abcxyzABCXYZ',
  ' ',
  '-',
  '.',
  '/',
  ':',
  '=',
  '_',
  '@',
  '+',
  '(',
  ')',
  ',',
  '\n',
  'é',
  'K',
  '4111 1111 1111 1111',
  '123-45-6789',
  'GB82 WEST 1234 5698 7654 32',
  'DE89370400440532013000',
  '2024-03-05',
  '5/3/24',
  'March 5, 2024',
  'Monday',
  '00:1A:2B:3C:4D:5E',
  '0011.2233.4455',
  '192.168.0.1',
  'fe80::1',
  'www.example.com',
  'https://example.org/a',
  'a.b@example.com',
  'password=hunter2x',
  '1HGCM82633A004352',
  'RSSMRA85T10A562S',
  '1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2',
  'AKIAIOSFODNN7EXAMPL1',
  'ABCDE1234F',
  'S1234567D',
  'X1234567L',
  '12345678Z',
  'AB123456C',
  'A12.3',
  'zip code 94103',
  'SW1A 1AA',
  'K1A 0B1',
  'phone',
  'card',
  'ssn',
  '+44 20 7946 0958',
  '(555) 234-5678',
  '42 years old',
  'age 42',
  'license D1234567',
  'MRN 12345678',
  'eyJhbGciOiJI.eyJzdWIiOjEy.abc_DEF-123',
  'Tel: 020 7946 0958',
  'CALL 555 123 4567',
  'DOB: 3 JULY 1990 ',
  'Postcode ',
  'D.L. 12345678',
  'Patient No. 1234567',
]

const texts = fc.array(fc.constantFrom(...PIECES), { maxLength: 40 }).map((parts) => parts.join(''))

function devTexts(): string[] {
  const file = resolve(process.cwd(), '../shared/data/pii/presidio-generated-large.json')
  if (!existsSync(file)) return []
  const data = JSON.parse(readFileSync(file, 'utf8')) as { full_text: string }[]
  return data.map((d) => d.full_text)
}

describe('textHints', () => {
  it('counts known examples exactly', () => {
    expect(textHints('Card 4111 1111-1111 1111, exp 12/24; id=A1_b-2 at x.y:z')).toEqual({
      digits: 22,
      digitRun: 4,
      figureDigits: 16,
      // "1111-1111": hyphens join word runs.
      wordRun: 9,
      codeRun: 9,
      upper: 2,
      colons: 1,
      equals: 1,
      innerDots: 1,
      lower: 'card 4111 1111-1111 1111, exp 12/24; id=a1_b-2 at x.y:z',
    })
    // Two separators end a figure; a dot at the end of a sentence is no inner dot.
    expect(textHints('12  34 -- 5.')).toMatchObject({ figureDigits: 2, innerDots: 0 })
    expect(textHints('')).toEqual(referenceHints(''))
  })

  it('equals the regular-expression definition on generated texts', () => {
    fc.assert(
      fc.property(texts, (text) => {
        expect(textHints(text)).toEqual(referenceHints(text))
      }),
      { numRuns: 500 },
    )
  })
})

describe('detector pre-filters', () => {
  const run = (text: string, hints: TextHints) =>
    BUILTIN_DETECTORS.map((d) => [d.id, d.detect(text, hints)] as const)

  it('never drop a finding on generated texts: gated and ungated detectors agree', () => {
    fc.assert(
      fc.property(texts, (text) => {
        expect(run(text, textHints(text))).toEqual(run(text, OPEN))
      }),
      { numRuns: 300 },
    )
  })

  it('never drop a finding on the development texts', () => {
    const dev = devTexts()
    if (dev.length === 0 && process.env.CI === 'true') throw new Error('shared PII texts absent')
    for (const text of dev.slice(0, 600))
      expect(run(text, textHints(text))).toEqual(run(text, OPEN))
  })

  it('skip texts that cannot match without reading them', () => {
    const skipped = BUILTIN_DETECTORS.filter(
      (d) => d.detect('plain words and nothing else', textHints('plain words')).length === 0,
    )
    expect(skipped.length).toBe(BUILTIN_DETECTORS.length)
    // A card number is found with its own hints, and the gate is what turns away text
    // whose figures are too short.
    const card = BUILTIN_DETECTORS.find((d) => d.id === 'credit-card')
    const text = 'card 4111 1111 1111 1111'
    expect(card?.detect(text, textHints(text))).toHaveLength(1)
    expect(card?.detect(text, { ...textHints(text), figureDigits: 11 })).toEqual([])
  })

  it('share one empty answer that no caller can change', () => {
    const card = BUILTIN_DETECTORS.find((d) => d.id === 'credit-card')
    const skipped = card?.detect('no figures here', textHints('no figures here')) ?? []
    const planted = { type: 'CREDIT_CARD', start: 0, end: 2, score: 1 }
    expect(() => skipped.push(planted)).toThrow(TypeError)
    // Every other skipped detector and every later skipped text still answers nothing.
    for (const d of BUILTIN_DETECTORS)
      expect(d.detect('plain words', textHints('plain'))).toEqual([])
    // Gates that pass on a text without a match answer nothing too, and a match still counts.
    const text = 'card 4111 1111 1111 1112 and 4111 1111 1111 1111'
    expect(card?.detect(text, textHints(text))).toEqual([
      expect.objectContaining({ start: 29, end: 48 }),
    ])
    const bad = 'card 4111 1111 1111 1112'
    expect(card?.detect(bad, textHints(bad))).toEqual([])
  })
})

describe('keyword gates', () => {
  it('test the lower-cased text, and let long texts through unread', () => {
    const short = 'Seen on MONDAY, aged 41'
    expect(mentions(textHints(short), ['day'])).toBe(true)
    expect(mentions(textHints(short), ['year', 'yr'])).toBe(false)
    // Past 4,096 characters a keyword test would cost as much as the pattern it spares.
    const long = `${'x '.repeat(2100)}aged 41`
    expect(mentions(textHints(long), ['year', 'yr'])).toBe(true)
    const all = BUILTIN_DETECTORS.flatMap((d) => d.detect(long, textHints(long)))
    expect(all.filter((s) => s.type === 'AGE').map((s) => long.slice(s.start, s.end))).toEqual([
      '41',
    ])
  })

  it('find any keyword as a plain substring, as `includes` would, one list over many texts', () => {
    // Keywords with regex characters are matched literally.
    const keywords = ['d.l.', 'y/o', 'a+b', '(x)', 'code postal']
    const pieces = ['d', 'l', '.', 'y', '/', 'o', 'a', '+', 'b', '(', 'x', ')', ' ', 'C', 'P']
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 24 }), (chars) => {
        const text = chars.join('')
        const lower = text.toLowerCase()
        // The same list object asked about text after text: no answer leaks to the next text.
        expect(mentions(textHints(text), keywords)).toBe(keywords.some((k) => lower.includes(k)))
      }),
      { numRuns: 2000 },
    )
    expect(mentions(textHints('DxLx'), keywords)).toBe(false)
    expect(mentions(textHints('issued D.L. 42'), keywords)).toBe(true)
    expect(mentions(textHints('Code Postal 75001'), keywords)).toBe(true)
    expect(mentions(textHints('any text'), [])).toBe(false)
  })

  it("skip texts holding none of a detector's needed substrings, matched literally", () => {
    const detector = createPatternDetector({
      id: 'needs-probe',
      entityType: 'NEEDS_PROBE',
      patterns: [/\b\w+\b/g],
      baseScore: 0.5,
      needs: ['a.b', '://'],
    })
    // Case and regex characters count: "a.b" is not "axb" nor "A.B".
    expect(detector.detect('axb and a:/b')).toEqual([])
    expect(detector.detect('A.B')).toEqual([])
    expect(detector.detect('see a.b').length).toBeGreaterThan(0)
    expect(detector.detect('http://x').length).toBeGreaterThan(0)
    // An empty list needs nothing.
    const open = createPatternDetector({
      id: 'needs-none',
      entityType: 'NEEDS_PROBE',
      patterns: [/\b\w+\b/g],
      baseScore: 0.5,
      needs: [],
    })
    expect(open.detect('plain words')).toHaveLength(2)
  })
})

describe('hasContext', () => {
  /** The former definition: the windows split into sets of `[a-z0-9]` words. */
  function reference(text: string, start: number, end: number, words: readonly string[]) {
    const before = text.slice(Math.max(0, start - 40), start).toLowerCase()
    const after = text.slice(end, end + 40).toLowerCase()
    const split = (s: string) => s.split(/[^a-z0-9]+/).filter((t) => t.length > 0)
    const tokens = new Set([...split(before), ...split(after)])
    return words.some((w) =>
      w.includes(' ') ? before.includes(w) || after.includes(w) : tokens.has(w),
    )
  }

  const words = ['ssn', 'card', 'tel.', 'icd-10', 'social security', 'k', 'i', '']
  const contextText = fc
    .array(
      fc.constantFrom('ssn', 'SSN', 'card', 'Card2', 'tel.', 'icd-10', 'social security', 'K'),
      { maxLength: 12 },
    )
    .chain((parts) =>
      fc
        .array(fc.constantFrom(' ', '-', '.', 'x', '1', 'İ', 'é', '\n'), {
          minLength: parts.length + 1,
          maxLength: parts.length + 1,
        })
        .map((seps) => parts.map((p, i) => (seps[i] ?? '') + p).join('') + (seps.at(-1) ?? '')),
    )

  it('agrees with splitting the windows into words', () => {
    fc.assert(
      fc.property(contextText, fc.nat(), fc.nat(), (text, a, b) => {
        const start = a % (text.length + 1)
        const end = start + (b % (text.length - start + 1))
        expect(hasContext(text, start, end, words)).toBe(reference(text, start, end, words))
      }),
      { numRuns: 1000 },
    )
  })
})
