/**
 * VIN: ISO 3779 vehicle identification numbers, 17 characters from the VIN alphabet (no
 * I, O or Q), with the North American check digit in position 9 (49 CFR 565.15:
 * transliterate letters, weight 8,7,6,5,4,3,2,10,0,9,…,2, sum mod 11, 10 written `X`).
 */
import type { Detector } from '../detector.js'
import { createPatternDetector } from './pattern-detector.js'

const VIN_RE = /(?<![A-Za-z0-9])[A-HJ-NPR-Z0-9]{17}(?![A-Za-z0-9])/g

const TRANSLIT: Readonly<Record<string, number>> = {
  A: 1,
  B: 2,
  C: 3,
  D: 4,
  E: 5,
  F: 6,
  G: 7,
  H: 8,
  J: 1,
  K: 2,
  L: 3,
  M: 4,
  N: 5,
  P: 7,
  R: 9,
  S: 2,
  T: 3,
  U: 4,
  V: 5,
  W: 6,
  X: 7,
  Y: 8,
  Z: 9,
}
const WEIGHTS = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2]

/** True when `vin` has 17 valid characters and a correct check digit. */
export function vinValid(vin: string): boolean {
  if (!/^[A-HJ-NPR-Z0-9]{17}$/.test(vin)) return false
  // A bare number or a run of letters is some other identifier.
  if (!/[A-Z]/.test(vin) || !/\d/.test(vin)) return false
  let sum = 0
  for (let i = 0; i < 17; i++) {
    const ch = vin[i] ?? ''
    const v = /\d/.test(ch) ? Number(ch) : (TRANSLIT[ch] ?? 0)
    sum += v * (WEIGHTS[i] ?? 0)
  }
  const r = sum % 11
  return vin[8] === (r === 10 ? 'X' : String(r))
}

/** Detects VINs; score 0.6, +0.35 with context ("vin", "vehicle", "chassis"). */
export const vinDetector: Detector = createPatternDetector({
  id: 'vin',
  // Seventeen capitals and digits in one run, with a capital and a digit (see vinValid).
  atLeast: { codeRun: 17, upper: 1 },
  entityType: 'VIN',
  patterns: [VIN_RE],
  validate: (m) => vinValid(m[0]),
  baseScore: 0.6,
  contextWords: ['vin', 'vehicle', 'chassis', 'car', 'registration'],
  contextBoost: 0.35,
})
