/**
 * CREDIT_CARD: 12–19 digit primary account numbers, optionally grouped by single spaces or
 * dashes, that pass the Luhn check (ISO/IEC 7812-1 Annex B) and match a known issuer's
 * prefix and length.
 */
import { luhnValid } from '../../lib/luhn.js'
import type { Detector } from '../detector.js'
import { createPatternDetector } from './pattern-detector.js'
import { TEST_CARD_NUMBERS, TEST_VALUE_SCORE } from './test-values.js'

const CARD_RE = /(?<![\d+-])\d(?:[ -]?\d){11,18}(?![\d])/g

/** Luhn mod-10 check over a digit string (the project's one implementation). */
export { luhnValid }

interface Issuer {
  readonly name: string
  /** Tests the number formed by the card's first four digits. */
  readonly prefix: (first4: number) => boolean
  readonly lengths: readonly number[]
}

/** Number formed by the first `n` of the four digits of `first4`. */
function lead(first4: number, n: number): number {
  return Math.floor(first4 / 10 ** (4 - n))
}

const range = (lo: number, hi: number, n: number) => (first4: number) => {
  const v = lead(first4, n)
  return v >= lo && v <= hi
}

// Issuer identification numbers and lengths as published by the schemes (Visa, Mastercard
// 2-series from 2017, Amex, Discover, Diners, JCB, UnionPay, Maestro).
const ISSUERS: readonly Issuer[] = [
  { name: 'visa', prefix: range(4, 4, 1), lengths: [13, 16, 19] },
  {
    name: 'mastercard',
    prefix: (p) => range(51, 55, 2)(p) || range(2221, 2720, 4)(p),
    lengths: [16],
  },
  { name: 'amex', prefix: (p) => lead(p, 2) === 34 || lead(p, 2) === 37, lengths: [15] },
  {
    name: 'discover',
    prefix: (p) => lead(p, 4) === 6011 || range(644, 649, 3)(p) || lead(p, 2) === 65,
    lengths: [16, 17, 18, 19],
  },
  {
    name: 'diners',
    prefix: (p) => range(300, 305, 3)(p) || lead(p, 2) === 36 || range(38, 39, 2)(p),
    lengths: [14, 15, 16, 17, 18, 19],
  },
  { name: 'jcb', prefix: range(3528, 3589, 4), lengths: [16, 17, 18, 19] },
  { name: 'unionpay', prefix: (p) => lead(p, 2) === 62, lengths: [16, 17, 18, 19] },
  {
    name: 'maestro',
    prefix: (p) => lead(p, 2) === 50 || range(56, 69, 2)(p),
    lengths: [12, 13, 14, 15, 16, 17, 18, 19],
  },
]

/** True when `digits` has a known issuer's prefix and length and passes Luhn. */
export function isValidCardNumber(digits: string): boolean {
  // luhnValid rejects any character but an ASCII digit.
  const n = digits.length
  if (n < 12 || n > 19 || !luhnValid(digits)) return false
  // The first four digits as one number, read in place (this runs for every candidate).
  const first4 =
    (digits.charCodeAt(0) - 48) * 1000 +
    (digits.charCodeAt(1) - 48) * 100 +
    (digits.charCodeAt(2) - 48) * 10 +
    (digits.charCodeAt(3) - 48)
  for (const issuer of ISSUERS) if (issuer.lengths.includes(n) && issuer.prefix(first4)) return true
  return false
}

/**
 * Detects card numbers; score 0.8 after Luhn + issuer, 1.0 with context; published test
 * numbers 0.3 with `testValue: true`.
 */
export const creditCardDetector: Detector = createPatternDetector({
  id: 'credit-card',
  // Every match is one figure of 12 digits (separators single spaces or hyphens).
  atLeast: { figureDigits: 12 },
  entityType: 'CREDIT_CARD',
  patterns: [CARD_RE],
  validate: (m) => {
    // One pass, no allocation beyond the digit string: with `rescanInside` this runs at
    // every group of a long digit run, so it must stay cheap.
    const raw = m[0]
    const first = raw.charCodeAt(0)
    // No issuer range starts with 0, 1, 7, 8 or 9.
    if (first < 0x32 || first > 0x36) return false // '2'..'6'
    // One separator kind only: "4111 1111-1111 1111" is more likely two numbers.
    const spaced = raw.includes(' ')
    const dashed = raw.includes('-')
    if (spaced && dashed) return false
    const digits = spaced ? raw.replaceAll(' ', '') : dashed ? raw.replaceAll('-', '') : raw
    if (!isValidCardNumber(digits)) return false
    // A published test number is reported, but low and flagged.
    return TEST_CARD_NUMBERS.has(digits)
      ? { start: m.index, end: m.index + raw.length, score: TEST_VALUE_SCORE, testValue: true }
      : true
  },
  baseScore: 0.8,
  rescanInside: true,
  contextWords: ['card', 'credit', 'debit', 'visa', 'mastercard', 'amex', 'cc', 'pan', 'payment'],
  contextBoost: 0.2,
})
