/**
 * UK_NHS: NHS numbers, ten digits grouped 3-3-4 by spaces or dashes (or compact), whose
 * tenth digit is the modulus 11 check digit over the first nine (weights 10..2; a result
 * of 10 means the number is never issued).
 */
import type { Detector } from '../detector.js'
import { createPatternDetector } from './pattern-detector.js'

const NHS_RE = /(?<![\d+-])\d{3}([ -]?)\d{3}\1\d{4}(?![\d-]?\d)/g

/** NHS Digital's modulus 11 check over ten digits. */
export function nhsValid(digits: string): boolean {
  if (!/^\d{10}$/.test(digits)) return false
  let sum = 0
  for (let i = 0; i < 9; i++) sum += Number(digits[i]) * (10 - i)
  const check = 11 - (sum % 11)
  const expected = check === 11 ? 0 : check
  return expected !== 10 && expected === Number(digits[9])
}

/**
 * Detects NHS numbers; score 0.4 (one random ten-digit number in eleven passes the check,
 * and phone numbers share the shape), +0.5 with context ("nhs", "health", "patient").
 */
export const ukNhsDetector: Detector = createPatternDetector({
  id: 'uk-nhs',
  // Every match is one figure of 10 digits (separators single spaces or hyphens).
  atLeast: { figureDigits: 10 },
  entityType: 'UK_NHS',
  patterns: [NHS_RE],
  validate: (m) => nhsValid(m[0].replace(/[ -]/g, '')),
  baseScore: 0.4,
  contextWords: ['nhs', 'health', 'patient', 'hospital', 'gp', 'medical'],
  contextBoost: 0.5,
})
