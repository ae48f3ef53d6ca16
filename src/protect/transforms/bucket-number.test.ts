import { describe, expect, it } from 'vitest'

import { bucketNumbers, numberBucketer } from './bucket-number.js'

describe('bucketNumbers', () => {
  it('fixed width buckets with integer labels', () => {
    expect(bucketNumbers([34, 30, 39, 40, 0, -1, null, '7', 39.5, 12n], { width: 10 })).toEqual([
      '30-39',
      '30-39',
      '30-39',
      '40-49',
      '0-9',
      '-10--1',
      null,
      '0-9',
      '30-39',
      '10-19',
    ])
    expect(bucketNumbers([3, 7], { width: 5, origin: 3 })).toEqual(['3-7', '3-7'])
  })

  it('fractional widths use half-open interval labels', () => {
    expect(bucketNumbers([0.31, 0.1], { width: 0.1 })).toEqual(['[0.3, 0.4)', '[0.1, 0.2)'])
  })

  it('explicit boundaries with open ends', () => {
    expect(bucketNumbers([12, 18, 29, 30, 64, 65, 99], { boundaries: [18, 30, 65] })).toEqual([
      '<18',
      '18-29',
      '18-29',
      '30-64',
      '30-64',
      '65+',
      '65+',
    ])
    expect(numberBucketer({ boundaries: [0.5, 1.5] })(1)).toBe('[0.5, 1.5)')
  })

  it('refuses bad specs and non-numbers', () => {
    expect(() => numberBucketer({ width: 0 })).toThrow(
      expect.objectContaining({ code: 'ERR_PROTECT_SPEC_INVALID' }),
    )
    expect(() => numberBucketer({ boundaries: [] })).toThrow(
      expect.objectContaining({ code: 'ERR_PROTECT_SPEC_INVALID' }),
    )
    expect(() => numberBucketer({ boundaries: [3, 3] })).toThrow(
      expect.objectContaining({ code: 'ERR_PROTECT_SPEC_INVALID' }),
    )
    for (const bad of ['abc', '', Number.NaN, Infinity]) {
      expect(() => bucketNumbers([1, bad], { width: 10 })).toThrow(
        expect.objectContaining({
          code: 'ERR_PROTECT_INVALID_VALUE',
          details: { row: 1, transform: 'bucket' },
        }),
      )
    }
  })
})
