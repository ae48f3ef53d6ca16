/**
 * Date generalization: replace a date with its month (`2024-03`), quarter (`2024-Q1`) or
 * year (`2024`).
 */
import type { Column } from './column.js'
import { invalidValue, mapColumn, specError } from './column.js'
import { parseIsoDate } from './iso-date.js'

/** The granularity a date is coarsened to. */
export type DateGranularity = 'month' | 'quarter' | 'year'

function label(year: number, month: number, g: DateGranularity): string {
  const y = String(year).padStart(4, '0')
  switch (g) {
    case 'year':
      return y
    case 'quarter':
      return `${y}-Q${Math.ceil(month / 3)}`
    case 'month':
      return `${y}-${String(month).padStart(2, '0')}`
  }
}

/**
 * Buckets a column of ISO dates or timestamps (the calendar date as written, ignoring any
 * time and offset) or `Date` objects (their UTC date). Nulls stay null; an invalid date
 * throws `ERR_PROTECT_INVALID_VALUE` with its row.
 *
 * @example
 * ```ts
 * bucketDates(['2024-03-05', '2024-11-30T23:00:00-05:00', null], 'quarter')
 * // ['2024-Q1', '2024-Q4', null]
 * ```
 */
export function bucketDates(
  values: Column<string | Date>,
  granularity: DateGranularity,
): (string | null)[] {
  if (granularity !== 'month' && granularity !== 'quarter' && granularity !== 'year') {
    throw specError('bucket-date', 'granularity', 'granularity must be month, quarter or year')
  }
  return mapColumn(values, (v, row) => {
    if (typeof v === 'string') {
      const d = parseIsoDate(v)
      if (d === undefined) throw invalidValue('bucket-date', row, 'not an ISO date or timestamp')
      return label(d.year, d.month, granularity)
    }
    if (v instanceof Date && !Number.isNaN(v.getTime())) {
      return label(v.getUTCFullYear(), v.getUTCMonth() + 1, granularity)
    }
    throw invalidValue('bucket-date', row, 'not a date')
  })
}
