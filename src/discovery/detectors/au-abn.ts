/**
 * AU_ABN: Australian Business Numbers, eleven digits `2-3-3-3`: subtract 1 from the first
 * digit, weight by 10, 1, 3, 5, …, 19, and the sum is divisible by 89 (ABR).
 */
import type { Detector } from '../detector.js'
import { createPatternDetector } from './pattern-detector.js'

const ABN_RE = /(?<![\d+-])\d{2}( ?)\d{3}\1\d{3}\1\d{3}(?![-]?\d)/g
const WEIGHTS = [10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19]

/** True when eleven digits are a valid ABN. */
export function abnValid(digits: string): boolean {
  if (!/^[1-9]\d{10}$/.test(digits)) return false
  let sum = 0
  for (let i = 0; i < 11; i++) {
    const d = Number(digits[i]) - (i === 0 ? 1 : 0)
    sum += d * (WEIGHTS[i] ?? 0)
  }
  return sum % 89 === 0
}

/** Detects ABNs; score 0.5 grouped, 0.3 compact, +0.4 with context. */
export const auAbnDetector: Detector = createPatternDetector({
  id: 'au-abn',
  // Every match is one figure of 11 digits (separators single spaces or hyphens).
  atLeast: { figureDigits: 11 },
  entityType: 'AU_ABN',
  patterns: [ABN_RE],
  validate: (m) => {
    if (!abnValid(m[0].replace(/ /g, ''))) return false
    return { start: m.index, end: m.index + m[0].length, score: m[1] === '' ? 0.3 : 0.5 }
  },
  baseScore: 0.5,
  contextWords: ['abn', 'australian business', 'business number', 'abr'],
  contextBoost: 0.4,
})
