/**
 * ES_NIF: Spanish DNI/NIF numbers, eight digits and a control letter
 * `TRWAGMYFPDXBNJZSQVHLCKE[n mod 23]` (Real Decreto 1553/2005).
 */
import type { Detector } from '../detector.js'
import { createPatternDetector } from './pattern-detector.js'

const NIF_RE = /(?<![\w-])\d{8}-?[A-Z](?![\w-])/gi
const LETTERS = 'TRWAGMYFPDXBNJZSQVHLCKE'

/** The mod-23 control letter of a number. */
export function nifLetter(n: number): string {
  return LETTERS[n % 23] ?? ''
}

/** True when `value` (`12345678Z`) has the right control letter. */
export function nifValid(value: string): boolean {
  const v = value.replace('-', '').toUpperCase()
  return /^\d{8}[A-Z]$/.test(v) && nifLetter(Number(v.slice(0, 8))) === v[8]
}

/** Detects NIFs; score 0.7 (one in 23 random candidates passes), +0.3 with context. */
export const esNifDetector: Detector = createPatternDetector({
  id: 'es-nif',
  // Every match holds 8 consecutive digits, in a code of nine characters.
  atLeast: { digitRun: 8, codeRun: 9 },
  entityType: 'ES_NIF',
  patterns: [NIF_RE],
  validate: (m) => nifValid(m[0]),
  baseScore: 0.7,
  contextWords: ['nif', 'dni', 'documento', 'identidad', 'spain'],
  contextBoost: 0.3,
})
