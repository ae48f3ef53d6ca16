/**
 * Byte-level CSV helpers for chunked ingest (RFC 4180: `"` quotes, `""` escapes a quote,
 * records end at a newline outside quotes, `\r\n` accepted).
 *
 * The fast path ({@link lastRecordEnd}) only tracks quote parity with native `indexOf`
 * scans so a 64 MiB chunk is split in a few milliseconds; DuckDB then parses the chunk. The
 * slow path ({@link findCsvIssue}) walks records one by one and runs only after DuckDB has
 * rejected a chunk, to name the exact record and reason without echoing DuckDB's message
 * (which quotes the offending line, i.e. plaintext).
 */
import { isUtf8 } from 'node:buffer'

const LF = 0x0a
const CR = 0x0d

/** Where the last complete record in a chunk ends, and whether the chunk ends inside quotes. */
export interface RecordEndScan {
  /** Offset just after the last `\n` outside quotes in `[start, end)`, or -1 when none. */
  readonly end: number
  /** True when `end` of the scanned range falls inside a quoted field. */
  readonly inQuotesAtEnd: boolean
}

/**
 * Finds the last record boundary in `buf[start, end)`, where `start` is a record boundary.
 *
 * Each region between quotes is "outside" or "inside" by parity. Quotes are found with
 * `indexOf`; the next newline position is cached and only searched again once passed, and the
 * last newline of an outside region is found by a `lastIndexOf` bounded by that region, so the
 * whole scan is O(n) in native code even for quote-dense data (`""` escapes just flip parity
 * twice, which is exactly right).
 */
export function lastRecordEnd(
  buf: Uint8Array,
  start: number,
  end: number,
  quote: number,
): RecordEndScan {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength)
  let pos = start
  let inQuotes = false
  let lastBoundary = -1
  let nextNl = b.indexOf(LF, pos)
  if (nextNl >= end) nextNl = -1
  for (;;) {
    let nextQ = b.indexOf(quote, pos)
    if (nextQ >= end) nextQ = -1
    if (!inQuotes) {
      if (nextQ === -1) {
        // Outside quotes up to the end: the last newline in [pos, end) wins.
        if (nextNl !== -1 && nextNl >= pos) {
          const nl = b.lastIndexOf(LF, end - 1)
          if (nl >= pos) lastBoundary = nl + 1
        }
        return { end: lastBoundary, inQuotesAtEnd: false }
      }
      if (nextNl !== -1 && nextNl >= pos && nextNl < nextQ) {
        // The last newline before this quote; bounded below by nextNl, so no rescanning.
        lastBoundary = b.lastIndexOf(LF, nextQ - 1) + 1
      }
      inQuotes = true
    } else {
      if (nextQ === -1) return { end: lastBoundary, inQuotesAtEnd: true }
      inQuotes = false
    }
    pos = nextQ + 1
    if (nextNl !== -1 && nextNl < pos) {
      nextNl = b.indexOf(LF, pos)
      if (nextNl >= end) nextNl = -1
    }
  }
}

/** Counts `\n` bytes in `buf[start, end)`: JSONL line numbers for error reports. */
export function countNewlines(buf: Uint8Array, start: number, end: number): number {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength)
  let n = 0
  let i = b.indexOf(LF, start)
  while (i !== -1 && i < end) {
    n++
    i = b.indexOf(LF, i + 1)
  }
  return n
}

/**
 * Offset just after the first `\n` outside quotes in `buf[start, end)` (the header record's
 * end), or -1 when the first record is not complete yet.
 */
export function firstRecordEnd(buf: Uint8Array, start: number, end: number, quote: number): number {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength)
  let pos = start
  for (;;) {
    let nl = b.indexOf(LF, pos)
    if (nl >= end) nl = -1
    let q = b.indexOf(quote, pos)
    if (q >= end) q = -1
    if (nl !== -1 && (q === -1 || nl < q)) return nl + 1
    if (q === -1) return -1
    // Skip the quoted section; `""` inside it is two adjacent quotes and is skipped the same.
    let close = b.indexOf(quote, q + 1)
    if (close >= end) close = -1
    if (close === -1) return -1
    pos = close + 1
  }
}

