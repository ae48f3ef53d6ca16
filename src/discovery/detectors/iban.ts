/**
 * IBAN_CODE: International Bank Account Numbers (ISO 13616): country code, two check digits
 * and a country-specific BBAN; compact, grouped in fours by single spaces, any case. The
 * length must match the country (SWIFT IBAN registry) and the number must pass mod-97.
 */
import type { Detector } from '../detector.js'
import { createPatternDetector } from './pattern-detector.js'

/** IBAN length per country, from the SWIFT IBAN registry. */
export const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24,
  AE: 23,
  AL: 28,
  AT: 20,
  AZ: 28,
  BA: 20,
  BE: 16,
  BG: 22,
  BH: 22,
  BI: 27,
  BR: 29,
  BY: 28,
  CH: 21,
  CR: 22,
  CY: 28,
  CZ: 24,
  DE: 22,
  DJ: 27,
  DK: 18,
  DO: 28,
  EE: 20,
  EG: 29,
  ES: 24,
  FI: 18,
  FK: 18,
  FO: 18,
  FR: 27,
  GB: 22,
  GE: 22,
  GI: 23,
  GL: 18,
  GR: 27,
  GT: 28,
  HR: 21,
  HU: 28,
  IE: 22,
  IL: 23,
  IQ: 23,
  IS: 26,
  IT: 27,
  JO: 30,
  KW: 30,
  KZ: 20,
  LB: 28,
  LC: 32,
  LI: 21,
  LT: 20,
  LU: 20,
  LV: 21,
  LY: 25,
  MC: 27,
  MD: 24,
  ME: 22,
  MK: 19,
  MN: 20,
  MR: 27,
  MT: 31,
  MU: 30,
  NI: 28,
  NL: 18,
  NO: 15,
  OM: 23,
  PK: 24,
  PL: 28,
  PS: 29,
  PT: 25,
  QA: 29,
  RO: 24,
  RS: 22,
  RU: 33,
  SA: 24,
  SC: 31,
  SD: 18,
  SE: 24,
  SI: 19,
  SK: 24,
  SM: 27,
  SO: 23,
  ST: 25,
  SV: 28,
  TL: 23,
  TN: 24,
  TR: 26,
  UA: 29,
  VA: 22,
  VG: 24,
  XK: 20,
  YE: 30,
}

// Candidate: country, check digits, then up to 30 alphanumerics with optional single spaces.
// The exact length is applied afterwards, so the regex never needs to backtrack.
const IBAN_RE = /(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]){10,30}/g

/** ISO 7064 mod 97-10 over an IBAN (letters as 10..35), computed in chunks. */
export function ibanValid(iban: string): boolean {
  const s = iban.toUpperCase()
  const expected = IBAN_LENGTHS[s.slice(0, 2)]
  if (expected === undefined || s.length !== expected || !/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(s)) {
    return false
  }
  const rearranged = s.slice(4) + s.slice(0, 4)
  let rem = 0
  for (const ch of rearranged) {
    const code = ch.charCodeAt(0)
    const v = code >= 65 ? code - 55 : code - 48
    rem = v >= 10 ? (rem * 100 + v) % 97 : (rem * 10 + v) % 97
  }
  return rem === 1
}

/** Detects IBANs; score 0.9 after length + mod-97, 1.0 with context. */
export const ibanDetector: Detector = createPatternDetector({
  id: 'iban',
  // Two letters and two check digits open the number without a space.
  atLeast: { digits: 2, codeRun: 4 },
  entityType: 'IBAN_CODE',
  patterns: [IBAN_RE],
  validate: (m) => {
    const raw = m[0]
    const expected = IBAN_LENGTHS[raw.slice(0, 2).toUpperCase()]
    if (expected === undefined) return false
    // Walk the candidate until `expected` alphanumerics are read: the greedy match may
    // have run into a following word ("GB82 WEST … 32 and").
    let count = 0
    let end = 0
    let compact = ''
    for (let i = 0; i < raw.length && count < expected; i++) {
      const ch = raw[i] ?? ''
      if (ch !== ' ') {
        count++
        compact += ch
        end = i + 1
      }
    }
    if (count !== expected) return false
    const next = raw[end] ?? m.input[m.index + end] ?? ''
    if (/[A-Za-z0-9]/.test(next)) return false
    if (!ibanValid(compact)) return false
    return { start: m.index, end: m.index + end }
  },
  baseScore: 0.9,
  rescanInside: true,
  contextWords: ['iban', 'bank', 'account', 'transfer', 'acct'],
  contextBoost: 0.1,
})
