/**
 * Exactness of the compiled numbering-plan validation: isValidNationalDigits and
 * nationalPhoneValid must answer exactly what libphonenumber-js's isValidPhoneNumber (the
 * oracle, as the detector used it before) answers, on every detector candidate of the
 * development data, on generated national numbers and on fast-check inputs.
 */
import { existsSync, readFileSync } from 'node:fs'
import fc from 'fast-check'
import { isValidPhoneNumber, Metadata } from 'libphonenumber-js'
import type { CountryCode } from 'libphonenumber-js'
import metadata from 'libphonenumber-js/metadata.min.json'
import { describe, expect, it } from 'vitest'
import { NATIONAL_RE, NO_TRUNK, nationalPhoneValid, TRUNK_ZERO } from './phone-number.js'
import { isValidNationalDigits } from './phone-plan.js'

// The oracle: nationalPhoneValid's verdict as libphonenumber computes it, one country after
// another (the detector's implementation before plans were compiled).
const COUNTRIES: readonly CountryCode[] = [...new Set([...TRUNK_ZERO, ...NO_TRUNK])]

const oracleLengths = new Map<CountryCode, ReadonlySet<number>>()
{
  const m = new Metadata()
  for (const c of COUNTRIES) {
    m.selectNumberingPlan(c)
    oracleLengths.set(c, new Set(m.numberingPlan?.possibleLengths() ?? []))
  }
}

function oracle(raw: string): boolean {
  const digits = raw.replace(/\D/g, '')
  if (digits.length < 8 || digits.length > 12) return false
  if (/^(\d)\1+$/.test(digits)) return false
  const trunk = digits.startsWith('0')
  const countries = trunk ? TRUNK_ZERO : NO_TRUNK
  const nsnLength = trunk ? digits.length - 1 : digits.length
  return countries.some(
    (c) => oracleLengths.get(c)?.has(nsnLength) === true && isValidPhoneNumber(raw, c),
  )
}

/** Candidates whose verdict differs from the oracle's, for a readable failure. */
function disagreements(candidates: Iterable<string>): string[] {
  const bad: string[] = []
  for (const raw of candidates) {
    if (nationalPhoneValid(raw) !== oracle(raw)) bad.push(raw)
  }
  return bad
}

/** Candidate/country pairs where the compiled plans and libphonenumber disagree. */
function countryDisagreements(candidates: Iterable<string>): string[] {
  const bad: string[] = []
  for (const raw of candidates) {
    const digits = raw.replace(/\D/g, '')
    for (const c of COUNTRIES) {
      if (isValidNationalDigits(digits, c) !== isValidPhoneNumber(raw, c)) bad.push(`${c} ${raw}`)
    }
  }
  return bad
}

// --- Generated national numbers -------------------------------------------------------------

