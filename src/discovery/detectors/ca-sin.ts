/**
 * CA_SIN: Canadian Social Insurance Numbers, nine digits `3-3-3` (spaces, dashes or
 * compact) passing Luhn; the first digit is never 0 or 8 (ESDC).
 */
import type { Detector } from '../detector.js'
import { luhnValid } from './credit-card.js'
import { createPatternDetector } from './pattern-detector.js'

const SIN_RE = /(?<![\d+-])\d{3}([ -]?)\d{3}\1\d{3}(?![-]?\d)/g

/** True when nine digits are a valid SIN. */
export function sinValid(digits: string): boolean {
  return /^[1-79]\d{8}$/.test(digits) && luhnValid(digits)
}

/** Detects SINs; score 0.3 (nine digits are common), +0.5 with context. */
export const caSinDetector: Detector = createPatternDetector({
  id: 'ca-sin',
  // Every match is one figure of 9 digits (separators single spaces or hyphens).
  atLeast: { figureDigits: 9 },
  entityType: 'CA_SIN',
  patterns: [SIN_RE],
  validate: (m) => sinValid(m[0].replace(/[ -]/g, '')),
  baseScore: 0.3,
  contextWords: ['sin', 'social insurance', 'insurance', 'nas', 'canada'],
  contextBoost: 0.5,
})
