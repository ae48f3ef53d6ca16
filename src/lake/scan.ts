/**
 * `scan`: classify the columns of a file (without ingesting it) or of a dataset, from a
 * sample of rows. Values stay in memory; the report names columns, types, shares, row
 * numbers and redacted previews only — matched values only when `reveal` is asked for.
 */
import type { ColumnFinding } from '../discovery/classify-columns.js'
import type { DiscoveryEngine } from '../discovery/discovery-engine.js'
import type { DuckDbEngine } from '../formats/duckdb-engine.js'
import type { LakeContext } from './context.js'
import { recordFindings } from './findings.js'
import type { IngestFormat } from './ingest.js'
import { inferFormat } from './ingest.js'
import { decidedBatches, versionFiles } from './read.js'
import { authorizeDataset } from './access-control.js'
import { SAMPLE_ROWS, addBatch, classifySamples, sampledRows, type Samples } from './sampling.js'

/** A scan report. */
export interface ScanReport {
  readonly source: string
  readonly rowsSampled: number
  readonly columns: readonly ColumnFinding[]
  /** The dataset version scanned (dataset scans only). */
  readonly version?: number
  /** True when matched values are included (`revealed`); such a report must not be kept. */
  readonly revealed: boolean
}

/** Options of a scan. */
export interface ScanOptions {
  /** Rows to sample (default 1,000). */
  readonly sample?: number
  /** Include up to five matched values per finding. */
  readonly reveal?: boolean
}

/** Scans a CSV, JSONL or Parquet file: converts the first chunk in memory and samples it. */
export async function scanFile(
  engine: DuckDbEngine,
  discovery: DiscoveryEngine,
  path: string,
  options: ScanOptions & { format?: IngestFormat } = {},
): Promise<ScanReport> {
  const format = options.format ?? inferFormat(path)
  const limit = options.sample ?? SAMPLE_ROWS
  let samples: Samples | undefined
  const sample = { first: limit, later: limit, total: limit }
  for await (const chunk of engine.convertToParquet({ path, format }, { sample })) {
    if (chunk.sample !== undefined) samples = addBatch(samples, chunk.sample, chunk.firstRow)
    chunk.bytes.fill(0)
    if (sampledRows(samples) >= limit) break
  }
  return {
    source: path,
    rowsSampled: sampledRows(samples),
    columns: classifySamples(samples, discovery, { reveal: options.reveal === true }),
    revealed: options.reveal === true,
  }
}

/**
 * Scans a dataset's current version (first rows, through the one read path) and records
 * the classifications and findings in the catalog (without the revealed values).
 */
export async function scanDataset(
  ctx: LakeContext,
  dataset: string,
  options: ScanOptions = {},
): Promise<ScanReport> {
  // A scan looks at every column's values, masked or not: it needs plaintext access.
  const decision = await authorizeDataset(ctx, dataset, 'readPlaintext')
  const ds = decision.ds
  const { version, files } = await versionFiles(ctx, decision)
  let samples: Samples | undefined
  for await (const batch of decidedBatches(ctx, decision, version, files, {
    limit: options.sample ?? SAMPLE_ROWS,
  }))
    samples = addBatch(samples, batch)
  const name = `${ds.namespace}.${ds.name}`
  const overrides = ctx.config.discovery.overrides[name] ?? {}
  const columns = classifySamples(samples, ctx.discovery, {
    reveal: options.reveal === true,
    overrides,
  })
  await recordFindings(ctx, {
    datasetId: ds.id,
    version: version.version,
    rowsSampled: sampledRows(samples),
    columns,
    overridden: new Set(Object.keys(overrides)),
  })
  return {
    source: name,
    rowsSampled: sampledRows(samples),
    columns,
    version: version.version,
    revealed: options.reveal === true,
  }
}
