/**
 * Ingest: source file → Parquet chunks (DuckDB, in memory) → envelope encryption → object
 * store → one catalog commit. Objects are durable before the commit; a failure or crash
 * before the commit leaves only unreferenced objects, which `gc` removes.
 */
import type { DatasetRecord, FileRecord } from '../catalog/catalog.js'
import { newId } from '../core/ids.js'
import { formatDatasetName, parseDatasetName } from '../core/names.js'
import type { DatasetSchema } from '../core/schema.js'
import { StrongroomError } from '../errors.js'
import { encryptStream, fileAad } from '../keys/envelope.js'
import { TableClassifier, type ColumnFinding } from '../discovery/classify-columns.js'
import { once, prefetch, sha256, tap } from '../lib/streams.js'
import { throwIfAborted, type LakeContext, type OperationOptions } from './context.js'
import { objectKeyFor } from './datasets.js'
import { SamplePlan } from '../formats/chunk-sample.js'
import type { ParquetChunk } from '../formats/engine.js'
import type { ColumnProtection } from '../protect/plan.js'
import { recordFindings } from './findings.js'
import { protectChunks, type IngestProtectOptions, type ProtectedChunks } from './protect-ingest.js'
import { INGEST_SAMPLING, chunkSample, type Samples } from './sampling.js'

/** Input formats ingest reads. */
export type IngestFormat = 'csv' | 'jsonl' | 'parquet'

/** How an ingest treats an existing dataset. */
export type IngestMode = 'auto' | 'create' | 'append' | 'overwrite'

/** Options for {@link ingest}. */
export interface IngestOptions extends OperationOptions {
  /** `namespace.name` of the target dataset. */
  readonly dataset: string
  /** Input format; inferred from the file extension when omitted. */
  readonly format?: IngestFormat
  /** `auto` (default) creates the dataset or appends to it. */
  readonly mode?: IngestMode
  /** The column naming whom each row is about (for consent and erasure). */
  readonly subjectColumn?: string
  /** Read every column as text instead of inferring types. */
  readonly allVarchar?: boolean
  /** Classify every column from a sample (default true). */
  readonly classify?: boolean
  /**
   * De-identify on the way in with this protection spec (keys from the lake): only the
   * protected columns are stored; classification and findings describe what is stored.
   */
  readonly protect?: IngestProtectOptions
}

/** What an ingest committed. */
export interface IngestResult {
  readonly dataset: string
  readonly datasetId: string
  readonly version: number
  readonly rows: number
  readonly files: number
  /** Plaintext Parquet bytes written. */
  readonly plaintextBytes: number
  /** Ciphertext bytes stored. */
  readonly storedBytes: number
  readonly kekVersion: number
  readonly schema: DatasetSchema
  /** Detected classification of every column (also recorded in the catalog). */
  readonly classifications: readonly ColumnFinding[]
  /** With `protect`: what happened to each input column (names and transforms only). */
  readonly protection?: readonly ColumnProtection[]
  readonly elapsedMs: number
}

/** Infers the input format from a file name. */
export function inferFormat(path: string): IngestFormat {
  const lower = path.toLowerCase()
  if (lower.endsWith('.csv') || lower.endsWith('.tsv')) return 'csv'
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return 'jsonl'
  if (lower.endsWith('.parquet')) return 'parquet'
  throw new StrongroomError(
    'ERR_INPUT_UNSUPPORTED_FORMAT',
    'Cannot tell the input format from the file name',
    {
      hint: 'Pass --format csv|jsonl|parquet.',
    },
  )
}

function sameSchema(a: DatasetSchema, b: DatasetSchema): boolean {
  return (
    a.columns.length === b.columns.length &&
    a.columns.every((c, i) => c.name === b.columns[i]?.name && c.type === b.columns[i]?.type)
  )
}

