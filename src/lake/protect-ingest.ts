/**
 * Protection on ingest: the input's plaintext Parquet chunks go through a protection plan
 * before they are encrypted, so the lake only ever stores the de-identified columns. Each
 * input chunk becomes one protected chunk (one data file), as without protection.
 */
import type { CellValue, RecordBatch } from '../core/batch.js'
import { formatDatasetName } from '../core/names.js'
import type { ParquetChunk } from '../formats/engine.js'
import type { ColumnProtection } from '../protect/plan.js'
import { protectBatches, resolveSpec, type ProtectSpecSource } from '../protect/pipeline.js'
import { loadOrCreateLakeTransformKey } from '../protect/transform-keys.js'
import type { LakeContext } from './context.js'

/** Protect-on-ingest options: the spec (file path or parsed) and rows sampled to compile it. */
export interface IngestProtectOptions {
  readonly spec: ProtectSpecSource
  readonly sample?: number
}

/** The protected chunks, and (once the first is read) what happened to each column. */
export interface ProtectedChunks {
  readonly chunks: AsyncIterable<ParquetChunk>
  readonly columns: readonly ColumnProtection[]
  /** Zeroes the transform master key, if it was unwrapped. */
  close(): void
}

/** One batch holding every row of `batches` (same columns), column by column. */
function concat(batches: readonly RecordBatch[]): RecordBatch | undefined {
  const first = batches[0]
  if (first === undefined) return undefined
  if (batches.length === 1) return first
  const values = first.columns.map((_, c) => {
    const out: CellValue[] = []
    for (const b of batches) for (const v of b.values[c] ?? []) out.push(v)
    return out
  })
  return { columns: first.columns, values, rowCount: values[0]?.length ?? 0 }
}

/**
 * Wraps an ingest's chunk stream with a protection plan. Fails before any chunk is yielded
 * when the spec is invalid or a key is missing, so nothing is stored.
 */
export async function protectChunks(
  ctx: LakeContext,
  dataset: { namespace: string; name: string; subjectColumn?: string | null },
  source: AsyncIterable<ParquetChunk>,
  options: IngestProtectOptions,
  signal?: AbortSignal,
): Promise<ProtectedChunks> {
  const parsed = await resolveSpec(options.spec)
  const engine = ctx.engine
  // One batch per input chunk, so each chunk stays one data file after protection.
  const batches = (async function* () {
    for await (const chunk of source) {
      const parts: RecordBatch[] = []
      try {
        for await (const b of engine.readBatches(
          (async function* () {
            yield await Promise.resolve(chunk.bytes)
          })(),
        ))
          parts.push(b)
      } finally {
        chunk.bytes.fill(0)
      }
      const whole = concat(parts)
      if (whole !== undefined) yield whole
    }
  })()
  let master: Buffer | undefined
  const stream = await protectBatches(engine, batches, parsed, {
    discovery: ctx.discovery,
    overrides: ctx.config.discovery.overrides[formatDatasetName(dataset)] ?? {},
    // The token vault (`vault` rules) lives in the catalog; its default subject is the
    // dataset's subject column.
    vault: ctx.catalog,
    subjectColumn: dataset.subjectColumn,
    master: async () => {
      master = await loadOrCreateLakeTransformKey(ctx.store, ctx.keyProvider)
      return master
    },
    ...(options.sample === undefined ? {} : { sample: options.sample }),
    ...(signal === undefined ? {} : { signal }),
  })
  const chunks = (async function* () {
    let firstRow = 0
    for await (const bytes of stream.parquet) {
      const info = await engine.inspectParquet(bytes)
      yield { bytes, rowCount: info.rowCount, schema: info.schema, firstRow }
      firstRow += info.rowCount
    }
  })()
  return {
    chunks,
    columns: stream.plan.columns,
    close: () => master?.fill(0),
  }
}
