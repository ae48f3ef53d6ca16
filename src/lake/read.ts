/**
 * Read: catalog version → files → decrypt (envelope, in memory) → DuckDB over anonymous
 * in-memory files → batches or an output file. This is the one path to the data; there
 * is no other way to the files.
 */
import type { FileRecord } from '../catalog/catalog.js'
import type { RecordBatch } from '../core/batch.js'
import { formatDatasetName } from '../core/names.js'
import type { DatasetSchema } from '../core/schema.js'
import { StrongroomError } from '../errors.js'
import type { OutputSink } from '../formats/engine.js'
import { decryptStream, fileAad } from '../keys/envelope.js'
import { collect } from '../lib/streams.js'
import type { ColumnProtection } from '../protect/plan.js'
import { protectBatches, resolveSpec, type ProtectSpecSource } from '../protect/pipeline.js'
import { loadOrCreateLakeTransformKey } from '../protect/transform-keys.js'
import { throwIfAborted, type LakeContext, type OperationOptions } from './context.js'
import { requireDataset, requireVersion } from './datasets.js'

/** Options for {@link readBatches} and {@link readToFile}. */
export interface ReadOptions extends OperationOptions {
  /** A version number; the current version when omitted. */
  readonly version?: number
  /** Columns to return, in this order; all when omitted. */
  readonly columns?: readonly string[]
  /** At most this many rows. */
  readonly limit?: number
}

/** Output formats for {@link readToFile}. */
export type OutputFormat = 'csv' | 'jsonl' | 'parquet'

/** What a read to a file wrote. */
export interface ReadToFileResult {
  readonly dataset: string
  readonly datasetId: string
  readonly version: number
  /** The columns written, in order. */
  readonly schema: DatasetSchema
  readonly rows: number
  readonly bytes: number
  /** For a protected export: what happened to each column (names and transforms only). */
  readonly protection?: readonly ColumnProtection[]
}

/** A protected export: the spec (file path or parsed) and rows sampled to compile it. */
export interface ProtectExportOptions {
  readonly spec: ProtectSpecSource
  /** Rows sampled for classification rules and FPE domain checks (default 1,000). */
  readonly sample?: number
}

/** Decrypts one data file into memory, verifying every segment. */
export async function decryptFile(
  ctx: LakeContext,
  file: FileRecord,
  signal?: AbortSignal,
): Promise<Buffer> {
  const dek = await ctx.keys.dek(file.datasetId, file.id, file.kekVersion, file.wrappedDek)
  try {
    const ciphertext = await ctx.store.get(file.objectKey, signal === undefined ? {} : { signal })
    return await collect(
      decryptStream(ciphertext, {
        dek,
        aad: fileAad({ datasetId: file.datasetId, version: file.createdVersion, fileId: file.id }),
      }),
    )
  } finally {
    dek.fill(0)
  }
}

async function* plaintextFiles(
  ctx: LakeContext,
  files: readonly FileRecord[],
  options: ReadOptions,
): AsyncIterable<Uint8Array> {
  let done = 0
  for (const f of files) {
    throwIfAborted(options.signal)
    yield await decryptFile(ctx, f, options.signal)
    done += 1
    options.onProgress?.({ phase: 'read', done, total: files.length })
  }
}

async function plan(ctx: LakeContext, dataset: string, options: ReadOptions) {
  const ds = await requireDataset(ctx, dataset)
  const v = await requireVersion(ctx, ds, options.version)
  if (options.columns !== undefined) {
    const known = new Set(v.schema.columns.map((c) => c.name))
    const missing = options.columns.filter((c) => !known.has(c))
    if (missing.length > 0)
      throw new StrongroomError(
        'ERR_COLUMN_NOT_FOUND',
        `Unknown column(s): ${missing.join(', ')}`,
        {
          details: { dataset: formatDatasetName(ds) },
        },
      )
  }
  if (options.limit !== undefined && (!Number.isInteger(options.limit) || options.limit < 0))
    throw new StrongroomError('ERR_USAGE_INVALID_ARGUMENT', 'limit must be a non-negative integer')
  const records = await ctx.catalog.getFiles(v.fileIds)
  const byId = new Map(records.map((f) => [f.id, f]))
  const files = v.fileIds.map((id) => {
    const f = byId.get(id)
    if (f === undefined)
      throw new StrongroomError(
        'ERR_CATALOG_CORRUPT',
        'A version refers to a file the catalog lacks',
        { details: { fileId: id } },
      )
    return f
  })
  return { ds, v, files }
}

