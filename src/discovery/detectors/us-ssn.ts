/**
 * US_SSN: US Social Security numbers `AAA-GG-SSSS`, with dashes, spaces (the same
 * separator twice) or none. Per SSA rules the area is not 000, 666 or 900–999, the group
 * not 00 and the serial not 0000.
 */
import type { Detector } from '../detector.js'
import { createPatternDetector } from './pattern-detector.js'

const SSN_RE = /(?<![\d+-])(\d{3})([- ]?)(\d{2})\2(\d{4})(?![\d-]?\d)/g

/** True when area, group and serial are all assignable. */
export function ssnValid(area: string, group: string, serial: string): boolean {
  const a = Number(area)
  if (a === 0 || a === 666 || a >= 900) return false
  if (group === '00' || serial === '0000') return false
  // A run of one repeated digit (111-11-1111) is a placeholder, never issued.
  return !/^(\d)\1{8}$/.test(area + group + serial)
}

/**
 * Detects SSNs. Score 0.5 with separators, 0.3 compact (nine bare digits are often other
 * identifiers); +0.4 with context ("ssn", "social security").
 */
export const usSsnDetector: Detector = createPatternDetector({
  id: 'us-ssn',
  // Every match is one figure of 9 digits (separators single spaces or hyphens).
  atLeast: { figureDigits: 9 },
  entityType: 'US_SSN',
  patterns: [SSN_RE],
  validate: (m) => {
    const [whole, area = '', sep = '', group = '', serial = ''] = m
    if (!ssnValid(area, group, serial)) return false
    return { start: m.index, end: m.index + whole.length, score: sep === '' ? 0.3 : 0.5 }
  },
  baseScore: 0.5,
  contextWords: ['ssn', 'ssns', 'social security', 'social', 'security', 'ss#', 'ssa'],
  contextBoost: 0.4,
})
