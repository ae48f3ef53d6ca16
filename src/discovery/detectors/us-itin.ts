/**
 * US_ITIN: IRS Individual Taxpayer Identification Numbers `9XX-XX-XXXX`: the area starts
 * with 9 and the group is 50–65, 70–88, 90–92 or 94–99 (IRS ITIN ranges).
 */
import type { Detector } from '../detector.js'
import { createPatternDetector } from './pattern-detector.js'

const ITIN_RE = /(?<![\d+-])9\d{2}([- ]?)\d{2}\1\d{4}(?![-]?\d)/g

/** True when nine digits are in an ITIN range. */
export function itinValid(digits: string): boolean {
  if (!/^9\d{8}$/.test(digits)) return false
  const g = Number(digits.slice(3, 5))
  return (g >= 50 && g <= 65) || (g >= 70 && g <= 88) || (g >= 90 && g <= 92) || g >= 94
}

/** Detects ITINs; score 0.5 separated, 0.3 bare, +0.4 with context. */
export const usItinDetector: Detector = createPatternDetector({
  id: 'us-itin',
  // Every match is one figure of 9 digits (separators single spaces or hyphens).
  atLeast: { figureDigits: 9 },
  entityType: 'US_ITIN',
  patterns: [ITIN_RE],
  validate: (m) => {
    const digits = m[0].replace(/[- ]/g, '')
    if (!itinValid(digits)) return false
    return { start: m.index, end: m.index + m[0].length, score: m[1] === '' ? 0.3 : 0.5 }
  },
  baseScore: 0.5,
  contextWords: ['itin', 'taxpayer', 'tax', 'irs', 'individual taxpayer'],
  contextBoost: 0.4,
})
