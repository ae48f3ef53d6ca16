/** API tokens and health identifiers: shapes, test values, and the context they require. */
import { describe, expect, it } from 'vitest'
import type { Detector } from '../../src/discovery/detector.js'
import { apiKeyDetector } from '../../src/discovery/detectors/api-key.js'
import {
  diagnosisCodeDetector,
  medicalRecordNumberDetector,
} from '../../src/discovery/detectors/medical.js'

const found = (d: Detector, text: string) =>
  d.detect(text).map((s) => ({ value: text.slice(s.start, s.end), test: s.testValue === true }))

describe('API_KEY', () => {
  it('finds documented vendor token shapes, whole', () => {
    const gh = `ghp_${'a1B2'.repeat(9)}`
    const slack = 'xoxb-1234567890-abcdefGHIJ'
    const google = `AIza${'Sy0-_'.repeat(7)}`
    const text = `GH=${gh}; slack ${slack}, key ${google}.`
    expect(found(apiKeyDetector, text).map((f) => f.value)).toEqual([gh, slack, google])
  })

  it('reports Stripe test-mode keys as test values and ignores sk- words', () => {
    expect(found(apiKeyDetector, `sk_test_${'x9'.repeat(12)}`)).toEqual([
      { value: `sk_test_${'x9'.repeat(12)}`, test: true },
    ])
    expect(found(apiKeyDetector, 'the sk-the-best-way-to-ski-the-mountains-every-winter')).toEqual(
      [],
    )
    // Too short, or embedded in a longer token: not a key.
    expect(found(apiKeyDetector, `ghp_${'a'.repeat(20)} xghp_${'a1B2'.repeat(9)}`)).toEqual([])
  })
})

describe('MEDICAL_RECORD_NUMBER', () => {
  it('needs its label, and reports only the number', () => {
    expect(found(medicalRecordNumberDetector, 'MRN: 00482913').map((f) => f.value)).toEqual([
      '00482913',
    ])
    expect(
      found(medicalRecordNumberDetector, 'Medical record number AB-5523190').map((f) => f.value),
    ).toEqual(['AB-5523190'])
    expect(found(medicalRecordNumberDetector, 'order 00482913 shipped')).toEqual([])
    expect(found(medicalRecordNumberDetector, 'chart no. 1234')).toEqual([])
  })
})

describe('DIAGNOSIS_CODE', () => {
  it('finds ICD-10 codes near diagnosis words only', () => {
    expect(
      found(diagnosisCodeDetector, 'Diagnosis: E11.9 and J45.909').map((f) => f.value),
    ).toEqual(['E11.9', 'J45.909'])
    expect(found(diagnosisCodeDetector, 'seat A12 on flight B52 to gate C33')).toEqual([])
    expect(found(diagnosisCodeDetector, 'ICD-10 code U07.1')).toEqual([])
  })
})
