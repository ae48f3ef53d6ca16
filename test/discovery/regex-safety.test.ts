import { beforeAll, describe, expect, it } from 'vitest'
import { BUILTIN_DETECTORS } from '../../src/discovery/default-registry.js'
import { registeredPatterns } from '../../src/discovery/detectors/pattern-detector.js'
import { checkRegex } from '../../src/discovery/regex-safety.js'

// Inputs that make backtracking regexes super-linear: long runs of one pattern class,
// almost-matches repeated, separators that each pattern accepts optionally.
const SIZE = 100_000
const fill = (unit: string) => unit.repeat(Math.ceil(SIZE / unit.length)).slice(0, SIZE)
const ADVERSARIAL: Record<string, string> = {
  letters: fill('a'),
  digits: fill('1'),
  hex: fill('a1'),
  'digit-space': fill('1 '),
  'digit-dash': fill('1-'),
  // Leading 4 passes the issuer pre-check, so every group is validated in full.
  'card-space': fill('4 '),
  'card-dash': fill('4-'),
  'digit-dot': fill('1.'),
  colons: fill('a:'),
  'double-colon': fill('1::'),
  'email-ish': fill('a.'),
  'at-signs': fill('a@'),
  'dotted-labels': fill('ab.'),
  'url-ish': fill('http://a'),
  'plus-digits': fill('+1 '),
  'iban-ish': fill('GB82 '),
  'month-ish': fill('March 1'),
  whitespace: fill(' '),
  'digit-pairs': fill('11 '),
  'zero-groups': fill('042 '),
  'paren-groups': fill('(11) 4706-'),
  // Credential and wallet shapes: unterminated PEM blocks, JWT prefixes, repeated keys.
  'pem-begin': fill('-----BEGIN RSA PRIVATE KEY-----\nMIIB'),
  'pem-body': '-----BEGIN PRIVATE KEY-----' + fill('QUJD\n'),
  'jwt-ish': fill('eyJhbGci.'),
  'jwt-parts': fill('eyJ'),
  'password-keys': fill('password='),
  'aws-ish': fill('AKIA'),
  'base58-ish': fill('1Bv'),
  'bech32-ish': fill('bc1q'),
  'hex-0x': fill('0x0'),
  'upper-digits': fill('AB12'),
  'letter-digits': fill('S1234567'),
}

// A super-linear pattern on 100 KB takes seconds to hours (10^10 steps for a quadratic
// one); a linear detector takes milliseconds. The 1 s limit separates the two with room
// for a loaded machine, so the test fails on complexity, not on a slow day.
const LIMIT_MS = 1000

describe('built-in regexes run in linear time', () => {
  // Gazetteer-backed detectors load their word lists on first use (about a second, once per
  // process); that cost is not per input, so it is paid before timing.
  beforeAll(() => {
    for (const detector of BUILTIN_DETECTORS) detector.detect('Mr. Paris Hilton, 12 Main St, Oslo')
  })

  for (const detector of BUILTIN_DETECTORS) {
    for (const [name, text] of Object.entries(ADVERSARIAL)) {
      it(`${detector.id} on 100 KB of ${name} in < 1 s`, () => {
        const t0 = performance.now()
        detector.detect(text)
        expect(performance.now() - t0).toBeLessThan(LIMIT_MS)
      })
    }
  }
})

describe('static check of regexes (checkRegex)', () => {
  it('refuses the classic catastrophic shapes in user patterns', () => {
    const reasons = (p: string) => checkRegex(p).map((x) => x.reason)
    expect(reasons('(a+)+$')).toContain('nested-quantifier')
    expect(reasons('(\\w+\\s?)*x')).toContain('nested-quantifier')
    expect(reasons('(a|aa)*b')).toContain('quantified-alternation')
    expect(reasons('(a|b){1,1000}')).toContain('quantified-alternation')
    expect(reasons('(x)\\1')).toContain('backreference')
    expect(reasons('(?<n>x)\\k<n>')).toContain('backreference')
    expect(reasons('a(?=b)')).toContain('lookaround')
    expect(reasons('(?<!a)b')).toContain('lookaround')
    expect(reasons('(')).toEqual(['syntax'])
    expect(reasons('')).toEqual(['syntax'])
    expect(reasons('a'.repeat(513))).toContain('too-long')
  })

  it('accepts ordinary identifier patterns', () => {
    for (const p of [
      'EMP-[0-9]{6}',
      '(\\d{3}-){2}\\d{4}',
      '[A-Z]{2}\\d{6,8}',
      '(?:ab|cd){1,4}',
      'x{2,}',
      '[(+*]+',
      '\\u{1F600}+',
    ])
      expect(checkRegex(p, { flags: 'u' }), p).toEqual([])
  })

  it('every built-in pattern has only bounded nesting (backtracking bounded per position)', () => {
    const patterns = registeredPatterns()
    expect(patterns.length).toBeGreaterThan(30)
    for (const { detector, pattern } of patterns) {
      const problems = checkRegex(pattern.source, {
        flags: pattern.flags,
        allowLookaround: true,
        allowBackreferences: true,
        nestedBound: 64,
        maxLength: 100_000,
      })
      expect(problems, `${detector}: ${pattern.source.slice(0, 60)}`).toEqual([])
    }
  })
})
