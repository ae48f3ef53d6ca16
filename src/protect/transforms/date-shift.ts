/**
 * Date shifting: every date of one subject moves by the same secret number of days, so
 * intervals within a subject (age at admission, length of stay) survive while the real dates
 * do not. The offset is HMAC-SHA-256(key, subject id) mapped into ±maxDays.
 */
import { deriveTransformKey } from '../keys.js'
import { HmacSha256 } from '../crypto/hmac-sha256.js'
import type { Column } from './column.js'
import { invalidValue, specError } from './column.js'
import { civilFromDays, daysFromCivil, formatIsoDate, parseIsoDate } from './iso-date.js'

/** Options for {@link DateShifter}. */
export interface DateShiftOptions {
  /** The largest shift in days, 1..36500. Offsets fall in −maxDays..+maxDays. */
  readonly maxDays: number
  /** Allow an offset of 0 (the date unchanged for some subjects). Default false. */
  readonly allowZero?: boolean
}

/** A subject id: a string, or a number taken as its decimal text. */
export type SubjectId = string | number | bigint

const DAY_MS = 86_400_000

/**
 * Shifts dates by a keyed per-subject offset. Reuse one instance per key: the HMAC pad
 * states are computed once.
 *
 * Dates are ISO `YYYY-MM-DD`; timestamps keep their time and offset text unchanged while the
 * calendar date moves (a shift of whole days). `Date` objects move by whole 24-hour days.
 *
 * @example
 * ```ts
 * const shifter = new DateShifter(dateShiftKey(master, 'patients'), { maxDays: 30 })
 * shifter.shiftColumn(['2024-03-05', '2024-03-09T08:00:00Z'], ['p1', 'p1'])
 * // both moved by the same number of days, e.g. ['2024-02-18', '2024-02-22T08:00:00Z']
 * ```
 */
export class DateShifter {
  readonly #hmac: HmacSha256
  readonly #max: number
  readonly #allowZero: boolean

  /** @param key - the date-shift key (at least 16 bytes), normally from {@link dateShiftKey}. */
  constructor(key: Uint8Array, options: DateShiftOptions) {
    if (!(key instanceof Uint8Array) || key.byteLength < 16) {
      throw specError('date-shift', 'key', 'key must be at least 16 bytes')
    }
    const max = options.maxDays
    if (!Number.isInteger(max) || max < 1 || max > 36_500) {
      throw specError('date-shift', 'maxDays', 'maxDays must be an integer in 1..36500')
    }
    this.#hmac = new HmacSha256(key)
    this.#max = max
    this.#allowZero = options.allowZero ?? false
  }

  /** The subject's offset in days: the same for every call with the same key and subject. */
  offsetDays(subject: SubjectId): number {
    const w = this.#hmac.updateString(typeof subject === 'string' ? subject : String(subject))
    // 48 bits of the MAC: the modulo bias is below count / 2^48, far under any usable signal.
    const x = (w[0]! >>> 0) * 0x10000 + (w[1]! >>> 16)
    const max = this.#max
    if (this.#allowZero) return (x % (2 * max + 1)) - max
    const i = x % (2 * max)
    return i < max ? i - max : i - max + 1
  }

  /**
   * Shifts one ISO date or timestamp by `days`. Throws `ERR_PROTECT_INVALID_VALUE` when the
   * text is not a valid date or the result leaves years 0000..9999.
   */
  static shiftIso(value: string, days: number, row = 0): string {
    const d = parseIsoDate(value)
    if (d === undefined) throw invalidValue('date-shift', row, 'not an ISO date or timestamp')
    const c = civilFromDays(daysFromCivil(d.year, d.month, d.day) + days)
    const date = formatIsoDate(c.year, c.month, c.day)
    if (date === undefined) throw invalidValue('date-shift', row, 'shifted date out of range')
    return date + d.rest
  }

  /**
   * Shifts a column of dates, each by the offset of the subject on the same row. Nulls stay
   * null; a date whose subject is missing throws `ERR_PROTECT_INVALID_VALUE` (it could not be
   * shifted consistently), as does an unparseable date.
   */
  shiftColumn(
    values: Column<string | Date>,
    subjects: Column<SubjectId>,
  ): (string | Date | null)[] {
    if (subjects.length !== values.length) {
      throw specError('date-shift', 'subjects', 'subjects must have one entry per value')
    }
    const offsets = new Map<SubjectId, number>()
    const out = new Array<string | Date | null>(values.length)
    for (let i = 0; i < values.length; i++) {
      const v = values[i]
      if (v === null || v === undefined) {
        out[i] = null
        continue
      }
      const s = subjects[i]
      if (s === null || s === undefined)
        throw invalidValue('date-shift', i, 'date without a subject id')
      let days = offsets.get(s)
      if (days === undefined) {
        days = this.offsetDays(s)
        offsets.set(s, days)
      }
      if (typeof v === 'string') out[i] = DateShifter.shiftIso(v, days, i)
      else if (v instanceof Date && !Number.isNaN(v.getTime()))
        out[i] = new Date(v.getTime() + days * DAY_MS)
      else throw invalidValue('date-shift', i, 'not a date')
    }
    return out
  }
}

/**
 * The date-shift key of a scope (e.g. a study or a patient population): every dataset
 * shifted with the same scope moves a subject's dates by the same offset.
 *
 * @example
 * ```ts
 * const shifter = new DateShifter(dateShiftKey(master, 'study-42'), { maxDays: 180 })
 * ```
 */
export function dateShiftKey(master: Uint8Array, scope: string): Buffer {
  return deriveTransformKey(master, { purpose: 'date-shift', domain: scope, length: 32 })
}
