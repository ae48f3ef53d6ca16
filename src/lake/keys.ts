/**
 * Key rotation and status. Rotating a dataset key creates KEK version n+1 and re-wraps
 * every file's DEK under it in one catalog transaction: the data files are never
 * rewritten, and the old KEK is retired.
 */
import { formatDatasetName } from '../core/names.js'
import type { LakeContext, OperationOptions } from './context.js'
import { requireDataset } from './datasets.js'

/** The outcome of rotating one dataset's key. */
export interface RotateResult {
  readonly dataset: string
  readonly fromKekVersion: number
  readonly toKekVersion: number
  readonly filesRewrapped: number
}

/** Key status of one dataset. */
export interface KeyStatus {
  readonly dataset: string
  readonly datasetId: string
  readonly activeKekVersion: number
  readonly activeKekCreatedAt: Date
  readonly rootKeyId: string
  readonly kekVersions: readonly {
    version: number
    state: string
    createdAt: Date
    files: number
  }[]
  readonly files: number
}

/** Rotates the KEK of one dataset, or of every dataset when `dataset` is omitted. */
export async function rotateKeys(
  ctx: LakeContext,
  dataset?: string,
  options: OperationOptions = {},
): Promise<RotateResult[]> {
  const targets =
    dataset === undefined
      ? (await ctx.catalog.listDatasets()).filter((d) => d.currentVersion > 0)
      : [await requireDataset(ctx, dataset)]
  const results: RotateResult[] = []
  let done = 0
  for (const ds of targets) {
    const active = await ctx.keys.activeKek(ds.id)
    const next = active.version + 1
    const { wrapped } = await ctx.keys.newKek(ds.id, next)
    const files = await ctx.catalog.listFilesOfDataset(ds.id)
    const rewrapped = []
    for (const f of files)
      rewrapped.push({
        fileId: f.id,
        wrappedDek: await ctx.keys.rewrap(ds.id, f.id, f.kekVersion, next, f.wrappedDek),
      })
    await ctx.catalog.rotateKek(ds.id, active.version, wrapped, rewrapped)
    results.push({
      dataset: formatDatasetName(ds),
      fromKekVersion: active.version,
      toKekVersion: next,
      filesRewrapped: files.length,
    })
    options.onProgress?.({ phase: 'rotate', done: ++done, total: targets.length })
  }
  return results
}

/** Which key version protects what, per dataset. */
export async function keyStatus(ctx: LakeContext): Promise<KeyStatus[]> {
  const out: KeyStatus[] = []
  for (const ds of await ctx.catalog.listDatasets()) {
    if (ds.currentVersion === 0) continue
    const keks = await ctx.catalog.listKeks(ds.id)
    const files = await ctx.catalog.listFilesOfDataset(ds.id)
    const active = keks.find((k) => k.state === 'active')
    if (active === undefined) continue
    out.push({
      dataset: formatDatasetName(ds),
      datasetId: ds.id,
      activeKekVersion: active.version,
      activeKekCreatedAt: active.createdAt,
      rootKeyId: active.wrapped.rootKeyId,
      kekVersions: keks.map((k) => ({
        version: k.version,
        state: k.state,
        createdAt: k.createdAt,
        files: files.filter((f) => f.kekVersion === k.version).length,
      })),
      files: files.length,
    })
  }
  return out
}
