/**
 * ES_NIE: Spanish foreigner identity numbers `X1234567L`: X, Y or Z (read as 0, 1, 2), seven
 * digits and the NIF mod-23 control letter.
 */
import type { Detector } from '../detector.js'
import { nifLetter } from './es-nif.js'
import { createPatternDetector } from './pattern-detector.js'

const NIE_RE = /(?<![\w-])[XYZ]-?\d{7}-?[A-Z](?![\w-])/gi

/** True when `value` (`X1234567L`) has the right control letter. */
export function nieValid(value: string): boolean {
  const v = value.replace(/-/g, '').toUpperCase()
  if (!/^[XYZ]\d{7}[A-Z]$/.test(v)) return false
  const n = Number(`${'XYZ'.indexOf(v[0] ?? '')}${v.slice(1, 8)}`)
  return nifLetter(n) === v[8]
}

/** Detects NIEs; score 0.8, +0.2 with context. */
export const esNieDetector: Detector = createPatternDetector({
  id: 'es-nie',
  // Every match holds 7 consecutive digits, in a code of nine characters (hyphens inside).
  atLeast: { digitRun: 7, codeRun: 9 },
  entityType: 'ES_NIE',
  patterns: [NIE_RE],
  validate: (m) => nieValid(m[0]),
  baseScore: 0.8,
  contextWords: ['nie', 'extranjero', 'foreigner', 'identidad', 'spain'],
  contextBoost: 0.2,
})
