/**
 * IT_FISCAL_CODE: Italian codice fiscale, 16 characters (surname, name, birth year, month
 * letter, day, municipality, check letter), with omocodia substitutions (digits replaced by
 * LMNPQRSTUV). The check letter follows DM 12/03/1974 Annex: odd positions through a
 * table, even positions by value, sum mod 26.
 */
import type { Detector } from '../detector.js'
import { createPatternDetector } from './pattern-detector.js'

const CF_RE =
  /(?<![\w-])[A-Z]{6}[\dLMNPQRSTUV]{2}[ABCDEHLMPRST][\dLMNPQRSTUV]{2}[A-Z][\dLMNPQRSTUV]{3}[A-Z](?![\w-])/gi

// Values of characters in odd (1st, 3rd, …) positions; digits 0–9 share A–J's values.
const ODD = [
  1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23,
]

/** Index 0–25 of a letter, or of a digit read as A–J. */
function ord(ch: string): number {
  const c = ch.charCodeAt(0)
  return c <= 57 ? c - 48 : c - 65
}

/** True when a 16-character fiscal code has the right check letter. */
export function fiscalCodeValid(value: string): boolean {
  const v = value.toUpperCase()
  if (!/^[A-Z0-9]{16}$/.test(v)) return false
  let sum = 0
  for (let i = 0; i < 15; i++) {
    const o = ord(v[i] ?? '')
    sum += i % 2 === 0 ? (ODD[o] ?? 0) : o
  }
  return String.fromCharCode(65 + (sum % 26)) === v[15]
}

/** Detects fiscal codes; score 0.8, +0.2 with context. */
export const itFiscalCodeDetector: Detector = createPatternDetector({
  id: 'it-fiscal-code',
  // A match is one unbroken run of sixteen letters and digits.
  atLeast: { wordRun: 16 },
  entityType: 'IT_FISCAL_CODE',
  patterns: [CF_RE],
  validate: (m) => fiscalCodeValid(m[0]),
  baseScore: 0.8,
  contextWords: ['codice fiscale', 'fiscale', 'cf', 'fiscal', 'tax code'],
  contextBoost: 0.2,
})
