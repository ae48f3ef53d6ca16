/**
 * The processing-engine port: turns user files into plaintext Parquet chunks (which callers
 * encrypt before anything touches storage) and plaintext Parquet back into record batches or
 * user exports. Implementations must keep plaintext off disk, out of logs and out of errors.
 */
import type { RecordBatch } from '../core/batch.js'
import type { DatasetSchema } from '../core/schema.js'
import type { ChunkSampling } from './chunk-sample.js'

export type { ChunkSampling } from './chunk-sample.js'

/** Input file formats the engine ingests. */
export type InputFormat = 'csv' | 'jsonl' | 'parquet'

/** Export formats. */
export type OutputFormat = 'csv' | 'jsonl' | 'parquet'

/** A file to convert. */
export interface ConvertSource {
  readonly path: string
  readonly format: InputFormat
  /** CSV field delimiter, one ASCII character (default `,`). */
  readonly delimiter?: string
}

/** Options for {@link ProcessingEngine.convertToParquet}. */
export interface ConvertOptions {
  /** Input bytes per chunk (default 16 MiB). A chunk grows only to hold one whole record. */
  readonly chunkBytes?: number
  /** Hard limit for one record (default 256 MiB); larger → `ERR_INPUT_FIELD_TOO_LARGE`. */
  readonly maxRecordBytes?: number
  /** Read every CSV/JSONL column as text instead of sniffing types on the first chunk. */
  readonly allVarchar?: boolean
  readonly signal?: AbortSignal
  /** Called with the number of input bytes read so far. */
  readonly onProgress?: (bytesRead: number) => void
  /**
   * Return the leading rows of each chunk as {@link ParquetChunk.sample} (for column
   * classification), read the cheapest way the format allows.
   */
  readonly sample?: ChunkSampling
}

/** One converted chunk: plaintext Parquet held in memory, to be encrypted by the caller. */
export interface ParquetChunk {
  /** Plaintext Parquet bytes; never write them anywhere unencrypted. */
  readonly bytes: Uint8Array
  readonly rowCount: number
  readonly schema: DatasetSchema
  /** 0-based index of this chunk's first row in the whole input. */
  readonly firstRow: number
  /**
   * The chunk's first rows, as many as {@link ConvertOptions.sample} asked of this chunk
   * (absent when it asked for none). The same values a read of `bytes` would give;
   * plaintext, to be used in memory only.
   */
  readonly sample?: RecordBatch
}

/** Schema and size of a Parquet buffer. */
export interface ParquetInfo {
  readonly rowCount: number
  readonly schema: DatasetSchema
}

/** Options for {@link ProcessingEngine.readBatches}. */
export interface ReadBatchesOptions {
  /** Columns to return, in this order (default: all). Unknown → `ERR_COLUMN_NOT_FOUND`. */
  readonly columns?: readonly string[]
  /** Stop after this many rows. */
  readonly limit?: number
  /** Rows per batch (default 8192). */
  readonly batchRows?: number
  /** Only rows where this parameterized predicate holds (applied before `limit`). */
  readonly where?: RowPredicate
  readonly signal?: AbortSignal
}

/**
 * A row predicate over a file's columns: SQL with `?` placeholders and the values bound to
 * them, in order. Values are only ever bound, never spliced into the SQL text.
 */
export interface RowPredicate {
  readonly sql: string
  readonly params: readonly (string | number | boolean | null)[]
}

/** Options for {@link ProcessingEngine.writeOutput}. */
export interface WriteOutputOptions {
  readonly columns?: readonly string[]
  readonly limit?: number
  /** Only rows where this parameterized predicate holds (applied before `limit`). */
  readonly where?: RowPredicate
  readonly format: OutputFormat
  /**
   * Destination path (written atomically: temp file beside it, then rename), `-` for
   * stdout, or a sink that receives the output bytes in order (for callers that route
   * output themselves, such as the CLI's injectable I/O).
   */
  readonly out: string | OutputSink
  readonly signal?: AbortSignal
}

/** Receives output bytes in order; awaited, so it can apply back-pressure. */
export type OutputSink = (bytes: Uint8Array) => Promise<void> | void

/** What {@link ProcessingEngine.writeOutput} wrote. */
export interface WriteOutputResult {
  readonly rows: number
  readonly bytes: number
}

/** The processing engine port. */
export interface ProcessingEngine {
  /** Converts a CSV, JSONL or Parquet file into bounded plaintext Parquet chunks. */
  convertToParquet(source: ConvertSource, options?: ConvertOptions): AsyncIterable<ParquetChunk>
  /** Row count and schema of a plaintext Parquet buffer. */
  inspectParquet(bytes: Uint8Array): Promise<ParquetInfo>
  /** Streams plaintext Parquet buffers as column-major record batches. */
  readBatches(
    files: AsyncIterable<Uint8Array>,
    options?: ReadBatchesOptions,
  ): AsyncIterable<RecordBatch>
  /** Exports plaintext Parquet buffers to a user file or stdout. */
  writeOutput(
    files: AsyncIterable<Uint8Array>,
    options: WriteOutputOptions,
  ): Promise<WriteOutputResult>
  /** Releases the engine. */
  close(): Promise<void>
}
