/**
 * ISO 8601 calendar dates (`YYYY-MM-DD`) and timestamps (`YYYY-MM-DDTHH:MM[:SS[.f]][Z|±HH:MM]`)
 * as the date transforms read them: the date part is parsed and checked, the rest of a
 * timestamp is validated and kept verbatim.
 */

/** A parsed ISO date or timestamp. */
export interface IsoDate {
  readonly year: number
  readonly month: number
  readonly day: number
  /** Everything after the date (`T12:30:00Z`), or '' for a plain date. */
  readonly rest: string
}

const ISO_RE =
  /^(\d{4})-(\d{2})-(\d{2})((?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d{1,9})?)?(Z|[+-](\d{2}):?(\d{2}))?)?)$/

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0
}

/** Days in `month` (1..12) of `year`. */
export function daysInMonth(year: number, month: number): number {
  return month === 2 ? (isLeap(year) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31
}

/** Parses an ISO date or timestamp; `undefined` when it is not one or is not a real date. */
export function parseIsoDate(s: string): IsoDate | undefined {
  const m = ISO_RE.exec(s)
  if (m === null) return undefined
  const year = Number(m[1])
  const month = Number(m[2])
  const day = Number(m[3])
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined
  if (m[5] !== undefined && (Number(m[5]) > 23 || Number(m[6]) > 59)) return undefined
  // 60 allows a leap second.
  if (m[7] !== undefined && Number(m[7]) > 60) return undefined
  if (m[9] !== undefined && (Number(m[9]) > 23 || Number(m[10]) > 59)) return undefined
  return { year, month, day, rest: m[4] ?? '' }
}

/**
 * Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil), exact
 * for every year, unlike `Date.UTC`, which maps years 0..99 to 1900..1999.
 */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yoe = y - era * 400
  const mp = (month + 9) % 12
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
}

/** The inverse of {@link daysFromCivil}. */
export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719468
  const era = Math.floor(z / 146097)
  const doe = z - era * 146097
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  )
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
  const mp = Math.floor((5 * doy + 2) / 153)
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1
  const month = mp < 10 ? mp + 3 : mp - 9
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day }
}

/** `YYYY-MM-DD` for a date; `undefined` when the year is outside 0000..9999. */
export function formatIsoDate(year: number, month: number, day: number): string | undefined {
  if (year < 0 || year > 9999) return undefined
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`
}
