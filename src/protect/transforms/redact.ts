/**
 * Redaction: remove a column's content entirely, by dropping the column, nulling every value,
 * or replacing every value with one constant.
 */
import type { Column } from './column.js'
import { mapColumn, specError } from './column.js'

/** How to redact; see {@link redactColumn}. */
export type RedactSpec =
  | { readonly mode: 'drop' }
  | { readonly mode: 'null' }
  | { readonly mode: 'constant'; readonly value: string }

/** The result: either the column is dropped from the output, or these are its values. */
export type RedactResult =
  { readonly drop: true } | { readonly drop: false; readonly values: (string | null)[] }

/**
 * Redacts a column. `drop` removes it from the output table (the caller omits it), `null`
 * empties every value, `constant` writes `value` in every non-null row (nulls stay null, so
 * missingness is preserved; use `null` mode to hide that too).
 *
 * @example
 * ```ts
 * redactColumn(['x', null, 'y'], { mode: 'constant', value: 'REDACTED' })
 * // { drop: false, values: ['REDACTED', null, 'REDACTED'] }
 * redactColumn(['x'], { mode: 'drop' }) // { drop: true }
 * ```
 */
export function redactColumn(values: Column<unknown>, spec: RedactSpec): RedactResult {
  switch (spec.mode) {
    case 'drop':
      return { drop: true }
    case 'null':
      return { drop: false, values: new Array<string | null>(values.length).fill(null) }
    case 'constant': {
      const value = spec.value
      if (typeof value !== 'string') throw specError('redact', 'value', 'value must be a string')
      return { drop: false, values: mapColumn(values, () => value) }
    }
    default:
      throw specError('redact', 'mode', 'mode must be drop, null or constant')
  }
}
