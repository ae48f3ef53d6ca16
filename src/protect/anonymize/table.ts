/**
 * The tabular shape the anonymization layer works on: named columns of string cells.
 */

/** Rows of string cells under named columns. */
export interface Table {
  readonly columns: readonly string[]
  readonly rows: readonly (readonly string[])[]
}
