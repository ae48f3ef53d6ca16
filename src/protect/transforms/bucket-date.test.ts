import { describe, expect, it } from 'vitest'

import { bucketDates } from './bucket-date.js'

describe('bucketDates', () => {
  const dates = ['2024-03-05', '2024-11-30T23:00:00-05:00', null, '0099-12-31']

  it('coarsens to month, quarter and year', () => {
    expect(bucketDates(dates, 'month')).toEqual(['2024-03', '2024-11', null, '0099-12'])
    expect(bucketDates(dates, 'quarter')).toEqual(['2024-Q1', '2024-Q4', null, '0099-Q4'])
    expect(bucketDates(dates, 'year')).toEqual(['2024', '2024', null, '0099'])
    expect(bucketDates([new Date(Date.UTC(2023, 6, 1))], 'quarter')).toEqual(['2023-Q3'])
  })

  it('refuses invalid dates and granularities', () => {
    for (const bad of [
      '2024-02-30',
      '2023-02-29',
      '2024-13-01',
      '24-01-01',
      'soon',
      '2024-01-01T25:00',
    ]) {
      expect(() => bucketDates([bad], 'year')).toThrow(
        expect.objectContaining({ code: 'ERR_PROTECT_INVALID_VALUE' }),
      )
    }
    expect(bucketDates(['2024-02-29'], 'month')).toEqual(['2024-02'])
    expect(() => bucketDates([], 'week' as 'year')).toThrow(
      expect.objectContaining({ code: 'ERR_PROTECT_SPEC_INVALID' }),
    )
  })
})
