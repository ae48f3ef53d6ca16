/**
 * `strongroom protect FILE`: de-identify a CSV, JSONL or Parquet file without a lake. The
 * input goes through the engine (plaintext Parquet in tmpfs memory files), is transformed in
 * batches, and is written atomically: on any error, including an invalid spec or a missing
 * key, nothing is written.
 */
import type { DiscoveryConfig } from '../discovery/discovery-config.js'
import { createDiscoveryEngine } from '../discovery/discovery-engine.js'
import { createDuckDbEngine } from '../formats/duckdb-engine.js'
import type { InputFormat, OutputFormat, OutputSink } from '../formats/engine.js'
import { inferFormat } from '../lake/ingest.js'
import type { ColumnSchema } from '../core/schema.js'
import {
  protectBatches,
  resolveSpec,
  type ProtectSpecSource,
  type ProtectSummary,
} from './pipeline.js'
import { resolveStandaloneKey } from './transform-keys.js'

/** Options for {@link protectFile}. */
export interface ProtectFileOptions {
  /** The spec: a YAML/JSON file path or a parsed spec. */
  readonly spec: ProtectSpecSource
  /** Output path (atomic), `-` for stdout, or a sink. */
  readonly out: string | OutputSink
  /** Output format; default from the output's extension, else CSV. */
  readonly format?: OutputFormat
  /** Input format; default from the input's extension. */
  readonly inputFormat?: InputFormat
  /** A key file (base64 of 32 bytes); else `STRONGROOM_PROTECT_KEY`. */
  readonly keyFile?: string
  /** Environment to read `STRONGROOM_PROTECT_KEY` from (default `process.env`). */
  readonly env?: NodeJS.ProcessEnv
  /** Rows sampled for classification rules and FPE checks (default 1,000). */
  readonly sample?: number
  /** Discovery settings for classification and free-text redaction. */
  readonly discovery?: DiscoveryConfig
  /** tmpfs folder for the engine's memory files (default `/dev/shm`). */
  readonly scratchDir?: string
  readonly signal?: AbortSignal
}

/** What {@link protectFile} wrote. */
export interface ProtectFileResult extends ProtectSummary {
  readonly source: string
  readonly format: OutputFormat
  readonly bytes: number
}

/** The output format implied by an output path (CSV when it says nothing). */
export function outputFormatOf(out: string | OutputSink): OutputFormat {
  if (typeof out !== 'string') return 'csv'
  const lower = out.toLowerCase()
  if (lower.endsWith('.parquet')) return 'parquet'
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return 'jsonl'
  return 'csv'
}

/**
 * De-identifies one file with a protection spec.
 *
 * @example
 * ```ts
 * const r = await protectFile('customers.csv', { spec: 'protect.yaml', out: 'safe.csv', keyFile: 'k' })
 * r.columns // [{ column: 'email', transform: 'token', source: 'column', dropped: false }, …]
 * ```
 */
export async function protectFile(
  path: string,
  options: ProtectFileOptions,
): Promise<ProtectFileResult> {
  const parsed = await resolveSpec(options.spec)
  const format = options.format ?? outputFormatOf(options.out)
  const inputFormat = options.inputFormat ?? inferFormat(path)
  const engine = await createDuckDbEngine({
    scratchDir: options.scratchDir ?? '/dev/shm',
    threads: 1,
  })
  const discovery = createDiscoveryEngine(options.discovery)
  let master: Buffer | undefined
  try {
    let schema: readonly ColumnSchema[] | undefined
    const signal = options.signal
    const chunks = engine.convertToParquet(
      { path, format: inputFormat },
      signal === undefined ? {} : { signal },
    )
    const files = (async function* () {
      for await (const chunk of chunks) {
        schema ??= chunk.schema.columns
        yield chunk.bytes
      }
    })()
    const stream = await protectBatches(
      engine,
      engine.readBatches(files, signal === undefined ? {} : { signal }),
      parsed,
      {
        discovery,
        master: async () => {
          master = await resolveStandaloneKey({
            ...(options.keyFile === undefined ? {} : { keyFile: options.keyFile }),
            ...(options.env === undefined ? {} : { env: options.env }),
          })
          return master
        },
        ...(options.sample === undefined ? {} : { sample: options.sample }),
        ...(signal === undefined ? {} : { signal }),
        get schema() {
          return schema
        },
      },
    )
    const r = await engine.writeOutput(stream.parquet, {
      format,
      out: options.out,
      ...(signal === undefined ? {} : { signal }),
    })
    return {
      source: path,
      format,
      rows: r.rows,
      bytes: r.bytes,
      columns: stream.plan.columns,
      schema: stream.plan.output,
    }
  } finally {
    master?.fill(0)
    discovery.close()
    await engine.close()
  }
}
