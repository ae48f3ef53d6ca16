/**
 * The column shape every value transform takes and returns: an array of values in row order,
 * with `null` for a missing value. Transforms work on whole columns so callers process
 * batches, never one row per call.
 */
import { StrongroomError } from '../../errors.js'

/** A column of values; `null` (and `undefined`, read as `null`) is a missing value. */
export type Column<T> = readonly (T | null | undefined)[]

/** Issue path for a spec field: `transform.field`. */
export function specError(transform: string, field: string, message: string): StrongroomError {
  return new StrongroomError(
    'ERR_PROTECT_SPEC_INVALID',
    `invalid ${transform} options: ${message}`,
    {
      issues: [{ code: 'ERR_PROTECT_SPEC_INVALID', path: `${transform}.${field}`, message }],
    },
  )
}

/** A value at `row` that the transform cannot handle; the message never holds the value. */
export function invalidValue(transform: string, row: number, reason: string): StrongroomError {
  return new StrongroomError('ERR_PROTECT_INVALID_VALUE', `${transform}: ${reason} (row ${row})`, {
    details: { row, transform },
  })
}

/**
 * Applies `fn` to each non-null value; nulls and undefined pass through as `null`.
 *
 * @example
 * ```ts
 * mapColumn(['a', null], (v) => v.toUpperCase()) // ['A', null]
 * ```
 */
export function mapColumn<T, R>(values: Column<T>, fn: (value: T, row: number) => R): (R | null)[] {
  const out = new Array<R | null>(values.length)
  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    out[i] = v === null || v === undefined ? null : fn(v, i)
  }
  return out
}
