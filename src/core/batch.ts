import type { ColumnSchema } from './schema.js'

/** A scalar value as Strongroom hands it to JavaScript. */
export type CellValue = string | number | bigint | boolean | Date | Uint8Array | null

/**
 * A record batch: a columnar chunk of rows (a few thousand to tens of thousands). Stages
 * pass batches as `AsyncIterable<RecordBatch>` so memory stays flat on large inputs.
 */
export interface RecordBatch {
  readonly columns: readonly ColumnSchema[]
  /** Column-major values: `values[c][r]` is column `c` of row `r`. */
  readonly values: readonly (readonly CellValue[])[]
  readonly rowCount: number
}
