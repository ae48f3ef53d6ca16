/**
 * A chunk's leading CSV records typed in JavaScript, for the classification sample. Asking
 * DuckDB for the same rows costs a query per chunk (1–3 ms of CPU alone, 5–15 ms while the
 * other conversion slot keeps its threads busy, measured), and those waits sit on the
 * conversion's critical path. The common shapes (text, BIGINT, DOUBLE, ISO dates and
 * timestamps, true/false) are typed here exactly as the engine reads them; anything else
 * (another type, a custom date format, a carriage return, a value in a form not listed)
 * answers `undefined`, and the engine reads the sample itself. Because the chunk was
 * converted without error, every value is one DuckDB accepted; the checks below only
 * decide whether this reader gives the same value.
 */
import type { CellValue, RecordBatch } from '../core/batch.js'
import type { ColumnSchema } from '../core/schema.js'

const LF = 0x0a
const CR = 0x0d

/** One field: its text and whether it was quoted (a quoted empty field is '', not null). */
interface Field {
  readonly text: string
  readonly quoted: boolean
}

/** Turns a non-null field into the column's value, or undefined when it cannot say. */
type Parse = (f: Field) => CellValue | undefined

/**
 * The first `limit` records of `buf` (whole records, no header) as a batch with `columns`,
 * or undefined when a column's type, a value's form or the layout is not one this reader
 * types exactly as the engine does. `buf` must hold valid UTF-8 records that the engine
 * has accepted with the same columns.
 */
export function parseCsvSample(
  buf: Uint8Array,
  columns: readonly ColumnSchema[],
  delim: number,
  quote: number,
  limit: number,
): RecordBatch | undefined {
  const parsers: Parse[] = []
  for (const c of columns) {
    const p = PARSERS[c.physicalType]
    if (p === undefined) return undefined
    parsers.push(p)
  }
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength)
  // Line endings other than a bare LF are left to the engine's own reading of them.
  if (b.indexOf(CR) !== -1) return undefined
  const values: CellValue[][] = columns.map(() => [])
  let pos = 0
  let rows = 0
  while (rows < limit && pos < b.length) {
    const record = readRecord(b, pos, delim, quote)
    if (record === undefined || record.fields.length !== columns.length) return undefined
    for (let c = 0; c < parsers.length; c++) {
      const f = record.fields[c] as Field
      // Unquoted empty is NULL; quoted empty is an empty string (allow_quoted_nulls=false).
      if (f.text === '' && !f.quoted) {
        ;(values[c] as CellValue[]).push(null)
        continue
      }
      const v = (parsers[c] as Parse)(f)
      if (v === undefined) return undefined
      ;(values[c] as CellValue[]).push(v)
    }
    rows += 1
    pos = record.next
  }
  return { columns, values, rowCount: rows }
}

/**
 * Reads one record from `start`: its fields and the offset after its line feed (or the end
 * of the buffer). Undefined for shapes the engine might read otherwise: an empty line, a
 * quote inside an unquoted field, text after a closing quote.
 */
function readRecord(
  b: Buffer,
  start: number,
  delim: number,
  quote: number,
): { fields: Field[]; next: number } | undefined {
  const end = b.length
  if (b[start] === LF) return undefined
  const fields: Field[] = []
  let i = start
  for (;;) {
    if (i < end && b[i] === quote) {
      let text = ''
      let j = i + 1
      for (;;) {
        const q = b.indexOf(quote, j)
        if (q === -1) return undefined
        text += b.toString('utf8', j, q)
        if (b[q + 1] === quote) {
          text += String.fromCharCode(quote)
          j = q + 2
          continue
        }
        i = q + 1
        break
      }
      fields.push({ text, quoted: true })
    } else {
      let j = i
      while (j < end && b[j] !== delim && b[j] !== LF) {
        if (b[j] === quote) return undefined
        j++
      }
      fields.push({ text: b.toString('utf8', i, j), quoted: false })
      i = j
    }
    if (i >= end) return { fields, next: end }
    if (b[i] === delim) {
      i++
      continue
    }
    if (b[i] === LF) return { fields, next: i + 1 }
    return undefined
  }
}

const INTEGER_RE = /^-?\d{1,19}$/
const DOUBLE_RE = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d{1,3})?$/
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/
const TIMESTAMP_RE = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?$/

/** Typing per DuckDB type; a type not listed is read by the engine. */
const PARSERS: Readonly<Record<string, Parse>> = {
  VARCHAR: (f) => f.text,
  BIGINT: (f) => (INTEGER_RE.test(f.text) ? BigInt(f.text) : undefined),
  DOUBLE: (f) => {
    if (!DOUBLE_RE.test(f.text)) return undefined
    // Both sides round a decimal to the nearest double, so the values are equal.
    const n = Number(f.text)
    return Number.isFinite(n) ? n : undefined
  },
  DATE: (f) => {
    const m = DATE_RE.exec(f.text)
    return m === null ? undefined : utc(m, 0, 0, 0, 0)
  },
  // At most millisecond digits: a JavaScript Date holds no finer time, and the engine's
  // rounding of microseconds is left to it.
  TIMESTAMP: (f) => {
    const m = TIMESTAMP_RE.exec(f.text)
    if (m === null) return undefined
    const ms = m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0'))
    return utc(m, Number(m[4]), Number(m[5]), Number(m[6]), ms)
  },
  BOOLEAN: (f) => (f.text === 'true' ? true : f.text === 'false' ? false : undefined),
}

/**
 * The UTC instant of a matched `YYYY-MM-DD` and a time of day, or undefined when a field
 * is out of range (which the engine would have refused, or read another way).
 */
function utc(
  m: RegExpExecArray,
  hours: number,
  minutes: number,
  seconds: number,
  ms: number,
): Date | undefined {
  const year = Number(m[1])
  const month = Number(m[2])
  const day = Number(m[3])
  if (year < 1 || hours > 23 || minutes > 59 || seconds > 59) return undefined
  const d = new Date(0)
  // setUTCFullYear, not Date.UTC: Date.UTC reads years 0–99 as 1900–1999.
  d.setUTCFullYear(year, month - 1, day)
  d.setUTCHours(hours, minutes, seconds, ms)
  // A day past the month's end rolls over in JavaScript; the engine refuses it.
  if (d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return undefined
  return d
}
