/**
 * `scan`: classify the columns of a file (without ingesting it) or of a dataset, from a
 * sample of rows. Values stay in memory; the report names columns, types, shares and row
 * numbers only.
 */
import type { CellValue } from '../core/batch.js'
import {
  classifyColumns,
  type ColumnFinding,
  type ColumnSample,
} from '../discovery/classify-columns.js'
import { createDefaultRegistry } from '../discovery/default-registry.js'
import type { DuckDbEngine } from '../formats/duckdb-engine.js'
import type { LakeContext } from './context.js'
import type { IngestFormat } from './ingest.js'
import { inferFormat } from './ingest.js'
import { readBatches } from './read.js'

/** A scan report. */
export interface ScanReport {
  readonly source: string
  readonly rowsSampled: number
  readonly columns: readonly ColumnFinding[]
}

const DETECTORS = createDefaultRegistry()

function addBatch(
  samples: { name: string; values: CellValue[] }[] | undefined,
  batch: { columns: readonly { name: string }[]; values: readonly (readonly CellValue[])[] },
): { name: string; values: CellValue[] }[] {
  const s = samples ?? batch.columns.map((c) => ({ name: c.name, values: [] as CellValue[] }))
  batch.values.forEach((col, i) => s[i]?.values.push(...col))
  return s
}

function report(source: string, samples: ColumnSample[] | undefined): ScanReport {
  const columns = classifyColumns(samples ?? [], DETECTORS)
  return { source, rowsSampled: samples?.[0]?.values.length ?? 0, columns }
}

/** Scans a CSV, JSONL or Parquet file: converts the first chunk in memory and samples it. */
export async function scanFile(
  engine: DuckDbEngine,
  path: string,
  options: { format?: IngestFormat; sample?: number } = {},
): Promise<ScanReport> {
  const format = options.format ?? inferFormat(path)
  const limit = options.sample ?? 1000
  let samples: { name: string; values: CellValue[] }[] | undefined
  for await (const chunk of engine.convertToParquet({ path, format })) {
    const bytes = chunk.bytes
    for await (const batch of engine.readBatches(
      (async function* () {
        yield await Promise.resolve(bytes)
      })(),
      { limit: limit - (samples?.[0]?.values.length ?? 0) },
    ))
      samples = addBatch(samples, batch)
    bytes.fill(0)
    if ((samples?.[0]?.values.length ?? 0) >= limit) break
  }
  return report(path, samples)
}

/** Scans a dataset's current version (first rows, through the one read path). */
export async function scanDataset(
  ctx: LakeContext,
  dataset: string,
  options: { sample?: number } = {},
): Promise<ScanReport> {
  let samples: { name: string; values: CellValue[] }[] | undefined
  for await (const batch of readBatches(ctx, dataset, { limit: options.sample ?? 1000 }))
    samples = addBatch(samples, batch)
  return report(dataset, samples)
}
