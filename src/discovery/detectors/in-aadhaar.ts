/**
 * IN_AADHAAR: Indian Aadhaar numbers (UIDAI), twelve digits `4-4-4` (spaces, dashes or
 * compact), first digit 2–9, last the Verhoeff check digit.
 */
import type { Detector } from '../detector.js'
import { verhoeffValid } from './checksums.js'
import { createPatternDetector } from './pattern-detector.js'

const AADHAAR_RE = /(?<![\d+-])[2-9]\d{3}([ -]?)\d{4}\1\d{4}(?![-]?\d)/g

/** True when twelve digits are a valid Aadhaar number. */
export function aadhaarValid(digits: string): boolean {
  return /^[2-9]\d{11}$/.test(digits) && !/^(\d)\1+$/.test(digits) && verhoeffValid(digits)
}

/** Detects Aadhaar numbers; score 0.4, +0.5 with context. */
export const inAadhaarDetector: Detector = createPatternDetector({
  id: 'in-aadhaar',
  // Every match is one figure of 12 digits (separators single spaces or hyphens).
  atLeast: { figureDigits: 12 },
  entityType: 'IN_AADHAAR',
  patterns: [AADHAAR_RE],
  validate: (m) => aadhaarValid(m[0].replace(/[ -]/g, '')),
  baseScore: 0.4,
  contextWords: ['aadhaar', 'aadhar', 'uidai', 'uid', 'india'],
  contextBoost: 0.5,
})
