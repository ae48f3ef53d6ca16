/**
 * `gc` (remove objects no version refers to) and `doctor` (every file decrypts and
 * matches its recorded hash and row count).
 */
import { formatDatasetName } from '../core/names.js'
import { isStrongroomError, type ErrorCode } from '../errors.js'
import { decryptStream, fileAad } from '../keys/envelope.js'
import { collect, sha256, tap } from '../lib/streams.js'
import { throwIfAborted, type LakeContext, type OperationOptions } from './context.js'

/** Options for {@link gc}. */
export interface GcOptions extends OperationOptions {
  /**
   * Only objects older than this are removed (default one hour), so an ingest still
   * writing its objects is never raced. Like Delta's VACUUM retention.
   */
  readonly minAgeMs?: number
  /** Report what would be removed without removing it. */
  readonly dryRun?: boolean
}

/** What {@link gc} found and removed. */
export interface GcResult {
  readonly scanned: number
  readonly referenced: number
  readonly orphaned: number
  readonly removed: number
  readonly removedBytes: number
  /** Orphans younger than `minAgeMs`, left for a later run. */
  readonly tooRecent: number
}

/** Removes objects that no catalog file record refers to. */
export async function gc(ctx: LakeContext, options: GcOptions = {}): Promise<GcResult> {
  const minAge = options.minAgeMs ?? 60 * 60 * 1000
  const referenced = await ctx.catalog.listAllObjectKeys()
  const now = Date.now()
  let scanned = 0
  let orphaned = 0
  let removed = 0
  let removedBytes = 0
  let tooRecent = 0
  for await (const o of ctx.store.list('ds/')) {
    throwIfAborted(options.signal)
    scanned += 1
    if (referenced.has(o.key)) continue
    orphaned += 1
    if (now - o.lastModified.getTime() < minAge) {
      tooRecent += 1
      continue
    }
    if (options.dryRun !== true) await ctx.store.delete(o.key)
    removed += 1
    removedBytes += o.size
    options.onProgress?.({ phase: 'gc', done: removed })
  }
  // Temp files a crash left in a local store are plaintext-free (already encrypted) but
  // still waste space.
  const cleaner = ctx.store as { cleanTemp?: (olderThanMs: number) => Promise<number> }
  if (options.dryRun !== true && typeof cleaner.cleanTemp === 'function')
    await cleaner.cleanTemp(minAge)
  return { scanned, referenced: referenced.size, orphaned, removed, removedBytes, tooRecent }
}

/** One problem {@link doctor} found. */
export interface DoctorProblem {
  readonly dataset: string
  readonly fileId: string
  readonly objectKey: string
  readonly code: ErrorCode
  readonly problem: string
}

/** The outcome of {@link doctor}. */
export interface DoctorResult {
  readonly datasets: number
  readonly files: number
  readonly bytesChecked: number
  readonly problems: readonly DoctorProblem[]
  readonly ok: boolean
}

/** Checks every data file of every dataset: hash, decryption, Parquet row count. */
export async function doctor(
  ctx: LakeContext,
  options: OperationOptions = {},
): Promise<DoctorResult> {
  const problems: DoctorProblem[] = []
  let files = 0
  let bytesChecked = 0
  const datasets = (await ctx.catalog.listDatasets()).filter((d) => d.currentVersion > 0)
  const all = []
  for (const ds of datasets)
    for (const f of await ctx.catalog.listFilesOfDataset(ds.id)) all.push({ ds, f })
  for (const { ds, f } of all) {
    throwIfAborted(options.signal)
    files += 1
    const report = (code: ErrorCode, problem: string): void => {
      problems.push({
        dataset: formatDatasetName(ds),
        fileId: f.id,
        objectKey: f.objectKey,
        code,
        problem,
      })
    }
    try {
      const hash = sha256()
      const counter = { bytes: 0 }
      const dek = await ctx.keys.dek(ds.id, f.id, f.kekVersion, f.wrappedDek)
      let plain: Buffer
      try {
        const body = tap(await ctx.store.get(f.objectKey), hash, counter)
        plain = await collect(
          decryptStream(body, {
            dek,
            aad: fileAad({ datasetId: ds.id, version: f.createdVersion, fileId: f.id }),
          }),
        )
      } finally {
        dek.fill(0)
      }
      bytesChecked += counter.bytes
      if (hash.digest('hex') !== f.ciphertextSha256)
        report('ERR_CRYPTO_INTEGRITY', 'stored object does not match its recorded SHA-256')
      else if (counter.bytes !== f.ciphertextBytes)
        report('ERR_CRYPTO_INTEGRITY', 'stored object size differs from the catalog')
      else {
        const info = await ctx.engine.inspectParquet(plain)
        if (info.rowCount !== f.rowCount)
          report('ERR_CATALOG_CORRUPT', 'row count differs from the catalog')
      }
      plain.fill(0)
    } catch (e) {
      if (isStrongroomError(e)) report(e.code, e.message)
      else report('ERR_INTERNAL', 'unexpected failure while checking the file')
    }
    options.onProgress?.({ phase: 'doctor', done: files, total: all.length })
  }
  return { datasets: datasets.length, files, bytesChecked, problems, ok: problems.length === 0 }
}
