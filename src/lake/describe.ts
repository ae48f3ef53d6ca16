import type { KekRecord, VersionRecord } from '../catalog/catalog.js'
import { formatDatasetName } from '../core/names.js'
import type { DatasetSchema } from '../core/schema.js'
import type { LakeContext } from './context.js'
import { requireDataset, requireVersion } from './datasets.js'

/** A dataset as `ls` shows it. */
export interface DatasetSummary {
  readonly dataset: string
  readonly id: string
  readonly owner: string
  readonly createdAt: Date
  readonly currentVersion: number
  readonly rows: number
  readonly files: number
  readonly storedBytes: number
}

/** A version as `versions` shows it. */
export interface VersionSummary {
  readonly version: number
  readonly parentVersion: number
  readonly createdAt: Date
  readonly operation: string
  readonly rows: number
  readonly files: number
}

/** A dataset as `show` shows it: schema, versions, files, key versions. */
export interface DatasetDescription extends DatasetSummary {
  readonly subjectColumn: string | null
  readonly schema: DatasetSchema
  readonly versions: readonly VersionSummary[]
  readonly currentFiles: readonly {
    id: string
    createdVersion: number
    rows: number
    plaintextBytes: number
    storedBytes: number
    kekVersion: number
    ciphertextSha256: string
  }[]
  readonly keys: readonly {
    version: number
    state: string
    rootKeyId: string
    algorithm: string
    createdAt: Date
  }[]
}

function versionSummary(v: VersionRecord): VersionSummary {
  return {
    version: v.version,
    parentVersion: v.parentVersion,
    createdAt: v.createdAt,
    operation: v.operation,
    rows: v.rowCount,
    files: v.fileIds.length,
  }
}

function keySummary(k: KekRecord) {
  return {
    version: k.version,
    state: k.state,
    rootKeyId: k.wrapped.rootKeyId,
    algorithm: k.wrapped.algorithm,
    createdAt: k.createdAt,
  }
}

/** Every committed dataset. */
export async function listDatasets(ctx: LakeContext): Promise<DatasetSummary[]> {
  const out: DatasetSummary[] = []
  for (const ds of await ctx.catalog.listDatasets()) {
    if (ds.currentVersion === 0) continue
    const v = await requireVersion(ctx, ds)
    const files = await ctx.catalog.getFiles(v.fileIds)
    out.push({
      dataset: formatDatasetName(ds),
      id: ds.id,
      owner: ds.owner,
      createdAt: ds.createdAt,
      currentVersion: ds.currentVersion,
      rows: v.rowCount,
      files: files.length,
      storedBytes: files.reduce((n, f) => n + f.ciphertextBytes, 0),
    })
  }
  return out.sort((a, b) => a.dataset.localeCompare(b.dataset))
}

/** Versions of a dataset, oldest first. */
export async function listVersions(ctx: LakeContext, dataset: string): Promise<VersionSummary[]> {
  const ds = await requireDataset(ctx, dataset)
  return (await ctx.catalog.listVersions(ds.id)).map(versionSummary)
}

/** Schema, versions, current files and key versions of a dataset. */
export async function describeDataset(
  ctx: LakeContext,
  dataset: string,
  version?: number,
): Promise<DatasetDescription> {
  const ds = await requireDataset(ctx, dataset)
  const v = await requireVersion(ctx, ds, version)
  const files = await ctx.catalog.getFiles(v.fileIds)
  const versions = (await ctx.catalog.listVersions(ds.id)).map(versionSummary)
  const keks = await ctx.catalog.listKeks(ds.id)
  return {
    dataset: formatDatasetName(ds),
    id: ds.id,
    owner: ds.owner,
    createdAt: ds.createdAt,
    currentVersion: ds.currentVersion,
    rows: v.rowCount,
    files: files.length,
    storedBytes: files.reduce((n, f) => n + f.ciphertextBytes, 0),
    subjectColumn: ds.subjectColumn,
    schema: v.schema,
    versions,
    currentFiles: files.map((f) => ({
      id: f.id,
      createdVersion: f.createdVersion,
      rows: f.rowCount,
      plaintextBytes: f.plaintextBytes,
      storedBytes: f.ciphertextBytes,
      kekVersion: f.kekVersion,
      ciphertextSha256: f.ciphertextSha256,
    })),
    keys: keks.map(keySummary),
  }
}