async function resolveTarget(
  ctx: LakeContext,
  qualified: string,
  mode: IngestMode,
  subjectColumn: string | null,
): Promise<{ ds: DatasetRecord; created: boolean }> {
  const { namespace, name } = parseDatasetName(qualified)
  const existing = await ctx.catalog.getDataset(namespace, name)
  // A dataset row at version 0 is the remains of a first ingest that never committed:
  // invisible to readers, so it is reused rather than reported as existing.
  if (existing !== undefined && existing.currentVersion > 0) {
    if (mode === 'create')
      throw new StrongroomError(
        'ERR_DATASET_EXISTS',
        `Dataset ${namespace}.${name} already exists`,
        {
          hint: 'Use --mode append or --mode overwrite.',
          details: { dataset: `${namespace}.${name}` },
        },
      )
    return { ds: existing, created: false }
  }
  if (mode === 'append' || mode === 'overwrite') {
    if (existing === undefined || existing.currentVersion === 0)
      throw new StrongroomError(
        'ERR_DATASET_NOT_FOUND',
        `Dataset ${namespace}.${name} does not exist`,
        {
          hint: 'Use --mode create (or auto) for a new dataset.',
          details: { dataset: `${namespace}.${name}` },
        },
      )
  }
  if (existing !== undefined) return { ds: existing, created: true }
  const id = newId('ds')
  const { wrapped } = await ctx.keys.newKek(id, 1)
  const ds = await ctx.catalog.createDataset({
    id,
    namespace,
    name,
    owner: ctx.principal,
    subjectColumn,
    kek: wrapped,
  })
  return { ds, created: true }
}

/**
 * Ingests a file as a new version of a dataset.
 *
 * @example
 * ```ts
 * const r = await ingest(ctx, 'customers.csv', { dataset: 'crm.customers' })
 * console.log(r.version, r.rows)
 * ```
 */
