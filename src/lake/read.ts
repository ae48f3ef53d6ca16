/**
 * Read: authorize → plan (columns, row predicate, masks) → catalog version → files →
 * decrypt (envelope, in memory) → DuckDB over anonymous in-memory files → mask → batches or
 * an output file. This is the one path to the data; there is no other way to the files.
 */
import type { DatasetRecord, FileRecord, VersionRecord } from '../catalog/catalog.js'
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
import { requireVersion } from './datasets.js'
import { authorizeDataset, type DatasetDecision } from './access-control.js'
import { checkPurpose, planReadAccess, type ReadAccess } from './read-access.js'
import { compileProtectPlan, protectBatch, type ProtectPlan } from '../protect/plan.js'
import { parseProtectSpec, throwIfIssues } from '../protect/spec.js'

/** Options for {@link readBatches} and {@link readToFile}. */
export interface ReadOptions extends OperationOptions {
  /** A version number; the current version when omitted. */
  readonly version?: number
  /** Columns to return, in this order; all when omitted. */
  readonly columns?: readonly string[]
  /** At most this many rows. */
  readonly limit?: number
  /** Why the data is read (`training`, `analytics`, …); required, policies may use it. */
  readonly purpose?: string
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
  /** The policies that allowed the read. */
  readonly policyIds: readonly string[]
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

/** The files of a version, in the version's order. */
async function filesOf(ctx: LakeContext, v: VersionRecord): Promise<FileRecord[]> {
  const records = await ctx.catalog.getFiles(v.fileIds)
  const byId = new Map(records.map((f) => [f.id, f]))
  return v.fileIds.map((id) => {
    const f = byId.get(id)
    if (f === undefined)
      throw new StrongroomError(
        'ERR_CATALOG_CORRUPT',
        'A version refers to a file the catalog lacks',
        { details: { fileId: id } },
      )
    return f
  })
}

function checkOptions(ds: DatasetRecord, v: VersionRecord, options: ReadOptions): void {
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
}

/** An authorized, planned read: what it reads and what the principal may see of it. */
export interface GovernedRead {
  readonly dataset: string
  readonly ds: DatasetRecord
  readonly version: VersionRecord
  readonly files: readonly FileRecord[]
  readonly access: ReadAccess
  /** The served columns' schema (masked ones as the masks make them). */
  readonly schema: DatasetSchema
}

/** Options of an export: a read whose output leaves the lake for a region. */
export interface ExportOptions {
  /** Where the output goes; the lake's region (`access.region`) when omitted. */
  readonly destinationRegion?: string
}

/**
 * Authorizes and plans a read of a dataset version: the dataset decision (an unknown dataset
 * is told apart from a denied one only for principals that may list the lake), then the
 * column and row plan. Nothing is decrypted.
 */
export async function authorizeRead(
  ctx: LakeContext,
  dataset: string,
  options: ReadOptions,
  exporting?: ExportOptions,
): Promise<GovernedRead> {
  const purpose = checkPurpose(options.purpose)
  const decision = await authorizeDataset(ctx, dataset, 'read', { purpose })
  const { ds } = decision
  const v = await requireVersion(ctx, ds, options.version)
  checkOptions(ds, v, options)
  const access = await planReadAccess(ctx, decision, v, {
    columns: options.columns,
    purpose,
    action: exporting === undefined ? 'read' : 'export',
    destinationRegion: exporting?.destinationRegion,
  })
  const byName = new Map(v.schema.columns.map((c) => [c.name, c]))
  const schema: DatasetSchema = {
    columns: access.columns.flatMap((n) => {
      const c = byName.get(n)
      if (c === undefined) return []
      // A masked column is text (a tag or a partial mask) or NULL of its type.
      const rule = access.masked.get(n)
      return [
        rule !== undefined && rule.transform !== 'redact' ? { ...c, type: 'string' as const } : c,
      ]
    }),
  }
  return {
    dataset: formatDatasetName(ds),
    ds,
    version: v,
    files: await filesOf(ctx, v),
    access,
    schema,
  }
}

function engineOptions(read: GovernedRead, options: ReadOptions) {
  return {
    columns: [...read.access.columns],
    ...(read.access.where === undefined ? {} : { where: read.access.where }),
    ...(options.limit === undefined ? {} : { limit: options.limit }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  }
}

/**
 * Masks the planned columns of each batch with the protect transforms (the plan is compiled
 * once, on the first batch's columns). Batches pass through untouched when nothing is masked.
 */
async function* maskBatches(
  ctx: LakeContext,
  batches: AsyncIterable<RecordBatch>,
  access: ReadAccess,
): AsyncIterable<RecordBatch> {
  if (access.masked.size === 0) {
    yield* batches
    return
  }
  const parsed = parseProtectSpec({ version: 1, columns: Object.fromEntries(access.masked) })
  throwIfIssues(parsed.issues)
  let plan: ProtectPlan | undefined
  let rows = 0
  for await (const b of batches) {
    plan ??= await compileProtectPlan(parsed, {
      schema: b.columns,
      registry: ctx.discovery.registry,
    })
    yield protectBatch(b, plan, rows)
    rows += b.rowCount
  }
}

/** Decrypts, scans and masks an authorized read. */
export function governedBatches(
  ctx: LakeContext,
  read: GovernedRead,
  options: ReadOptions = {},
): AsyncIterable<RecordBatch> {
  return maskBatches(
    ctx,
    ctx.engine.readBatches(plaintextFiles(ctx, read.files, options), engineOptions(read, options)),
    read.access,
  )
}

/**
 * Reads the columns of a version that another decision already allowed, unmasked: for
 * operations whose output is not the values themselves (a discovery scan, a differential
 * privacy release). The caller must hold a {@link DatasetDecision} for the dataset.
 */
export function decidedBatches(
  ctx: LakeContext,
  decision: DatasetDecision,
  v: VersionRecord,
  files: readonly FileRecord[],
  options: ReadOptions = {},
): AsyncIterable<RecordBatch> {
  if (decision.ds.id !== v.datasetId) {
    throw new StrongroomError('ERR_INTERNAL', 'A decision was used for another dataset')
  }
  return ctx.engine.readBatches(plaintextFiles(ctx, files, options), {
    ...(options.columns === undefined ? {} : { columns: [...options.columns] }),
    ...(options.limit === undefined ? {} : { limit: options.limit }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  })
}

/** The files of a version, for {@link decidedBatches}. */
export async function versionFiles(
  ctx: LakeContext,
  decision: DatasetDecision,
  version?: number,
): Promise<{ version: VersionRecord; files: FileRecord[] }> {
  const v = await requireVersion(ctx, decision.ds, version)
  return { version: v, files: await filesOf(ctx, v) }
}

/**
 * Streams a dataset version as record batches, through authorization: hidden columns are
 * left out, masked ones masked, and only the rows the policies allow are read.
 *
 * @example
 * ```ts
 * for await (const batch of readBatches(ctx, 'crm.customers', { columns: ['email'], purpose: 'analytics' })) …
 * ```
 */
export async function* readBatches(
  ctx: LakeContext,
  dataset: string,
  options: ReadOptions = {},
): AsyncIterable<RecordBatch> {
  const read = await authorizeRead(ctx, dataset, options)
  yield* governedBatches(ctx, read, options)
}

/** Options for {@link readToFile}. */
export type ReadToFileOptions = ReadOptions & {
  readonly format: OutputFormat
  readonly out: string | OutputSink
  /** De-identify on the way out with this protection spec (keys from the lake). */
  readonly protect?: ProtectExportOptions
  /** Authorize as an export (Cedar `export`) to this destination instead of a read. */
  readonly export?: ExportOptions
}

/**
 * Writes a dataset version to a CSV, JSONL or Parquet file (or `-` for stdout), through
 * authorization; with `protect`, also through a protection plan (see {@link protectedExport}).
 */
export async function readToFile(
  ctx: LakeContext,
  dataset: string,
  options: ReadToFileOptions,
): Promise<ReadToFileResult> {
  return writeGoverned(ctx, await authorizeRead(ctx, dataset, options, options.export), options)
}

/** Writes an authorized read to its destination. */
export async function writeGoverned(
  ctx: LakeContext,
  read: GovernedRead,
  options: ReadToFileOptions,
): Promise<ReadToFileResult> {
  if (options.protect !== undefined) return protectedExport(ctx, read, options.protect, options)
  const base = {
    dataset: read.dataset,
    datasetId: read.ds.id,
    version: read.version.version,
    schema: read.schema,
    policyIds: read.access.policyIds,
  }
  if (read.access.masked.size === 0) {
    // Nothing to mask: DuckDB writes straight from the decrypted files.
    const r = await ctx.engine.writeOutput(plaintextFiles(ctx, read.files, options), {
      ...engineOptions(read, options),
      format: options.format,
      out: options.out,
    })
    return { ...base, rows: r.rows, bytes: r.bytes }
  }
  const r = await ctx.engine.writeOutput(
    toParquet(ctx, governedBatches(ctx, read, options), read, options.signal),
    { format: options.format, out: options.out, ...signalOf(options) },
  )
  return { ...base, rows: r.rows, bytes: r.bytes }
}

function signalOf(options: OperationOptions): { signal?: AbortSignal } {
  return options.signal === undefined ? {} : { signal: options.signal }
}

/** Batches as Parquet buffers for the writer; an empty read still yields its columns. */
async function* toParquet(
  ctx: LakeContext,
  batches: AsyncIterable<RecordBatch>,
  read: GovernedRead,
  signal: AbortSignal | undefined,
): AsyncIterable<Uint8Array> {
  let any = false
  for await (const b of batches) {
    any = true
    yield await ctx.engine.batchToParquet(b, signal === undefined ? {} : { signal })
  }
  if (!any) {
    const cols = read.schema.columns
    yield await ctx.engine.batchToParquet(
      { columns: cols, values: cols.map(() => []), rowCount: 0 },
      signal === undefined ? {} : { signal },
    )
  }
}

/**
 * A protected export: the authorized (and masked) batches go through the spec's plan
 * (column rules, and classification rules decided on a sample) before the writer sees them.
 * The transform master key is the lake's own, unwrapped by the key provider only when a
 * keyed transform needs it. Nothing is written when the spec is invalid.
 */
async function protectedExport(
  ctx: LakeContext,
  read: GovernedRead,
  protect: ProtectExportOptions,
  options: ReadToFileOptions,
): Promise<ReadToFileResult> {
  const parsed = await resolveSpec(protect.spec)
  const { ds } = read
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
    const stream = await protectBatches(ctx.engine, governedBatches(ctx, read, options), parsed, {
      schema: read.schema.columns,
      discovery: ctx.discovery,
      overrides,
      // The token vault (`vault` rules) lives in the catalog; its default subject is the
      // dataset's subject column.
      vault: ctx.catalog,
      subjectColumn: ds.subjectColumn,
      master: async () => {
        master = await loadOrCreateLakeTransformKey(ctx.store, ctx.keyProvider)
        return master
      },
      ...(protect.sample === undefined ? {} : { sample: protect.sample }),
      ...signalOf(options),
    })
    const r = await ctx.engine.writeOutput(stream.parquet, {
      format: options.format,
      out: options.out,
      ...signalOf(options),
    })
    return {
      dataset: read.dataset,
      datasetId: ds.id,
      version: read.version.version,
      schema: { columns: stream.plan.output },
      rows: r.rows,
      bytes: r.bytes,
      protection: stream.plan.columns,
      policyIds: read.access.policyIds,
    }
  } finally {
    master?.fill(0)
  }
}
