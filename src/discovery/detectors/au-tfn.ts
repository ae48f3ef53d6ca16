/**
 * AU_TFN: Australian Tax File Numbers, nine digits `3-3-3` whose weighted sum (weights 1, 4,
 * 3, 7, 5, 8, 6, 9, 10) is divisible by 11 (ATO). Nine digits pass one time in eleven, so a
 * context word is required.
 */
import type { Detector } from '../detector.js'
import { weightedSum } from './checksums.js'
import { createPatternDetector, hasContext } from './pattern-detector.js'

const TFN_RE = /(?<![\d+-])\d{3}([ -]?)\d{3}\1\d{3}(?![-]?\d)/g
const WEIGHTS = [1, 4, 3, 7, 5, 8, 6, 9, 10]
const CONTEXT = ['tfn', 'tax file', 'tax file number', 'ato']

/** True when nine digits pass the TFN check. */
export function tfnValid(digits: string): boolean {
  return /^\d{9}$/.test(digits) && weightedSum(digits, WEIGHTS) % 11 === 0
}

/** Detects TFNs near a context word; score 0.7. */
export const auTfnDetector: Detector = createPatternDetector({
  id: 'au-tfn',
  // Every match is one figure of 9 digits (separators single spaces or hyphens).
  atLeast: { figureDigits: 9 },
  entityType: 'AU_TFN',
  patterns: [TFN_RE],
  validate: (m, text) =>
    tfnValid(m[0].replace(/[ -]/g, '')) &&
    hasContext(text, m.index, m.index + m[0].length, CONTEXT),
  baseScore: 0.7,
})
