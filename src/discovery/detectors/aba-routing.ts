/**
 * ABA_ROUTING_NUMBER: US bank routing transit numbers, nine digits whose first two are a
 * Federal Reserve prefix (00–12, 21–32, 61–72, 80) and whose weighted sum
 * 3·d1 + 7·d2 + d3 + 3·d4 + … is a multiple of 10 (ABA checksum). `0000-0000-0` style
 * dashes (4-4-1) are accepted.
 */
import type { Detector } from '../detector.js'
import { createPatternDetector } from './pattern-detector.js'

const ABA_RE = /(?<![\d+-])\d{4}-?\d{4}-?\d(?![\d-]?\d)/g

/** True when `digits` is a well-formed ABA routing number. */
export function abaValid(digits: string): boolean {
  if (!/^\d{9}$/.test(digits)) return false
  const prefix = Number(digits.slice(0, 2))
  const prefixOk =
    prefix <= 12 ||
    (prefix >= 21 && prefix <= 32) ||
    (prefix >= 61 && prefix <= 72) ||
    prefix === 80
  if (!prefixOk || digits === '000000000') return false
  const w = [3, 7, 1]
  let sum = 0
  for (let i = 0; i < 9; i++) sum += Number(digits[i]) * (w[i % 3] ?? 0)
  return sum % 10 === 0
}

/**
 * Detects routing numbers; score 0.3 (nine digits are ambiguous), +0.5 with context
 * ("routing", "aba", "bank", "transit").
 */
export const abaRoutingDetector: Detector = createPatternDetector({
  id: 'aba-routing',
  // Every match is one figure of 9 digits (separators single spaces or hyphens).
  atLeast: { figureDigits: 9 },
  entityType: 'ABA_ROUTING_NUMBER',
  patterns: [ABA_RE],
  validate: (m) => abaValid(m[0].replace(/-/g, '')),
  baseScore: 0.3,
  contextWords: ['routing', 'aba', 'rtn', 'bank', 'transit', 'wire'],
  contextBoost: 0.5,
})