function engineOptions(options: ReadOptions) {
  return {
    ...(options.columns === undefined ? {} : { columns: [...options.columns] }),
    ...(options.limit === undefined ? {} : { limit: options.limit }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  }
}

/**
 * Streams a dataset version as record batches.
 *
 * @example
 * ```ts
 * for await (const batch of readBatches(ctx, 'crm.customers', { columns: ['email'] })) …
 * ```
 */
export async function* readBatches(
  ctx: LakeContext,
  dataset: string,
  options: ReadOptions = {},
): AsyncIterable<RecordBatch> {
  const { files } = await plan(ctx, dataset, options)
  yield* ctx.engine.readBatches(plaintextFiles(ctx, files, options), engineOptions(options))
}

/** Options for {@link readToFile}. */
export type ReadToFileOptions = ReadOptions & {
  readonly format: OutputFormat
  readonly out: string | OutputSink
  /** De-identify on the way out with this protection spec (keys from the lake). */
  readonly protect?: ProtectExportOptions
}

/**
 * Writes a dataset version to a CSV, JSONL or Parquet file (or `-` for stdout); with
 * `protect`, through a protection plan (see {@link protectedExport}).
 */
export async function readToFile(
  ctx: LakeContext,
  dataset: string,
  options: ReadToFileOptions,
): Promise<ReadToFileResult> {
  if (options.protect !== undefined) return protectedExport(ctx, dataset, options.protect, options)
  const { ds, v, files } = await plan(ctx, dataset, options)
  const r = await ctx.engine.writeOutput(plaintextFiles(ctx, files, options), {
    ...engineOptions(options),
    format: options.format,
    out: options.out,
  })
  const schema: DatasetSchema =
    options.columns === undefined
      ? v.schema
      : {
          columns: options.columns.flatMap((n) => v.schema.columns.filter((c) => c.name === n)),
        }
  return {
    dataset: formatDatasetName(ds),
    datasetId: ds.id,
    version: v.version,
    schema,
    rows: r.rows,
    bytes: r.bytes,
  }
}

/**
 * A protected export: the version's batches go through the spec's plan (column rules, and
 * classification rules decided on a sample) before the writer sees them. The transform master
 * key is the lake's own, unwrapped by the key provider only when a keyed transform needs it.
 * Nothing is written when the spec is invalid.
 */
async function protectedExport(
  ctx: LakeContext,
  dataset: string,
  protect: ProtectExportOptions,
  options: ReadToFileOptions,
): Promise<ReadToFileResult> {
  const parsed = await resolveSpec(protect.spec)
  const { ds, v, files } = await plan(ctx, dataset, options)
  const selected =
    options.columns === undefined
      ? v.schema.columns
      : options.columns.flatMap((n) => v.schema.columns.filter((c) => c.name === n))
  // A column classified by hand (or in the lake's configuration) keeps that type for
  // classification rules; detection on the sample decides the rest.
  const overrides: Record<string, string> = {
    ...(ctx.config.discovery.overrides[formatDatasetName(ds)] ?? {}),
  }
  if (Object.keys(parsed.spec.classifications).length > 0) {
    for (const c of await ctx.catalog.currentClassifications(ds.id))
      if (c.source === 'manual') overrides[c.column] = c.entityType
  }
  let master: Buffer | undefined
  try {
    const stream = await protectBatches(
      ctx.engine,
      ctx.engine.readBatches(plaintextFiles(ctx, files, options), engineOptions(options)),
      parsed,
      {
        schema: selected,
        discovery: ctx.discovery,
        overrides,
        master: async () => {
          master = await loadOrCreateLakeTransformKey(ctx.store, ctx.keyProvider)
          return master
        },
        ...(protect.sample === undefined ? {} : { sample: protect.sample }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      },
    )
    const r = await ctx.engine.writeOutput(stream.parquet, {
      format: options.format,
      out: options.out,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    })
    return {
      dataset: formatDatasetName(ds),
      datasetId: ds.id,
      version: v.version,
      schema: { columns: stream.plan.output },
      rows: r.rows,
      bytes: r.bytes,
      protection: stream.plan.columns,
    }
  } finally {
    master?.fill(0)
  }
}
