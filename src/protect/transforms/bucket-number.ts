/**
 * Numeric generalization: replace a number with the range it falls in (`34` → `30-39`).
 */
import type { Column } from './column.js'
import { invalidValue, mapColumn, specError } from './column.js'

/**
 * Fixed-width buckets `[origin + k·width, origin + (k+1)·width)`, or explicit ascending
 * boundaries `b0 < b1 < … < bn` giving `<b0`, `[b0, b1)`, …, `bn+`.
 */
export type NumberBucketSpec =
  { readonly width: number; readonly origin?: number } | { readonly boundaries: readonly number[] }

/** Label of `[lo, hi)`: `lo-(hi-1)` for integer bounds (`30-39`), else `[lo, hi)`. */
function rangeLabel(lo: number, hi: number): string {
  if (Number.isInteger(lo) && Number.isInteger(hi)) return `${lo}-${hi - 1}`
  return `[${tidy(lo)}, ${tidy(hi)})`
}

/** Removes binary-fraction noise (0.30000000000000004) from computed bounds. */
function tidy(x: number): number {
  return Number(x.toPrecision(12))
}

function toNumber(v: unknown, row: number): number {
  const n =
    typeof v === 'number'
      ? v
      : typeof v === 'bigint'
        ? Number(v)
        : typeof v === 'string' && v.trim() !== ''
          ? Number(v)
          : Number.NaN
  if (!Number.isFinite(n)) throw invalidValue('bucket', row, 'not a finite number')
  return n
}

/**
 * A function from number to bucket label for `spec`, validated once.
 *
 * @example
 * ```ts
 * numberBucketer({ width: 10 })(34) // '30-39'
 * numberBucketer({ boundaries: [18, 65] })(70) // '65+'
 * ```
 */
export function numberBucketer(spec: NumberBucketSpec): (value: number) => string {
  if ('width' in spec) {
    const { width } = spec
    const origin = spec.origin ?? 0
    if (!(typeof width === 'number' && Number.isFinite(width) && width > 0)) {
      throw specError('bucket', 'width', 'width must be a positive number')
    }
    if (!Number.isFinite(origin)) throw specError('bucket', 'origin', 'origin must be finite')
    return (v) => {
      const lo = tidy(origin + Math.floor((v - origin) / width) * width)
      return rangeLabel(lo, tidy(lo + width))
    }
  }
  const b: readonly number[] = spec.boundaries
  if (
    !Array.isArray(spec.boundaries) ||
    b.length === 0 ||
    !b.every((x) => typeof x === 'number' && Number.isFinite(x))
  ) {
    throw specError('bucket', 'boundaries', 'boundaries must be a non-empty list of finite numbers')
  }
  for (let i = 1; i < b.length; i++) {
    if (!(b[i]! > b[i - 1]!))
      throw specError('bucket', 'boundaries', 'boundaries must be strictly ascending')
  }
  const labels = b.map((lo, i) => (i + 1 < b.length ? rangeLabel(lo, b[i + 1]!) : `${lo}+`))
  const below = `<${b[0]}`
  return (v) => {
    // Binary search for the last boundary <= v.
    let lo = 0
    let hi = b.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (b[mid]! <= v) lo = mid + 1
      else hi = mid
    }
    return lo === 0 ? below : labels[lo - 1]!
  }
}

/**
 * Buckets a column of numbers (numbers, bigints or numeric strings); nulls stay null, other
 * values throw `ERR_PROTECT_INVALID_VALUE` with their row.
 *
 * @example
 * ```ts
 * bucketNumbers([34, null, '7'], { width: 10 }) // ['30-39', null, '0-9']
 * bucketNumbers([12, 30, 80], { boundaries: [18, 30, 65] }) // ['<18', '30-64', '65+']
 * ```
 */
export function bucketNumbers(
  values: Column<number | bigint | string>,
  spec: NumberBucketSpec,
): (string | null)[] {
  const bucket = numberBucketer(spec)
  return mapColumn(values, (v, row) => bucket(toNumber(v, row)))
}
