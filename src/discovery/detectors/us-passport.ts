/**
 * US_PASSPORT: US passport book numbers, nine digits or (next generation, 2021) one letter
 * and eight digits. The shape is shared by countless ids, so a context word is required.
 */
import type { Detector } from '../detector.js'
import { createPatternDetector, hasContext } from './pattern-detector.js'

const PASSPORT_RE = /(?<![\w+-])(?:[A-Z]\d{8}|\d{9})(?![\w-])/g
const CONTEXT = ['passport', 'passport number', 'passport no', 'travel document']

/** Detects US passport numbers near a context word; score 0.6. */
export const usPassportDetector: Detector = createPatternDetector({
  id: 'us-passport',
  // Every match holds 8 consecutive digits.
  atLeast: { digitRun: 8 },
  entityType: 'US_PASSPORT',
  patterns: [PASSPORT_RE],
  validate: (m, text) => hasContext(text, m.index, m.index + m[0].length, CONTEXT),
  baseScore: 0.6,
})