export async function ingest(
  ctx: LakeContext,
  path: string,
  options: IngestOptions,
): Promise<IngestResult> {
  const started = performance.now()
  const format = options.format ?? inferFormat(path)
  const mode = options.mode ?? 'auto'
  const { ds, created } = await resolveTarget(
    ctx,
    options.dataset,
    mode,
    options.subjectColumn ?? null,
  )
  const previous = created ? undefined : await ctx.catalog.getVersion(ds.id)
  const baseVersion = ds.currentVersion
  const newVersion = baseVersion + 1
  const kek = await ctx.keys.activeKek(ds.id)
  const written: string[] = []
  const newFiles: Omit<FileRecord, 'createdAt'>[] = []
  let schema: DatasetSchema | undefined
  const overrides = ctx.config.discovery.overrides[formatDatasetName(ds)] ?? {}
  const classify = options.classify !== false
  // The samples are kept as chunks arrive and scanned after the last one: the main thread
  // feeds the conversion, and scanning between chunks held it up by about twice the
  // scan's own CPU time (measured; see docs/benchmarks.md).
  const samples: Samples[] = []
  const samplePlan = new SamplePlan(classify ? INGEST_SAMPLING : undefined)
  let rows = 0
  let plaintextBytes = 0
  let protectedChunks: ProtectedChunks | undefined
  let storedBytes = 0
  try {
    const converted = ctx.engine.convertToParquet(
      { path, format },
      {
        chunkBytes: ctx.config.engine.chunkBytes,
        ...(options.allVarchar === true ? { allVarchar: true } : {}),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
        onProgress: (bytesRead: number) =>
          options.onProgress?.({ phase: 'ingest', done: bytesRead }),
        // Protected chunks are classified as stored, so they are sampled after protection.
        ...(classify && options.protect === undefined ? { sample: INGEST_SAMPLING } : {}),
      },
    )
    let chunks: AsyncIterable<ParquetChunk> = converted
    if (options.protect !== undefined) {
      protectedChunks = await protectChunks(ctx, ds, converted, options.protect, options.signal)
      chunks = protectedChunks.chunks
    }
    for await (const chunk of prefetch(chunks, 1)) {
      throwIfAborted(options.signal)
      schema ??= chunk.schema
      // Classification samples rows while the plaintext chunk is still in memory: the
      // first 1,000 of the input, then 100 from every later chunk (at most 5,000).
      if (classify) samples.push(await chunkSample(ctx.engine, chunk, samplePlan))
      if (
        previous !== undefined &&
        mode !== 'overwrite' &&
        !sameSchema(previous.schema, chunk.schema)
      )
        throw new StrongroomError(
          'ERR_DATASET_SCHEMA_MISMATCH',
          'Input columns differ from the dataset schema',
          {
            hint: 'Append needs the same columns and types; use --mode overwrite to replace.',
            details: { dataset: formatDatasetName(ds) },
          },
        )
      const fileId = newId('f')
      const objectKey = objectKeyFor(ds.id, fileId)
      const { dek, wrapped } = await ctx.keys.newDek(ds.id, fileId, kek.version)
      const hash = sha256()
      const counter = { bytes: 0 }
      try {
        const ciphertext = encryptStream(once(chunk.bytes), {
          dek,
          aad: fileAad({ datasetId: ds.id, version: newVersion, fileId }),
        })
        written.push(objectKey)
        await ctx.store.put(
          objectKey,
          tap(ciphertext, hash, counter),
          options.signal === undefined ? {} : { signal: options.signal },
        )
      } finally {
        dek.fill(0)
      }
      newFiles.push({
        id: fileId,
        datasetId: ds.id,
        createdVersion: newVersion,
        objectKey,
        rowCount: chunk.rowCount,
        ciphertextBytes: counter.bytes,
        plaintextBytes: chunk.bytes.byteLength,
        ciphertextSha256: hash.digest('hex'),
        wrappedDek: wrapped,
        kekVersion: kek.version,
      })
      rows += chunk.rowCount
      plaintextBytes += chunk.bytes.byteLength
      storedBytes += counter.bytes
      // The plaintext Parquet chunk is no longer needed: scrub it before it is collected.
      chunk.bytes.fill(0)
    }
    if (schema === undefined)
      throw new StrongroomError('ERR_INPUT_EMPTY', 'Input has no data', { details: { format } })
    if (
      options.subjectColumn !== undefined &&
      !schema.columns.some((c) => c.name === options.subjectColumn)
    )
      throw new StrongroomError(
        'ERR_COLUMN_NOT_FOUND',
        'Subject column is not a column of the input',
        {
          details: { column: options.subjectColumn },
        },
      )
    // Classified before the commit: a failure here leaves no version behind.
    const classifier = classify ? new TableClassifier(ctx.discovery, { overrides }) : undefined
    for (const sample of samples) classifier?.add(sample)
    const classifications = classifier?.finish() ?? []
    throwIfAborted(options.signal)
    const keptFileIds = previous !== undefined && mode !== 'overwrite' ? previous.fileIds : []
    const committed = await ctx.catalog.commitVersion({
      datasetId: ds.id,
      expectedCurrentVersion: baseVersion,
      operation: created ? 'create' : mode === 'overwrite' ? 'overwrite' : 'append',
      schema,
      newFiles,
      keptFileIds,
      rowCount: rows + (previous !== undefined && mode !== 'overwrite' ? previous.rowCount : 0),
    })
    // Without classification nothing was scanned: recording an empty scan would claim
    // the version is clean.
    if (classifier !== undefined)
      await recordFindings(ctx, {
        datasetId: ds.id,
        version: committed.version,
        rowsSampled: classifier.rowsAdded,
        columns: classifications,
        overridden: new Set(Object.keys(overrides)),
      })
    return {
      dataset: formatDatasetName(ds),
      datasetId: ds.id,
      version: committed.version,
      classifications,
      rows,
      files: newFiles.length,
      plaintextBytes,
      storedBytes,
      kekVersion: kek.version,
      schema,
      ...(protectedChunks === undefined ? {} : { protection: protectedChunks.columns }),
      elapsedMs: performance.now() - started,
    }
  } catch (e) {
    // Nothing was committed; remove what this attempt stored. Whatever a crash leaves
    // behind instead is unreferenced and removed by `gc`.
    await Promise.allSettled(written.map((k) => ctx.store.delete(k)))
    throw e
  } finally {
    protectedChunks?.close()
  }
}
