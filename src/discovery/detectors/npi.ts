/**
 * NPI: US National Provider Identifiers (CMS), ten digits starting with 1 or 2 whose last
 * digit is the Luhn check digit computed over the card-issuer prefix 80840 and the first
 * nine digits (45 CFR 162.406; ISO 7812).
 */
import type { Detector } from '../detector.js'
import { luhnValid } from './credit-card.js'
import { createPatternDetector } from './pattern-detector.js'

const NPI_RE = /(?<![\d+-])[12]\d{9}(?![-]?\d)/g

/** True when ten digits are a valid NPI. */
export function npiValid(digits: string): boolean {
  return /^[12]\d{9}$/.test(digits) && luhnValid(`80840${digits}`)
}

/** Detects NPIs; score 0.3 (ten digits pass one time in ten), +0.5 with context. */
export const npiDetector: Detector = createPatternDetector({
  id: 'npi',
  // Every match holds 10 consecutive digits.
  atLeast: { digitRun: 10 },
  entityType: 'NPI',
  patterns: [NPI_RE],
  validate: (m) => npiValid(m[0]),
  baseScore: 0.3,
  contextWords: ['npi', 'provider', 'national provider', 'prescriber', 'physician'],
  contextBoost: 0.5,
})
