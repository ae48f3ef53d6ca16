/**
 * FR_NIR: French social security numbers (numéro d'inscription au répertoire, INSEE): sex
 * 1/2, year, month (01–12, or 20–42/50–99 when unknown), département (two digits, 2A/2B for
 * Corsica), commune, order number and a key `97 − (number mod 97)`, with 2A read as 19 and
 * 2B as 18.
 */
import type { Detector } from '../detector.js'
import { createPatternDetector } from './pattern-detector.js'

const NIR_RE =
  /(?<![\w+-])[12] ?\d{2} ?(?:0[1-9]|1[0-2]|[2-9]\d) ?(?:\d{2}|2[AB]) ?\d{3} ?\d{3} ?\d{2}(?![\w-])/gi

/** True when a compact 15-character NIR has the right key. */
export function nirValid(value: string): boolean {
  const v = value.toUpperCase()
  if (!/^[12]\d{4}(?:\d{2}|2[AB])\d{8}$/.test(v)) return false
  const body = v.slice(0, 13).replace('2A', '19').replace('2B', '18')
  const key = 97 - Number(BigInt(body) % 97n)
  return key === Number(v.slice(13))
}

/** Detects NIRs; score 0.6, +0.35 with context. */
export const frNirDetector: Detector = createPatternDetector({
  id: 'fr-nir',
  // The last eight digits always form one figure ("2A" may break the first part).
  atLeast: { digits: 11, figureDigits: 8 },
  entityType: 'FR_NIR',
  patterns: [NIR_RE],
  validate: (m) => nirValid(m[0].replace(/ /g, '')),
  baseScore: 0.6,
  contextWords: ['nir', 'insee', 'sécurité sociale', 'securite sociale', 'sécu', 'secu'],
  contextBoost: 0.35,
})
