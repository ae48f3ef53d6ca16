/** Logical column types Strongroom records in the catalog. */
export type ColumnType =
  'string' | 'int64' | 'float64' | 'boolean' | 'date' | 'timestamp' | 'decimal' | 'binary' | 'other'

/** One column of a dataset schema. */
export interface ColumnSchema {
  readonly name: string
  readonly type: ColumnType
  /** The engine's own type name (e.g. DuckDB `VARCHAR`), for exactness. */
  readonly physicalType: string
  readonly nullable: boolean
}

/** A dataset schema: ordered columns. */
export interface DatasetSchema {
  readonly columns: readonly ColumnSchema[]
}
