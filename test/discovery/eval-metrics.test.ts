import { describe, expect, it } from 'vitest'
import {
  accumulate,
  canonicalGoldType,
  canonicalPredictedType,
  scores,
  total,
} from '../../src/discovery/eval-metrics.js'
import type { EntityCounts, TypedSpan } from '../../src/discovery/eval-metrics.js'

// Hand-made fixture: two texts with known gold spans and predictions.
const GOLD: TypedSpan[][] = [
  [
    { type: 'EMAIL_ADDRESS', start: 0, end: 10 },
    { type: 'PERSON', start: 20, end: 25 },
  ],
  [{ type: 'EMAIL_ADDRESS', start: 5, end: 15 }],
]
const PRED: TypedSpan[][] = [
  [
    { type: 'EMAIL_ADDRESS', start: 0, end: 10 }, // exact hit
    { type: 'EMAIL_ADDRESS', start: 30, end: 40 }, // false positive
  ],
  [{ type: 'EMAIL_ADDRESS', start: 4, end: 15 }], // overlap only
]

function run(matching: 'overlap' | 'exact'): Map<string, EntityCounts> {
  const counts = new Map<string, EntityCounts>()
  GOLD.forEach((g, i) => accumulate(counts, g, PRED[i] ?? [], matching))
  return counts
}

describe('eval metrics', () => {
  it('counts overlap matches', () => {
    const c = run('overlap')
    expect(c.get('EMAIL_ADDRESS')).toEqual({ predicted: 3, truePredicted: 2, gold: 2, trueGold: 2 })
    const s = scores(c.get('EMAIL_ADDRESS') ?? total(new Map()))
    expect(s.precision).toBeCloseTo(2 / 3)
    expect(s.recall).toBe(1)
    expect(s.f1).toBeCloseTo(0.8)
  })

  it('counts exact matches', () => {
    const c = run('exact')
    expect(c.get('EMAIL_ADDRESS')).toEqual({ predicted: 3, truePredicted: 1, gold: 2, trueGold: 1 })
    const s = scores(c.get('EMAIL_ADDRESS') ?? total(new Map()))
    expect(s.precision).toBeCloseTo(1 / 3)
    expect(s.recall).toBe(0.5)
    expect(s.f1).toBeCloseTo(0.4)
  })

  it('counts an undetected type as misses and has no precision for it', () => {
    const c = run('overlap')
    expect(scores(c.get('PERSON') ?? total(new Map()))).toEqual({
      precision: null,
      recall: 0,
      f1: null,
    })
    const all = scores(total(c))
    expect(all.precision).toBeCloseTo(2 / 3)
    expect(all.recall).toBeCloseTo(2 / 3)
  })

  it('never matches across types', () => {
    const counts = accumulate(
      new Map(),
      [{ type: 'A', start: 0, end: 5 }],
      [{ type: 'B', start: 0, end: 5 }],
      'overlap',
    )
    expect(counts.get('A')?.trueGold).toBe(0)
    expect(counts.get('B')?.truePredicted).toBe(0)
  })

  it('gives F1 0 when nothing is right', () => {
    expect(scores({ predicted: 2, truePredicted: 0, gold: 3, trueGold: 0 }).f1).toBe(0)
  })

  it('maps both generations of dataset labels', () => {
    expect(canonicalGoldType('STREET_ADDRESS')).toBe('ADDRESS')
    expect(canonicalGoldType('GPE')).toBe('LOCATION')
    expect(canonicalGoldType('PREFIX')).toBe('TITLE')
    expect(canonicalGoldType('TITLE')).toBe('TITLE')
    expect(canonicalGoldType('SOMETHING_NEW')).toBe('SOMETHING_NEW')
    expect(canonicalPredictedType('URL')).toBe('DOMAIN_NAME')
    expect(canonicalPredictedType('IBAN_CODE')).toBe('IBAN_CODE')
  })
})
