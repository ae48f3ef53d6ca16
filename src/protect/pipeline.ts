/**
 * The de-identification pipeline: record batches in, protected Parquet buffers out, ready for
 * the engine's atomic writer. Shared by `strongroom protect FILE` (no lake) and protected
 * exports from a lake. Plaintext lives only in the batches in memory and the engine's tmpfs
 * memory files until the transformed output reaches the user's file.
 */
import type { RecordBatch, CellValue } from '../core/batch.js'
import type { ColumnSchema } from '../core/schema.js'
import { classifyColumns } from '../discovery/classify-columns.js'
import type { DiscoveryEngine } from '../discovery/discovery-engine.js'
import type { DuckDbEngine } from '../formats/duckdb-engine.js'
import {
  compileProtectPlan,
  protectBatchAsync,
  type ColumnProtection,
  type CompileOptions,
  type ProtectPlan,
} from './plan.js'
import { loadProtectSpec, type ParsedSpec } from './spec.js'

/** Rows sampled (for classification rules and FPE domain checks) by default. */
export const PROTECT_SAMPLE_ROWS = 1000

/** A spec to protect with: a spec file path, or an already parsed spec. */
export type ProtectSpecSource = string | ParsedSpec

/** What a protected export did (names and transforms only). */
export interface ProtectSummary {
  /** Rows written. */
  readonly rows: number
  /** What happened to each input column. */
  readonly columns: readonly ColumnProtection[]
  /** The columns written. */
  readonly schema: readonly ColumnSchema[]
}

/** Options for {@link protectBatches}. */
export interface ProtectBatchesOptions {
  /** The input's columns, for an input without rows (else the first batch's are used). */
  readonly schema?: readonly ColumnSchema[] | undefined
  readonly discovery: DiscoveryEngine
  readonly master: CompileOptions['master']
  /** Rows sampled for classification and domain checks (default 1,000). */
  readonly sample?: number
  /** Column → entity type decided outside detection (manual or configured); wins over it. */
  readonly overrides?: Readonly<Record<string, string>>
  readonly signal?: AbortSignal
  /** The token vault's store (the lake's catalog), for `vault` rules. */
  readonly vault?: CompileOptions['vault']
  /** The dataset's subject column: the default subject of `vault` rules. */
  readonly subjectColumn?: string | null | undefined
}

/** A compiled plan and the protected Parquet buffers it yields (consume once). */
export interface ProtectedStream {
  readonly plan: ProtectPlan
  readonly parquet: AsyncIterable<Uint8Array>
  /** Rows transformed so far. */
  rows(): number
}

/** Resolves a spec source: a path is read (YAML or JSON); a parsed spec is used as is. */
export async function resolveSpec(source: ProtectSpecSource): Promise<ParsedSpec> {
  return typeof source === 'string' ? loadProtectSpec(source) : source
}

function concat(batches: readonly RecordBatch[], limit: number): RecordBatch | undefined {
  const first = batches[0]
  if (first === undefined) return undefined
  const values = first.columns.map((_, c) => {
    const out: CellValue[] = []
    for (const b of batches) {
      for (const v of b.values[c] ?? []) {
        if (out.length >= limit) break
        out.push(v)
      }
    }
    return out
  })
  return { columns: first.columns, values, rowCount: values[0]?.length ?? 0 }
}

/** Samples, classifies when classification rules exist, and compiles the plan. */
async function compile(
  parsed: ParsedSpec,
  buffered: readonly RecordBatch[],
  limit: number,
  options: ProtectBatchesOptions,
): Promise<ProtectPlan> {
  const schema = buffered[0]?.columns ?? options.schema ?? []
  const sample = concat(buffered, limit)
  let classifications: Map<string, string> | undefined
  if (Object.keys(parsed.spec.classifications).length > 0 && sample !== undefined) {
    const findings = classifyColumns(
      sample.columns.map((c, i) => ({ name: c.name, values: sample.values[i] ?? [] })),
      options.discovery,
      options.overrides === undefined ? {} : { overrides: options.overrides },
    )
    classifications = new Map(findings.map((f) => [f.column, f.entityType]))
  }
  return compileProtectPlan(parsed, {
    schema,
    registry: options.discovery.registry,
    minScore: options.discovery.config.minConfidence,
    master: options.master,
    vault: options.vault,
    subjectColumn: options.subjectColumn,
    ...(classifications === undefined ? {} : { classifications }),
    ...(sample === undefined ? {} : { sample }),
  })
}

/**
 * Compiles the spec against the input (sampling its first rows: classification rules need
 * the columns' entity types, FPE rules their value lengths), then yields each batch
 * transformed, as Parquet. Fails before yielding anything when the spec is invalid or a key
 * is missing.
 */
export async function protectBatches(
  engine: DuckDbEngine,
  batches: AsyncIterable<RecordBatch>,
  parsed: ParsedSpec,
  options: ProtectBatchesOptions,
): Promise<ProtectedStream> {
  const limit = options.sample ?? PROTECT_SAMPLE_ROWS
  const it = batches[Symbol.asyncIterator]()
  const buffered: RecordBatch[] = []
  let done = false
  let plan: ProtectPlan
  try {
    let seen = 0
    while (seen < Math.max(1, limit)) {
      const r = await it.next()
      if (r.done === true) {
        done = true
        break
      }
      buffered.push(r.value)
      seen += r.value.rowCount
    }
    plan = await compile(parsed, buffered, limit, options)
  } catch (e) {
    // Release the source's memory files and connection now, not when it is collected.
    await it.return?.()
    throw e
  }
  let rows = 0
  const signal = options.signal
  async function* parquet(): AsyncIterable<Uint8Array> {
    const emit = async (b: RecordBatch) => {
      const out = await protectBatchAsync(b, plan, rows)
      rows += b.rowCount
      return engine.batchToParquet(out, signal === undefined ? {} : { signal })
    }
    let any = false
    try {
      try {
        for (const b of buffered.splice(0)) {
          any = true
          yield await emit(b)
        }
        while (!done) {
          const r = await it.next()
          if (r.done === true) break
          any = true
          yield await emit(r.value)
        }
        done = true
      } finally {
        if (!done) await it.return?.()
      }
      // An input without rows still gets its header (CSV) or schema (Parquet).
      if (!any)
        yield await emit({ columns: plan.input, values: plan.input.map(() => []), rowCount: 0 })
    } finally {
      // The vault's keys are only needed while batches flow.
      plan.dispose?.()
    }
  }
  return { plan, parquet: parquet(), rows: () => rows }
}
