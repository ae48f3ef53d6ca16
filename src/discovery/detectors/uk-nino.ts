/**
 * UK_NINO: UK National Insurance numbers `AB 12 34 56 C`. Per HMRC's NIM39110 the first
 * letter is not D, F, I, Q, U or V; the second not D, F, I, O, Q, U or V; the prefixes BG,
 * GB, KN, NK, NT, TN and ZZ are never allocated; the suffix is A–D.
 */
import type { Detector } from '../detector.js'
import { createPatternDetector } from './pattern-detector.js'

const NINO_RE =
  /(?<![\w-])([A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]) ?(\d{2}) ?(\d{2}) ?(\d{2}) ?([A-D])(?![\w-])/gi
const BAD_PREFIXES = new Set(['BG', 'GB', 'KN', 'NK', 'NT', 'TN', 'ZZ'])

/** True when a compact NINO (`AB123456C`) follows HMRC's allocation rules. */
export function ninoValid(value: string): boolean {
  const v = value.toUpperCase()
  return (
    /^[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\d{6}[A-D]$/.test(v) && !BAD_PREFIXES.has(v.slice(0, 2))
  )
}

/** Detects NINOs; score 0.6, +0.3 with context. */
export const ukNinoDetector: Detector = createPatternDetector({
  id: 'uk-nino',
  // The six digits form one figure (single optional spaces).
  atLeast: { figureDigits: 6 },
  entityType: 'UK_NINO',
  patterns: [NINO_RE],
  validate: (m) => ninoValid(m[0].replace(/ /g, '')),
  baseScore: 0.6,
  contextWords: ['nino', 'national insurance', 'ni', 'insurance', 'hmrc'],
  contextBoost: 0.3,
})
