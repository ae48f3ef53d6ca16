/**
 * Row samples for column classification, shared by ingest (classify on the way in) and
 * `scan` (classify a file or dataset on request).
 */
import type { CellValue, RecordBatch } from '../core/batch.js'
import {
  classifyColumns,
  type ClassifyOptions,
  type ColumnFinding,
  type ColumnSample,
} from '../discovery/classify-columns.js'
import type { DiscoveryEngine } from '../discovery/discovery-engine.js'
import type { DuckDbEngine } from '../formats/duckdb-engine.js'

/** Rows sampled by default. */
export const SAMPLE_ROWS = 1000

/** Rows sampled from each chunk after the first, so a large file is seen beyond its start. */
export const LATER_CHUNK_ROWS = 100
/** Most rows sampled from one input, all chunks together. */
export const MAX_SAMPLE_ROWS = 5000

/**
 * Column samples being accumulated from batches; `rows` holds each sampled value's row
 * number in the input (shared by all columns).
 */
export type Samples = { name: string; values: CellValue[]; rows: number[] }[]

/** Adds a batch's values to the samples; `firstRow` is the batch's first row number. */
export function addBatch(
  samples: Samples | undefined,
  batch: RecordBatch,
  firstRow = sampledRows(samples),
): Samples {
  const s =
    samples ??
    batch.columns.map((c) => ({ name: c.name, values: [] as CellValue[], rows: [] as number[] }))
  batch.values.forEach((col, i) => {
    const target = s[i]
    if (target === undefined) return
    target.values.push(...col)
    for (let r = 0; r < col.length; r++) target.rows.push(firstRow + r)
  })
  return s
}

/** Rows in the samples so far. */
export function sampledRows(samples: Samples | undefined): number {
  return samples?.[0]?.values.length ?? 0
}

/**
 * Adds the first rows of one plaintext Parquet buffer to the samples, until the samples
 * hold `limit` rows; `firstRow` is the buffer's first row number in the input.
 */
export async function sampleParquet(
  engine: DuckDbEngine,
  parquet: Uint8Array,
  samples: Samples | undefined,
  limit = SAMPLE_ROWS,
  firstRow = 0,
): Promise<Samples | undefined> {
  let s = samples
  const wanted = limit - sampledRows(s)
  if (wanted <= 0) return s
  const files = (async function* () {
    yield await Promise.resolve(parquet)
  })()
  let row = firstRow
  for await (const batch of engine.readBatches(files, { limit: wanted })) {
    s = addBatch(s, batch, row)
    row += batch.rowCount
  }
  return s
}

/** How many rows to sample from the next chunk of an input: all of the first 1,000, then 100. */
export function chunkSampleLimit(samples: Samples | undefined): number {
  const have = sampledRows(samples)
  return have === 0 ? SAMPLE_ROWS : Math.min(MAX_SAMPLE_ROWS, have + LATER_CHUNK_ROWS)
}

/** Classifies sampled columns with the lake's discovery engine. */
export function classifySamples(
  samples: readonly ColumnSample[] | undefined,
  engine: DiscoveryEngine,
  options: ClassifyOptions = {},
): ColumnFinding[] {
  return classifyColumns(samples ?? [], engine, options)
}
