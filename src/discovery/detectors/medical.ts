/**
 * Health identifiers, which need context: a medical record number is any short code, and a
 * diagnosis code looks like many product codes, so both are reported only next to their
 * words (as Presidio and Macie do for context-bound identifiers).
 *
 * - MEDICAL_RECORD_NUMBER: 6–12 letters/digits (with at least 5 digits) after "MRN",
 *   "medical record", "patient id", "chart number" or "hospital number".
 * - DIAGNOSIS_CODE: ICD-10 codes (a letter other than U, two digits, then an optional dot
 *   and 1–4 characters: `E11.9`, `J45.909`, `S72.001A`) near "diagnosis", "ICD", "dx",
 *   "condition" and similar words.
 */
import type { Detector } from '../detector.js'
import { createPatternDetector, hasContext, Keywords } from './pattern-detector.js'

const MRN_RE =
  /(?<![A-Za-z0-9])(?:MRN|medical record(?: number| no\.?| #)?|patient (?:id|number|no\.?)|chart (?:number|no\.?)|hospital number)[\s:#.]{0,4}([A-Z]{0,3}-?\d[\dA-Z-]{4,11})(?![A-Za-z0-9])/gi

// Each label holds one of these, in any case.
const GATE_WORDS = new Keywords(['mrn', 'medical record', 'patient ', 'chart ', 'hospital number'])

/** Detects record numbers after their label; score 0.85. Only the number is reported. */
export const medicalRecordNumberDetector: Detector = createPatternDetector({
  id: 'medical-record-number',
  atLeast: { digits: 5 },
  gate: (h) => GATE_WORDS.in(h),
  entityType: 'MEDICAL_RECORD_NUMBER',
  patterns: [MRN_RE],
  validate: (m) => {
    const value = m[1] ?? ''
    if ((value.match(/\d/g) ?? []).length < 5) return false
    const end = m.index + m[0].length
    return { start: end - value.length, end }
  },
  baseScore: 0.85,
})

const ICD10_RE = /(?<![A-Za-z0-9.])[A-TV-Z]\d{2}(?:\.[0-9A-Z]{1,4})?(?![A-Za-z0-9]|\.\d)/g
const ICD_CONTEXT = [
  'diagnosis',
  'diagnosed',
  'diagnoses',
  'icd',
  'icd-10',
  'icd10',
  'dx',
  'condition',
  'disorder',
  'disease',
  'comorbidity',
  'admitted',
  'discharge',
]

/** Detects ICD-10 codes with diagnosis context; score 0.75. */
export const diagnosisCodeDetector: Detector = createPatternDetector({
  id: 'diagnosis-code',
  // A capital, then two consecutive digits.
  atLeast: { upper: 1, digitRun: 2, codeRun: 3 },
  entityType: 'DIAGNOSIS_CODE',
  patterns: [ICD10_RE],
  validate: (m, text) => hasContext(text, m.index, m.index + m[0].length, ICD_CONTEXT),
  baseScore: 0.75,
})