/** What is wrong with a CSV record, as found by {@link findCsvIssue}. */
export type CsvIssueKind = 'ragged' | 'quote' | 'encoding'

/** A structural problem and the 0-based index of the record (data rows, blank lines skipped). */
export interface CsvIssue {
  readonly kind: CsvIssueKind
  readonly record: number
  /** Fields found, for `ragged`. */
  readonly fields?: number
}

/**
 * Walks `buf[start, end)` record by record and returns the first structural problem: invalid
 * UTF-8, a quote that never closes or is followed by something other than a delimiter or
 * newline, or a field count different from `expectedFields`. Blank lines are skipped and not
 * counted, matching DuckDB. Slow path only: it runs after DuckDB rejected a chunk.
 */
export function findCsvIssue(
  buf: Uint8Array,
  start: number,
  end: number,
  delim: number,
  quote: number,
  expectedFields: number,
): CsvIssue | undefined {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength)
  let i = start
  let record = 0
  while (i < end) {
    const c0 = b[i]
    if (c0 === LF || (c0 === CR && b[i + 1] === LF)) {
      i += c0 === LF ? 1 : 2
      continue
    }
    const recStart = i
    let fields = 1
    for (;;) {
      if (b[i] === quote) {
        let j = i + 1
        for (;;) {
          const q = b.indexOf(quote, j)
          if (q === -1 || q >= end) return { kind: 'quote', record }
          if (b[q + 1] === quote && q + 1 < end) {
            j = q + 2
            continue
          }
          i = q + 1
          break
        }
        const c = i < end ? b[i] : LF
        if (c === delim) {
          fields++
          i++
          continue
        }
        if (c === LF || (c === CR && (i + 1 >= end || b[i + 1] === LF))) break
        return { kind: 'quote', record }
      }
      // Unquoted field: runs to the next delimiter or newline. A quote inside an unquoted
      // field is kept literally, as DuckDB does.
      while (i < end && b[i] !== delim && b[i] !== LF) i++
      if (i < end && b[i] === delim) {
        fields++
        i++
        continue
      }
      break
    }
    const recEnd = i < end ? i + 1 : end
    if (!isUtf8(b.subarray(recStart, recEnd))) return { kind: 'encoding', record }
    if (fields !== expectedFields) return { kind: 'ragged', record, fields }
    record++
    i = recEnd
  }
  return undefined
}

/**
 * Parses one CSV record (the header) starting at `start`. Returns its fields as strings and
 * the offset just past its newline, or undefined when the record is not complete in `buf`.
 */
export function parseCsvRecord(
  buf: Uint8Array,
  start: number,
  end: number,
  delim: number,
  quote: number,
): { fields: string[]; next: number } | undefined {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength)
  const fields: string[] = []
  let i = start
  for (;;) {
    if (i < end && b[i] === quote) {
      const parts: string[] = []
      let j = i + 1
      for (;;) {
        const q = b.indexOf(quote, j)
        if (q === -1 || q >= end) return undefined
        parts.push(b.toString('utf8', j, q))
        if (q + 1 < end && b[q + 1] === quote) {
          parts.push('"')
          j = q + 2
          continue
        }
        i = q + 1
        break
      }
      fields.push(parts.join(''))
    } else {
      let j = i
      while (j < end && b[j] !== delim && b[j] !== LF) j++
      let fieldEnd = j
      if (j < end && b[j] === LF && fieldEnd > i && b[fieldEnd - 1] === CR) fieldEnd--
      fields.push(b.toString('utf8', i, fieldEnd))
      i = j
    }
    if (i >= end) return undefined
    if (b[i] === delim) {
      i++
      continue
    }
    if (b[i] === CR && b[i + 1] === LF) i++
    if (b[i] === LF) return { fields, next: i + 1 }
    return undefined
  }
}
