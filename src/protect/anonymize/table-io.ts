/**
 * Tables in and out of files for anonymization: the input goes through the engine (CSV
 * with its delimiter detected, `;` included, JSONL or Parquet, every column as text, so
 * `01` stays `01` and matches its hierarchy); the release is written as CSV (the input's
 * delimiter) or JSONL, atomically.
 */
import { open, rename, rm } from 'node:fs/promises'
import type { CellValue } from '../../core/batch.js'
import { StrongroomError } from '../../errors.js'
import type { DuckDbEngine } from '../../formats/duckdb-engine.js'
import type { InputFormat } from '../../formats/engine.js'
import type { Table } from './table.js'

const DELIMITERS = [',', ';', '\t', '|'] as const

/**
 * The delimiter of a CSV header line: the candidate occurring most often outside quotes
 * (`,` on a tie or when none occurs).
 */
export function detectDelimiter(headerLine: string): string {
  const counts = new Map<string, number>()
  let quoted = false
  for (const ch of headerLine) {
    if (ch === '"') quoted = !quoted
    else if (!quoted && (DELIMITERS as readonly string[]).includes(ch))
      counts.set(ch, (counts.get(ch) ?? 0) + 1)
  }
  let best = ','
  let most = 0
  for (const d of DELIMITERS) {
    const n = counts.get(d) ?? 0
    if (n > most) {
      best = d
      most = n
    }
  }
  return best
}

async function firstLine(path: string): Promise<string> {
  const fh = await open(path, 'r').catch(() => {
    throw new StrongroomError('ERR_INPUT_NOT_FOUND', 'The input file does not exist', {
      details: { path },
    })
  })
  try {
    const buf = Buffer.alloc(65536)
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0)
    const text = buf.subarray(0, bytesRead).toString('utf8')
    const nl = text.indexOf('\n')
    return nl < 0 ? text : text.slice(0, nl)
  } finally {
    await fh.close()
  }
}

/** A file read as a table of text cells, with the CSV delimiter it used. */
export async function readTable(
  engine: DuckDbEngine,
  path: string,
  format: InputFormat,
): Promise<{ table: Table; delimiter: string }> {
  const delimiter = format === 'csv' ? detectDelimiter(await firstLine(path)) : ','
  let columns: string[] | undefined
  const rows: string[][] = []
  for await (const chunk of engine.convertToParquet(
    { path, format, delimiter },
    { allVarchar: true },
  )) {
    const files = (async function* () {
      yield await Promise.resolve(chunk.bytes)
    })()
    for await (const batch of engine.readBatches(files)) {
      columns ??= batch.columns.map((c) => c.name)
      for (let r = 0; r < batch.rowCount; r++)
        rows.push(batch.values.map((col) => cellText(col[r] ?? null)))
    }
    chunk.bytes.fill(0)
  }
  return { table: { columns: columns ?? [], rows }, delimiter }
}

function cellText(v: CellValue): string {
  if (v === null) return ''
  if (v instanceof Date) return v.toISOString()
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64')
  return typeof v === 'string' ? v : String(v)
}

function csvField(value: string, delimiter: string): string {
  return value.includes(delimiter) || /["\r\n]/.test(value)
    ? `"${value.replaceAll('"', '""')}"`
    : value
}

/** Writes `table` to `path` (CSV with `delimiter`, or JSONL for `.jsonl`) atomically. */
export async function writeTable(path: string, table: Table, delimiter = ','): Promise<void> {
  const jsonl = /\.jsonl?$/i.test(path)
  const lines: string[] = jsonl
    ? table.rows.map((r) =>
        JSON.stringify(Object.fromEntries(table.columns.map((c, i) => [c, r[i] ?? null]))),
      )
    : [
        table.columns.map((c) => csvField(c, delimiter)).join(delimiter),
        ...table.rows.map((r) => r.map((v) => csvField(v, delimiter)).join(delimiter)),
      ]
  const tmp = `${path}.tmp-${process.pid}`
  try {
    const fh = await open(tmp, 'wx', 0o600)
    try {
      await fh.writeFile(lines.join('\n') + '\n')
      await fh.sync()
    } finally {
      await fh.close()
    }
    await rename(tmp, path)
  } catch (e) {
    await rm(tmp, { force: true })
    throw new StrongroomError('ERR_STORAGE_WRITE_FAILED', 'Could not write the output file', {
      details: { path },
      cause: e,
    })
  }
}
