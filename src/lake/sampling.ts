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

/** Column samples being accumulated from batches. */
export type Samples = { name: string; values: CellValue[] }[]

/** Adds a batch's values to the samples (creating them from its columns). */
export function addBatch(samples: Samples | undefined, batch: RecordBatch): Samples {
  const s = samples ?? batch.columns.map((c) => ({ name: c.name, values: [] as CellValue[] }))
  batch.values.forEach((col, i) => s[i]?.values.push(...col))
  return s
}

/** Rows in the samples so far. */
export function sampledRows(samples: Samples | undefined): number {
  return samples?.[0]?.values.length ?? 0
}

/** Adds up to `limit` rows of one plaintext Parquet buffer to the samples. */
export async function sampleParquet(
  engine: DuckDbEngine,
  parquet: Uint8Array,
  samples: Samples | undefined,
  limit = SAMPLE_ROWS,
): Promise<Samples | undefined> {
  let s = samples
  const files = (async function* () {
    yield await Promise.resolve(parquet)
  })()
  for await (const batch of engine.readBatches(files, { limit: limit - sampledRows(s) }))
    s = addBatch(s, batch)
  return s
}

/** Classifies sampled columns with the lake's discovery engine. */
export function classifySamples(
  samples: readonly ColumnSample[] | undefined,
  engine: DiscoveryEngine,
  options: ClassifyOptions = {},
): ColumnFinding[] {
  return classifyColumns(samples ?? [], engine, options)
}
