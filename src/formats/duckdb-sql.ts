/**
 * Small, safe SQL-building helpers for the DuckDB engine. Only identifiers (column names),
 * engine-owned paths, type names and integers are ever put into SQL text; data values never
 * are.
 */
import type { ColumnType } from '../core/schema.js'

/** A double-quoted SQL identifier; embedded `"` doubled (SQL standard). */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

/** A single-quoted SQL string literal; embedded `'` doubled. DuckDB treats `\` literally here. */
export function quoteLiteral(s: string): string {
  return `'${s.replaceAll("'", "''")}'`
}

/**
 * DuckDB type names we accept from the sniffer or DESCRIBE before putting them into SQL:
 * upper-case words, digits, parentheses, commas, spaces (`DECIMAL(18,3)`,
 * `TIMESTAMP WITH TIME ZONE`, `STRUCT(a BIGINT)` is rejected and read as text instead).
 */
const SIMPLE_TYPE = /^[A-Z][A-Z0-9_ ]*(\(\d+(, ?\d+)?\))?$/

/** True when `t` is a plain DuckDB type name safe to embed. */
export function isSimpleType(t: string): boolean {
  return SIMPLE_TYPE.test(t)
}

/** A DuckDB STRUCT literal `{'name': 'TYPE', …}` for `read_csv(columns=…)`. */
export function columnsStruct(names: readonly string[], types: readonly string[]): string {
  return `{${names.map((n, i) => `${quoteLiteral(n)}: ${quoteLiteral(types[i] ?? 'VARCHAR')}`).join(', ')}}`
}

/**
 * Maps a DuckDB type name to Strongroom's logical {@link ColumnType}.
 *
 * Unsigned 64-bit and 128-bit integers map to `int64` too: the logical type says "integer",
 * the exact width stays in `physicalType`.
 */
export function columnTypeOf(duckType: string): ColumnType {
  const t = duckType.toUpperCase()
  if (t === 'VARCHAR' || t.startsWith('ENUM') || t === 'UUID') return 'string'
  if (
    /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|INT\d*)$/.test(
      t,
    )
  )
    return 'int64'
  if (t === 'DOUBLE' || t === 'FLOAT' || t === 'REAL') return 'float64'
  if (t === 'BOOLEAN') return 'boolean'
  if (t === 'DATE') return 'date'
  if (t.startsWith('TIMESTAMP')) return 'timestamp'
  if (t.startsWith('DECIMAL')) return 'decimal'
  if (t === 'BLOB') return 'binary'
  return 'other'
}
