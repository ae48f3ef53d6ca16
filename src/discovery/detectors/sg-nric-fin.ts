/**
 * SG_NRIC_FIN: Singapore NRIC and FIN numbers `S1234567D`: prefix S/T (citizens, PRs) or F/G
 * (foreigners), seven digits weighted 2, 7, 6, 5, 4, 3, 2, plus 4 for T and G, mod 11
 * indexing the check-letter table of the prefix (ICA).
 */
import type { Detector } from '../detector.js'
import { weightedSum } from './checksums.js'
import { createPatternDetector } from './pattern-detector.js'

const NRIC_RE = /(?<![\w-])[STFG]\d{7}[A-Z](?![\w-])/gi
const WEIGHTS = [2, 7, 6, 5, 4, 3, 2]
const ST = 'JZIHGFEDCBA'
const FG = 'XWUTRQPNMLK'

/** True when an NRIC/FIN has the right check letter. */
export function nricValid(value: string): boolean {
  const v = value.toUpperCase()
  if (!/^[STFG]\d{7}[A-Z]$/.test(v)) return false
  const prefix = v[0] ?? ''
  const offset = prefix === 'T' || prefix === 'G' ? 4 : 0
  const d = (weightedSum(v.slice(1, 8), WEIGHTS) + offset) % 11
  const table = prefix === 'S' || prefix === 'T' ? ST : FG
  return table[d] === v[8]
}

/** Detects NRIC/FIN numbers; score 0.7, +0.3 with context. */
export const sgNricFinDetector: Detector = createPatternDetector({
  id: 'sg-nric-fin',
  // Every match holds 7 consecutive digits, in a code of nine characters.
  atLeast: { digitRun: 7, codeRun: 9 },
  entityType: 'SG_NRIC_FIN',
  patterns: [NRIC_RE],
  validate: (m) => nricValid(m[0]),
  baseScore: 0.7,
  contextWords: ['nric', 'fin', 'ic', 'singapore', 'identity card'],
  contextBoost: 0.3,
})
