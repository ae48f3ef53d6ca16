/**
 * Reading columns for a release: locating them in the caller's data and turning numeric
 * cells into exact integers. Decimals become integers through a fixed-point scale (`scale`
 * decimal digits: with scale 2, `12.34` is the integer 1234), so every mechanism works on
 * integers and its noise is exact.
 */
import type { CellValue, RecordBatch } from '../../core/batch.js'
import { StrongroomError } from '../../errors.js'
import { Rational } from './rational.js'

/** Data a release reads: named columns, one record batch, or several. */
export type ColumnsInput =
  Readonly<Record<string, readonly CellValue[]>> | RecordBatch | readonly RecordBatch[]

function isBatch(x: unknown): x is RecordBatch {
  return typeof x === 'object' && x !== null && 'columns' in x && 'values' in x && 'rowCount' in x
}

function batches(input: ColumnsInput): readonly RecordBatch[] | undefined {
  if (Array.isArray(input)) return input as readonly RecordBatch[]
  if (isBatch(input)) return [input]
  return undefined
}

/** The number of rows in the input. */
export function rowCount(input: ColumnsInput): number {
  const bs = batches(input)
  if (bs) return bs.reduce((n, b) => n + b.rowCount, 0)
  const cols = Object.values(input as Readonly<Record<string, readonly CellValue[]>>)
  return cols.reduce((n, c) => Math.max(n, c.length), 0)
}

/** True when the input has a column of that name. */
export function hasColumn(input: ColumnsInput, name: string): boolean {
  const bs = batches(input)
  if (bs) return bs.length === 0 || bs.every((b) => b.columns.some((c) => c.name === name))
  return Object.hasOwn(input, name)
}

/** All values of a column, in row order (batches concatenated). */
export function columnValues(input: ColumnsInput, name: string): readonly CellValue[] {
  const bs = batches(input)
  if (!bs) return (input as Readonly<Record<string, readonly CellValue[]>>)[name] ?? []
  const out: CellValue[] = []
  for (const b of bs) {
    const i = b.columns.findIndex((c) => c.name === name)
    const col = b.values[i]
    if (col) for (const v of col) out.push(v)
  }
  return out
}

/** Rounds to the nearest integer, halves away from zero. */
function roundHalfAway(r: Rational): bigint {
  const a = r.abs()
  const n = a.add(Rational.of(1n, 2n)).floor()
  return r.sign() < 0 ? -n : n
}

/**
 * A cell as a fixed-point integer (`value × 10^scale`, rounded half away from zero), null
 * for SQL NULL, or undefined when it is not a number.
 */
export function toFixedPoint(value: CellValue, factor: bigint): bigint | null | undefined {
  if (value === null) return null
  if (typeof value === 'bigint') return value * factor
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return undefined
    if (Number.isSafeInteger(value)) return BigInt(value) * factor
    return roundHalfAway(Rational.from(value).mul(factor))
  }
  if (typeof value === 'string') {
    try {
      return roundHalfAway(Rational.parse(value).mul(factor))
    } catch {
      return undefined
    }
  }
  return undefined
}

/**
 * The non-null values of a numeric column as fixed-point integers. A non-numeric cell stops
 * the release before any budget is spent (`ERR_INPUT_TYPE_MISMATCH`, naming the row only).
 */
export function numericColumn(
  values: readonly CellValue[],
  column: string,
  factor: bigint,
): bigint[] {
  const out: bigint[] = []
  for (let row = 0; row < values.length; row++) {
    const v = toFixedPoint(values[row] ?? null, factor)
    if (v === undefined) {
      throw new StrongroomError(
        'ERR_INPUT_TYPE_MISMATCH',
        `column ${column} row ${row} is not numeric; nothing was released`,
        { details: { column, row } },
      )
    }
    if (v !== null) out.push(v)
  }
  return out
}

/** Clamps into `[lower, upper]`. */
export function clamp(x: bigint, lower: bigint, upper: bigint): bigint {
  return x < lower ? lower : x > upper ? upper : x
}

/**
 * A stable identity for a category value, distinguishing types (`1` vs `"1"`, null vs
 * `"null"`), used to match rows against declared histogram keys.
 */
export function keyId(value: CellValue): string {
  if (value === null) return 'null'
  if (value instanceof Date) return `date:${value.toISOString()}`
  if (value instanceof Uint8Array) return `bytes:${Buffer.from(value).toString('hex')}`
  return `${typeof value}:${String(value)}`
}
