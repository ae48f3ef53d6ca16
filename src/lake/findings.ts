/**
 * Recording and listing discovery results: each scan (on ingest or on request) appends the
 * columns' classifications and the findings behind them to the catalog. Only counts, row
 * numbers and redacted previews are stored; revealed values never leave the report.
 */
import type { Finding, FindingsQuery } from '../catalog/catalog.js'
import type { ColumnFinding } from '../discovery/classify-columns.js'
import type { LakeContext } from './context.js'
import { requireDataset } from './datasets.js'

/** Who a configuration override is recorded as. */
export const CONFIG_PRINCIPAL = 'strongroom.yaml'

/** Records the classifications and findings of one scan of a committed version. */
export async function recordFindings(
  ctx: LakeContext,
  scan: {
    readonly datasetId: string
    readonly version: number
    readonly rowsSampled: number
    readonly columns: readonly ColumnFinding[]
    /** Columns whose classification came from a configured override. */
    readonly overridden?: ReadonlySet<string>
  },
): Promise<void> {
  const overridden = scan.overridden ?? new Set<string>()
  await ctx.catalog.recordClassifications(
    scan.datasetId,
    scan.columns.map((f) => ({
      column: f.column,
      entityType: f.entityType,
      confidence: Math.round(f.confidence * 1000) / 1000,
      sensitivity: f.sensitivity,
      // A configured override is a privacy officer's decision, as `classify` is.
      source: overridden.has(f.column) ? ('manual' as const) : ('detected' as const),
      datasetVersion: scan.version,
      recordedBy: overridden.has(f.column) ? CONFIG_PRINCIPAL : ctx.principal,
    })),
  )
  await ctx.catalog.recordFindings({
    datasetId: scan.datasetId,
    datasetVersion: scan.version,
    rowsSampled: scan.rowsSampled,
    recordedBy: ctx.principal,
    entries: scan.columns.flatMap((c) =>
      c.entities.map((e) => ({
        column: c.column,
        entityType: e.entityType,
        matches: e.matches,
        sampled: c.sampled,
        testValues: e.testValues,
        confidence: e.confidence,
        sensitivity: e.sensitivity,
        rows: e.rows.slice(0, 20),
        previews: e.previews.slice(0, 5),
      })),
    ),
  })
}

/** A finding with its dataset's name. */
export interface NamedFinding extends Finding {
  readonly dataset: string
}

/** The findings in force (newest scan of each current version), filtered. */
export async function listFindings(
  ctx: LakeContext,
  query: Omit<FindingsQuery, 'datasetId'> & { dataset?: string } = {},
): Promise<NamedFinding[]> {
  const { dataset, ...rest } = query
  const ds = dataset === undefined ? undefined : await requireDataset(ctx, dataset)
  const findings = await ctx.catalog.listFindings({
    ...rest,
    ...(ds === undefined ? {} : { datasetId: ds.id }),
  })
  const names = new Map<string, string>()
  for (const d of await ctx.catalog.listDatasets()) names.set(d.id, `${d.namespace}.${d.name}`)
  return findings.map((f) => ({ ...f, dataset: names.get(f.datasetId) ?? f.datasetId }))
}
