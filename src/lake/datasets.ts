import type { DatasetRecord, VersionRecord } from '../catalog/catalog.js'
import { parseDatasetName } from '../core/names.js'
import { StrongroomError } from '../errors.js'
import type { LakeContext } from './context.js'

/**
 * Finds a dataset by its qualified name.
 *
 * @throws StrongroomError `ERR_DATASET_INVALID_NAME`, `ERR_DATASET_NOT_FOUND`
 */
export async function requireDataset(ctx: LakeContext, qualified: string): Promise<DatasetRecord> {
  const { namespace, name } = parseDatasetName(qualified)
  const ds = await ctx.catalog.getDataset(namespace, name)
  if (ds === undefined || ds.currentVersion === 0)
    throw new StrongroomError(
      'ERR_DATASET_NOT_FOUND',
      `Dataset ${namespace}.${name} does not exist`,
      {
        hint: 'List datasets with `strongroom ls`.',
        details: { dataset: `${namespace}.${name}` },
      },
    )
  return ds
}

/**
 * A version of a dataset, the current one when `version` is omitted.
 *
 * @throws StrongroomError `ERR_VERSION_NOT_FOUND`
 */
export async function requireVersion(
  ctx: LakeContext,
  ds: DatasetRecord,
  version?: number,
): Promise<VersionRecord> {
  const v = await ctx.catalog.getVersion(ds.id, version)
  if (v === undefined)
    throw new StrongroomError(
      'ERR_VERSION_NOT_FOUND',
      `Dataset ${ds.namespace}.${ds.name} has no version ${version ?? 'current'}`,
      {
        hint: 'List versions with `strongroom versions DATASET`.',
        details: { dataset: `${ds.namespace}.${ds.name}`, version: version ?? -1 },
      },
    )
  return v
}

/** The object key of a data file: ids only, so keys reveal nothing. */
export function objectKeyFor(datasetId: string, fileId: string): string {
  return `ds/${datasetId}/${fileId}.sre`
}
