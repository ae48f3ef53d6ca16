/**
 * AU_MEDICARE: Australian Medicare card numbers, ten digits `4-5-1` (first digit 2–6): the
 * ninth is `sum(first eight × 1, 3, 7, 9, 1, 3, 7, 9) mod 10`, the tenth the issue number
 * (Services Australia).
 */
import type { Detector } from '../detector.js'
import { weightedSum } from './checksums.js'
import { createPatternDetector } from './pattern-detector.js'

const MEDICARE_RE = /(?<![\d+-])[2-6]\d{3}( ?)\d{5}\1\d(?![-]?\d)/g
const WEIGHTS = [1, 3, 7, 9, 1, 3, 7, 9]

/** True when ten digits are a valid Medicare number. */
export function medicareValid(digits: string): boolean {
  return /^[2-6]\d{9}$/.test(digits) && weightedSum(digits, WEIGHTS) % 10 === Number(digits[8])
}

/** Detects Medicare numbers; score 0.3, +0.6 with context. */
export const auMedicareDetector: Detector = createPatternDetector({
  id: 'au-medicare',
  // Every match is one figure of 10 digits (separators single spaces or hyphens).
  atLeast: { figureDigits: 10 },
  entityType: 'AU_MEDICARE',
  patterns: [MEDICARE_RE],
  validate: (m) => medicareValid(m[0].replace(/ /g, '')),
  baseScore: 0.3,
  contextWords: ['medicare', 'medical', 'health', 'card'],
  contextBoost: 0.6,
})
