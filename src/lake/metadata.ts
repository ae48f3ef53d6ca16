/**
 * Catalog metadata a privacy officer curates: descriptions, tags, manual classifications
 * (which outrank detected ones until replaced), their history, and search.
 */
import type { Classification, DatasetRecord, Sensitivity } from '../catalog/catalog.js'
import { formatDatasetName } from '../core/names.js'
import { StrongroomError } from '../errors.js'
import type { LakeContext } from './context.js'
import { requireDataset, requireVersion } from './datasets.js'

/** A manual classification of one column. */
export interface ClassifyOptions {
  readonly column: string
  /** UPPER_SNAKE entity type (e.g. `EMAIL_ADDRESS`), or `NONE`. */
  readonly entityType: string
  readonly sensitivity: Sensitivity
}

/** Search filters; all given filters must match. */
export interface SearchQuery {
  /** Case-insensitive substring of the name or of any description. */
  readonly text?: string
  readonly owner?: string
  /** `key` or `key=value` on the dataset or any column. */
  readonly tag?: string
  /** A current classification's entity type. */
  readonly entityType?: string
  /** At least this sensitivity on some column. */
  readonly sensitivity?: 'low' | 'medium' | 'high'
}

/** A search hit. */
export interface SearchHit {
  readonly dataset: string
  readonly id: string
  readonly owner: string
  readonly currentVersion: number
  readonly description: string | null
}

/** Descriptions, tags and current classifications of a dataset. */
export interface DatasetMetadata {
  readonly description: string | null
  readonly columnDescriptions: Readonly<Record<string, string>>
  readonly tags: readonly string[]
  readonly columnTags: Readonly<Record<string, readonly string[]>>
  readonly classifications: readonly Classification[]
}

async function requireColumn(ctx: LakeContext, ds: DatasetRecord, column: string): Promise<void> {
  const v = await requireVersion(ctx, ds)
  if (!v.schema.columns.some((c) => c.name === column))
    throw new StrongroomError(
      'ERR_COLUMN_NOT_FOUND',
      `Column ${column} is not in ${formatDatasetName(ds)}`,
      {
        details: { dataset: formatDatasetName(ds), column },
      },
    )
}

/** Sets (or clears, with `null`) the description of a dataset or one of its columns. */
export async function setDescription(
  ctx: LakeContext,
  dataset: string,
  text: string | null,
  column?: string,
): Promise<void> {
  const ds = await requireDataset(ctx, dataset)
  if (column !== undefined) await requireColumn(ctx, ds, column)
  await ctx.catalog.setDescription(ds.id, column ?? null, text)
}

/** Replaces the tags of a dataset or one of its columns. */
export async function setTags(
  ctx: LakeContext,
  dataset: string,
  tags: readonly string[],
  column?: string,
): Promise<void> {
  const ds = await requireDataset(ctx, dataset)
  if (column !== undefined) await requireColumn(ctx, ds, column)
  await ctx.catalog.setTags(ds.id, column ?? null, tags)
}

/** Records a manual classification of a column (it outranks detected ones). */
export async function classify(
  ctx: LakeContext,
  dataset: string,
  options: ClassifyOptions,
): Promise<Classification[]> {
  const ds = await requireDataset(ctx, dataset)
  await requireColumn(ctx, ds, options.column)
  await ctx.catalog.recordClassifications(ds.id, [
    {
      column: options.column,
      entityType: options.entityType,
      confidence: 1,
      sensitivity: options.sensitivity,
      source: 'manual',
      datasetVersion: ds.currentVersion,
      recordedBy: ctx.principal,
    },
  ])
  return ctx.catalog.currentClassifications(ds.id)
}

/** Every classification ever recorded for a dataset (or one column), oldest first. */
export async function classificationHistory(
  ctx: LakeContext,
  dataset: string,
  column?: string,
): Promise<Classification[]> {
  const ds = await requireDataset(ctx, dataset)
  return ctx.catalog.classificationHistory(ds.id, column)
}

/** Descriptions, tags and current classifications. */
export async function datasetMetadata(ctx: LakeContext, dataset: string): Promise<DatasetMetadata> {
  const ds = await requireDataset(ctx, dataset)
  const [d, t, c] = await Promise.all([
    ctx.catalog.getDescriptions(ds.id),
    ctx.catalog.getTags(ds.id),
    ctx.catalog.currentClassifications(ds.id),
  ])
  return {
    description: d.dataset,
    columnDescriptions: d.columns,
    tags: t.dataset,
    columnTags: t.columns,
    classifications: c,
  }
}

/** Datasets matching every given filter. */
export async function searchDatasets(ctx: LakeContext, query: SearchQuery): Promise<SearchHit[]> {
  const found = await ctx.catalog.searchDatasets(query)
  const hits: SearchHit[] = []
  for (const ds of found) {
    const d = await ctx.catalog.getDescriptions(ds.id)
    hits.push({
      dataset: formatDatasetName(ds),
      id: ds.id,
      owner: ds.owner,
      currentVersion: ds.currentVersion,
      description: d.dataset,
    })
  }
  return hits
}
