/**
 * DE_TAX_ID: German Steuerliche Identifikationsnummer, eleven digits (compact or
 * `12 345 678 901`), first digit not 0; among the first ten digits exactly one occurs two or
 * three times and no other repeats (§ 139b AO, BZSt); the last is the ISO 7064 MOD 11,10
 * check digit.
 */
import type { Detector } from '../detector.js'
import { createPatternDetector } from './pattern-detector.js'

const TAX_ID_RE = /(?<![\d+-])[1-9]\d(?: ?\d{3}){3}(?![-]?\d)/g

/** ISO 7064 MOD 11,10 check digit of a digit string. */
export function iso7064Mod1110(digits: string): number {
  let product = 10
  for (const ch of digits) {
    let sum = (Number(ch) + product) % 10
    if (sum === 0) sum = 10
    product = (sum * 2) % 11
  }
  const check = 11 - product
  return check === 10 ? 0 : check
}

/** True when eleven digits are a valid Steuer-IdNr. */
export function deTaxIdValid(digits: string): boolean {
  if (!/^[1-9]\d{10}$/.test(digits)) return false
  const counts = new Map<string, number>()
  for (const ch of digits.slice(0, 10)) counts.set(ch, (counts.get(ch) ?? 0) + 1)
  const repeated = [...counts.values()].filter((n) => n > 1)
  if (repeated.length !== 1 || (repeated[0] ?? 0) > 3) return false
  return iso7064Mod1110(digits.slice(0, 10)) === Number(digits[10])
}

/** Detects tax ids; score 0.3, +0.5 with context. */
export const deTaxIdDetector: Detector = createPatternDetector({
  id: 'de-tax-id',
  // Every match is one figure of 11 digits (separators single spaces or hyphens).
  atLeast: { figureDigits: 11 },
  entityType: 'DE_TAX_ID',
  patterns: [TAX_ID_RE],
  validate: (m) => deTaxIdValid(m[0].replace(/ /g, '')),
  baseScore: 0.3,
  contextWords: [
    'steuer',
    'steuer-id',
    'steueridentifikationsnummer',
    'idnr',
    'identifikationsnummer',
    'tin',
    'tax',
  ],
  contextBoost: 0.5,
})
