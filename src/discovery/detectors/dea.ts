/**
 * DEA_NUMBER: US Drug Enforcement Administration registration numbers: a registrant-type
 * letter, a letter (the registrant's surname initial, or 9), and seven digits whose last is
 * `(d1 + d3 + d5 + 2 × (d2 + d4 + d6)) mod 10`.
 */
import type { Detector } from '../detector.js'
import { createPatternDetector } from './pattern-detector.js'

const DEA_RE = /(?<![\w-])[ABCDEFGHJKLMPRSTUX][A-Z9]\d{7}(?![\w-])/g

/** True when the DEA number's check digit matches. */
export function deaValid(value: string): boolean {
  if (!/^[ABCDEFGHJKLMPRSTUX][A-Z9]\d{7}$/.test(value)) return false
  const d = [...value.slice(2)].map(Number)
  const [d1 = 0, d2 = 0, d3 = 0, d4 = 0, d5 = 0, d6 = 0, d7 = -1] = d
  return (d1 + d3 + d5 + 2 * (d2 + d4 + d6)) % 10 === d7
}

/** Detects DEA numbers; score 0.5, +0.4 with context. */
export const deaDetector: Detector = createPatternDetector({
  id: 'dea-number',
  // Every match holds 7 consecutive digits, in a code of nine characters.
  atLeast: { digitRun: 7, codeRun: 9 },
  entityType: 'DEA_NUMBER',
  patterns: [DEA_RE],
  validate: (m) => deaValid(m[0]),
  baseScore: 0.5,
  contextWords: ['dea', 'prescriber', 'registration', 'controlled', 'drug enforcement'],
  contextBoost: 0.4,
})
