/**
 * `scan`: classify the columns of a file (without ingesting it) or of a dataset, from a
 * sample of rows. Values stay in memory; the report names columns, types, shares and row
 * numbers only.
 */
import type { ColumnFinding } from '../discovery/classify-columns.js'
import type { DuckDbEngine } from '../formats/duckdb-engine.js'
import type { LakeContext } from './context.js'
import type { IngestFormat } from './ingest.js'
import { inferFormat } from './ingest.js'
import { readBatches } from './read.js'
import {
  SAMPLE_ROWS,
  addBatch,
  classifySamples,
  sampleParquet,
  sampledRows,
  type Samples,
} from './sampling.js'

/** A scan report. */
export interface ScanReport {
  readonly source: string
  readonly rowsSampled: number
  readonly columns: readonly ColumnFinding[]
}

function report(source: string, samples: Samples | undefined): ScanReport {
  return { source, rowsSampled: sampledRows(samples), columns: classifySamples(samples) }
}

/** Scans a CSV, JSONL or Parquet file: converts the first chunk in memory and samples it. */
export async function scanFile(
  engine: DuckDbEngine,
  path: string,
  options: { format?: IngestFormat; sample?: number } = {},
): Promise<ScanReport> {
  const format = options.format ?? inferFormat(path)
  const limit = options.sample ?? SAMPLE_ROWS
  let samples: Samples | undefined
  for await (const chunk of engine.convertToParquet({ path, format })) {
    samples = await sampleParquet(engine, chunk.bytes, samples, limit)
    chunk.bytes.fill(0)
    if (sampledRows(samples) >= limit) break
  }
  return report(path, samples)
}

/** Scans a dataset's current version (first rows, through the one read path). */
export async function scanDataset(
  ctx: LakeContext,
  dataset: string,
  options: { sample?: number } = {},
): Promise<ScanReport> {
  let samples: Samples | undefined
  for await (const batch of readBatches(ctx, dataset, { limit: options.sample ?? SAMPLE_ROWS }))
    samples = addBatch(samples, batch)
  return report(dataset, samples)
}
