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
import type { ChunkSampling, SamplePlan } from '../formats/chunk-sample.js'
import type { DuckDbEngine } from '../formats/duckdb-engine.js'
import type { ParquetChunk } from '../formats/engine.js'

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

/** What ingest samples: the first 1,000 rows, then 100 from every later chunk, 5,000 at most. */
export const INGEST_SAMPLING: ChunkSampling = {
  first: SAMPLE_ROWS,
  later: LATER_CHUNK_ROWS,
  total: MAX_SAMPLE_ROWS,
}

/**
 * A converted chunk's rows for ingest's classification: the sample the engine read with
 * the chunk when it has one, else (protected chunks, classified as stored) the chunk's
 * leading rows read back from its Parquet, as many as `plan` still wants.
 */
export async function chunkSample(
  engine: DuckDbEngine,
  chunk: ParquetChunk,
  plan: SamplePlan,
): Promise<Samples> {
  if (chunk.sample !== undefined) {
    plan.took(chunk.sample.rowCount)
    return addBatch(undefined, chunk.sample, chunk.firstRow)
  }
  const wanted = plan.wanted
  if (wanted === 0) return []
  const samples =
    (await sampleParquet(engine, chunk.bytes, undefined, wanted, chunk.firstRow)) ?? []
  plan.took(sampledRows(samples))
  return samples
}

/** Classifies sampled columns with the lake's discovery engine. */
export function classifySamples(
  samples: readonly ColumnSample[] | undefined,
  engine: DiscoveryEngine,
  options: ClassifyOptions = {},
): ColumnFinding[] {
  return classifyColumns(samples ?? [], engine, options)
}