/** Deterministic 32-bit generator (mulberry32), so a failure is reproducible. */
function generator(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const CALLING_CODES = [
  ...Object.keys(metadata.country_calling_codes),
  ...Object.keys(metadata.nonGeographic),
]
const HOME_CODES = [...new Set(COUNTRIES.map((c) => String(metadata.countries[c]?.[0])))]
// Prefixes that reach the rarer branches: other dialling prefixes (AU, NZ, US, MX, BR with a
// carrier code), national prefix rules (JE, AU, CX), countries sharing a calling code (GG, IM,
// JE, CA, VA, CX, CC) and NANP area codes.
const SPECIAL_PREFIXES = [
  '0011',
  '0014',
  '0015',
  '0016',
  '0018',
  '0019',
  '14110011',
  '14880011',
  '0161',
  '011',
  '09',
  '0015',
  '0021',
  '0031',
  '0041',
  '0055',
  '0099',
  '015',
  '021',
  '031',
  '090',
  '9015',
  '1831',
  '1832',
  '180020',
  '1534',
  '01534',
  '07797',
  '07781',
  '07624',
  '01624',
  '01481',
  '07911',
  '0800',
  '0845',
  '0870',
  '0891',
  '06698',
  '3906698',
  '0891',
  '08 9162',
  '08 9164',
  '0891',
  '204',
  '236',
  '250',
  '289',
  '306',
  '343',
  '416',
  '514',
  '604',
  '800',
  '900',
  '1800',
  '1300',
  '13',
  '0',
  '00',
  '001',
  '0011',
  '1',
  '11',
  '91',
  '90',
  '000800',
  '6',
  '7',
  '3',
  '4',
  '5',
].map((p) => p.replace(/\D/g, ''))

function pick<T>(rand: () => number, xs: readonly T[]): T {
  return xs[Math.floor(rand() * xs.length)] as T
}

function randomDigits(rand: () => number, n: number): string {
  let s = ''
  for (let i = 0; i < n; i++) s += String(Math.floor(rand() * 10))
  return s
}

/** The digits of one generated number: 7–13 digits behind one of the leading shapes. */
function numberDigits(rand: () => number): string {
  const n = 7 + Math.floor(rand() * 7)
  const r = rand()
  let lead: string
  if (r < 0.25) lead = '0'
  else if (r < 0.4) lead = `00${pick(rand, CALLING_CODES)}`
  else if (r < 0.5) lead = pick(rand, HOME_CODES) + (rand() < 0.3 ? '0' : '')
  else if (r < 0.65) lead = pick(rand, SPECIAL_PREFIXES)
  else lead = String(1 + Math.floor(rand() * 9))
  return (lead + randomDigits(rand, 13)).slice(0, Math.max(n, lead.length + 2))
}

/**
 * Writes digits the way the detector's pattern accepts them: a first group of 2–5 digits
 * (or 2–4 in parentheses, optionally followed by a space), then one to four groups of 2–4
 * digits, joined by single spaces, dots or dashes. Digit counts no grouping fits are written
 * as they come (the detector never sees them; the verdicts must agree anyway).
 */
function grouped(rand: () => number, digits: string): string {
  const sep = () => pick(rand, [' ', '.', '-'])
  for (let attempt = 0; attempt < 8; attempt++) {
    const paren = rand() < 0.3
    const first = 2 + Math.floor(rand() * (paren ? 3 : 4))
    const rest = digits.length - first
    const minGroups = Math.max(1, Math.ceil(rest / 4))
    const maxGroups = Math.min(4, Math.floor(rest / 2))
    if (rest < 2 || minGroups > maxGroups) continue
    const groups = minGroups + Math.floor(rand() * (maxGroups - minGroups + 1))
    // Start every group at two digits, then hand out the remainder at random.
    const sizes = new Array<number>(groups).fill(2)
    let left = rest - 2 * groups
    while (left > 0) {
      const i = Math.floor(rand() * groups)
      if ((sizes[i] ?? 0) < 4) {
        sizes[i] = (sizes[i] ?? 0) + 1
        left--
      }
    }
    const head = digits.slice(0, first)
    let out = paren ? `(${head})${rand() < 0.5 ? ' ' : ''}` : head + sep()
    let at = first
    sizes.forEach((size, i) => {
      out += (i > 0 ? sep() : '') + digits.slice(at, at + size)
      at += size
    })
    return out
  }
  return digits
}

function generated(count: number, seed: number): string[] {
  const rand = generator(seed)
  const out: string[] = []
  for (let i = 0; i < count; i++) out.push(grouped(rand, numberDigits(rand)))
  return out
}

// 200,000 by hand: PHONE_PLAN_CASES=200000 npx vitest run src/discovery/detectors/phone-plan
const GENERATED_CASES = Number(process.env['PHONE_PLAN_CASES'] ?? 25_000)

describe('compiled numbering plans against libphonenumber', () => {
  it('agree on generated national numbers', () => {
    const candidates = generated(GENERATED_CASES, 0x5eed)
    expect(disagreements(candidates)).toEqual([])
  })

  it('agree per country on generated numbers, every country tried', () => {
    expect(countryDisagreements(generated(2_000, 0xc0de))).toEqual([])
  })

  it('agree on fast-check numbers in the detector shapes', () => {
    const digit = fc.constantFrom(...'0123456789')
    const group = (min: number, max: number) =>
      fc.array(digit, { minLength: min, maxLength: max }).map((d) => d.join(''))
    const sep = fc.constantFrom(' ', '.', '-')
    const head = fc.oneof(
      fc.tuple(group(2, 4), fc.boolean()).map(([g, space]) => `(${g})${space ? ' ' : ''}`),
      fc.tuple(group(2, 5), sep).map(([g, s]) => g + s),
    )
    const tail = fc.array(fc.tuple(sep, group(2, 4)), { maxLength: 3 })
    const candidate = fc
      .tuple(head, group(2, 4), tail)
      .map(([h, g, t]) => h + g + t.map(([s, d]) => s + d).join(''))
    fc.assert(
      fc.property(candidate, (raw) => nationalPhoneValid(raw) === oracle(raw)),
      { numRuns: 3_000, seed: 42 },
    )
  })

  it('agree on arbitrary phone characters (some through the libphonenumber fallback)', () => {
    const chars = fc.constantFrom(...'0123456789000 .-()+x#,;', '\uFF11', '\u00A0')
    const raw = fc.array(chars, { minLength: 8, maxLength: 24 }).map((c) => c.join(''))
    fc.assert(
      fc.property(raw, (r) => nationalPhoneValid(r) === oracle(r)),
      { numRuns: 2_000, seed: 7 },
    )
  })

  it('agree on known numbers', () => {
    const known = [
      '020 7946 0958', // GB
      '01534 456789', // JE
      '07624 369230', // IM
      '0044 20 7946 0958', // IDD, then GB
      '0011 44 20 7946', // AU dialling prefix
      '39 06 6982 1234', // IT calling code without "+"
      '06 698 12345', // VA
      '(11) 4706-6184', // BR
      '90 1234 567', // BR: the national prefix stays when the rest is too short
      '11 212 555 0134', // US: "1" without "+", the number too long with it
      '00 800 1234 5678', // IDD, then a non-geographic calling code
      '000 800 123 4567', // IN: "00" followed by "0" is no dialling prefix
      '042 078 6381',
      '11 11 11 11',
      '099 9999 9999 99',
    ]
    expect(disagreements(known)).toEqual([])
    expect(countryDisagreements(known)).toEqual([])
  })
})

// The labelled development sets (presidio-research format) the project evaluates against.
const DEV_SETS = ['presidio-generated-large.json', 'presidio-generated-small.json'].map(
  (f) => new URL(`../../../../shared/data/pii/${f}`, import.meta.url),
)
const REQUIRED = process.env['STRONGROOM_REQUIRE_SERVICES'] === '1'

describe.skipIf(!DEV_SETS.every((f) => existsSync(f)) && !REQUIRED)(
  'compiled numbering plans on the development data',
  () => {
    it('agree on every national phone candidate, for every country', () => {
      const candidates = new Set<string>()
      for (const file of DEV_SETS) {
        const records = JSON.parse(readFileSync(file, 'utf8')) as { full_text: string }[]
        for (const r of records) {
          for (const m of r.full_text.matchAll(NATIONAL_RE)) candidates.add(m[0])
        }
      }
      expect(candidates.size).toBeGreaterThan(100)
      expect(disagreements(candidates)).toEqual([])
      expect(countryDisagreements(candidates)).toEqual([])
    })
  },
)
