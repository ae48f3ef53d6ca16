/**
 * The DuckDB processing engine.
 *
 * Plaintext never touches disk: DuckDB runs in memory with spilling disabled, and every file
 * it reads or writes on our behalf is an unnamed tmpfs file (see `scratch.ts`) reached
 * through `/proc/self/fd/<fd>`. Encryption happens outside DuckDB, on the Parquet bytes this
 * engine yields. DuckDB error messages quote input lines, so they are never passed on: each
 * failure is mapped to a Strongroom code with row numbers and column names only, and the
 * original error is dropped (not kept as `cause`).
 */
import { isUtf8 } from 'node:buffer'
import { randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'

import type * as DuckDbApiModule from '@duckdb/node-api'
import type {
  DuckDBConnection,
  DuckDBDataChunk,
  DuckDBInstance,
  DuckDBType,
  DuckDBValue,
  DuckDBValueConverter,
} from '@duckdb/node-api'

import type { CellValue, RecordBatch } from '../core/batch.js'
import type { ColumnSchema, DatasetSchema } from '../core/schema.js'
import { StrongroomError, isStrongroomError } from '../errors.js'
import { ChunkReader, openRegularFile } from './chunk-reader.js'
import {
  SamplePlan,
  chunkSamplePrefixRows,
  leadingCsvRecordsEnd,
  leadingJsonLinesEnd,
} from './chunk-sample.js'
import { parseCsvSample } from './csv-sample.js'
import {
  countNewlines,
  findCsvIssue,
  firstRecordEnd,
  lastRecordEnd,
  parseCsvRecord,
} from './csv-scan.js'
import type { CsvIssue } from './csv-scan.js'
import {
  columnTypeOf,
  columnsStruct,
  isSimpleType,
  quoteIdent,
  quoteLiteral,
} from './duckdb-sql.js'
import type {
  ConvertOptions,
  ConvertSource,
  ParquetChunk,
  ParquetInfo,
  OutputSink,
  ProcessingEngine,
  ReadBatchesOptions,
  RowPredicate,
  WriteOutputOptions,
  WriteOutputResult,
} from './engine.js'
import { DEFAULT_SCRATCH_DIR, createMemoryFile, verifyScratchDir } from './scratch.js'
import type { MemoryFile } from './scratch.js'

/** Options for {@link createDuckDbEngine}. */
export interface DuckDbEngineOptions {
  /** tmpfs directory for unnamed scratch files (default `/dev/shm`). */
  readonly scratchDir?: string
  /** DuckDB worker threads (default: DuckDB's, the core count). */
  readonly threads?: number
  /** DuckDB memory limit, e.g. `'2GB'`. With spilling disabled, exceeding it fails the query. */
  readonly memoryLimit?: string
  /**
   * Parquet compression for chunks (default `zstd`). Measured on 1M synthetic customers:
   * ZSTD was about as fast as Snappy here and ~35% smaller, and smaller chunks mean less to
   * encrypt and store.
   */
  readonly compression?: 'zstd' | 'snappy'
}

const MIB = 1024 * 1024
const DEFAULT_CHUNK_BYTES = 16 * MIB
/** One record above this is refused: it bounds the chunk buffer, hence memory. */
const DEFAULT_MAX_RECORD_BYTES = 256 * MIB
const DEFAULT_BATCH_ROWS = 8192
// Rows per Parquet row group. DuckDB buffers a whole row group per writer before flushing;
// 30,720 rows (a quarter of its default) cut peak RSS of a 1M-row ingest from 337 to 272 MiB
// (threads=1) with the same compressed size (45.0 vs 45.3 MB), measured here.
const ROW_GROUP_ROWS = 30_720
const QUOTE = 0x22
const LF = 0x0a

/** The subset of `@duckdb/node-api` we use, loaded lazily (style: vendor SDKs load on demand). */
type DuckDbApi = typeof DuckDbApiModule

/**
 * Settings applied at instance creation, before any data is seen.
 *
 * - `temp_directory=''`: an in-memory DuckDB otherwise spills to `.tmp` in the working
 *   directory (default checked on 1.5.6). Empty disables spilling: a query that would spill
 *   fails with "Out of Memory" instead (verified). `max_temp_directory_size=0` is a second
 *   lock on the same door.
 * - `autoinstall/autoload_known_extensions=false`: no network downloads, no surprise code.
 *   parquet and json are built into this DuckDB build; we never INSTALL anything.
 * - `enable_external_file_cache=false`: DuckDB caches file blocks by path; our scratch paths
 *   (`/proc/self/fd/N`) are reused when fds are recycled, so a cache could serve one chunk's
 *   bytes for another, and it would keep plaintext in memory longer than needed.
 */
function instanceConfig(options: DuckDbEngineOptions): Record<string, string> {
  return {
    temp_directory: '',
    max_temp_directory_size: '0KiB',
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
    allow_community_extensions: 'false',
    allow_unsigned_extensions: 'false',
    enable_external_file_cache: 'false',
    ...(options.threads === undefined ? {} : { threads: String(options.threads) }),
    ...(options.memoryLimit === undefined ? {} : { memory_limit: options.memoryLimit }),
  }
}

/**
 * Creates a DuckDB engine after verifying the scratch directory and DuckDB's settings.
 *
 * @throws StrongroomError `ERR_ENGINE_NO_SECURE_SCRATCH` when `scratchDir` is not tmpfs with
 *   `O_TMPFILE`; `ERR_ENGINE_FAILED` when DuckDB cannot be configured to keep data in memory.
 *
 * @example
 * ```ts
 * const engine = await createDuckDbEngine()
 * try {
 *   for await (const chunk of engine.convertToParquet({ path: 'customers.csv', format: 'csv' })) {
 *     await store.put(key, encrypt(chunk.bytes))
 *   }
 * } finally {
 *   await engine.close()
 * }
 * ```
 */
export async function createDuckDbEngine(options: DuckDbEngineOptions = {}): Promise<DuckDbEngine> {
  const scratchDir = options.scratchDir ?? DEFAULT_SCRATCH_DIR
  verifyScratchDir(scratchDir)
  const api = await import('@duckdb/node-api')
  let db: DuckDBInstance
  try {
    db = await api.DuckDBInstance.create(':memory:', instanceConfig(options))
  } catch {
    throw new StrongroomError(
      'ERR_ENGINE_FAILED',
      'DuckDB could not be started with the required settings',
    )
  }
  const conn = await db.connect()
  try {
    await conn.run('SET enable_progress_bar=false')
    await conn.run('LOAD parquet')
    await conn.run('LOAD json')
    const reader = await conn.runAndReadAll(
      "SELECT name, value FROM duckdb_settings() WHERE name IN ('temp_directory', 'autoinstall_known_extensions', 'autoload_known_extensions', 'enable_external_file_cache')",
    )
    const settings = new Map(reader.getRowsJS().map((r) => [text(r[0]), text(r[1])]))
    // Fail closed if DuckDB silently ignored a setting (e.g. a future default change).
    if (
      settings.get('temp_directory') !== '' ||
      settings.get('autoinstall_known_extensions') !== 'false' ||
      settings.get('autoload_known_extensions') !== 'false' ||
      settings.get('enable_external_file_cache') !== 'false'
    ) {
      throw new StrongroomError(
        'ERR_ENGINE_FAILED',
        'DuckDB did not accept the in-memory-only settings',
      )
    }
    // Nothing may change these settings later, on any connection.
    await conn.run('SET lock_configuration=true')
  } catch (e) {
    conn.closeSync()
    db.closeSync()
    if (isStrongroomError(e)) throw e
    throw new StrongroomError('ERR_ENGINE_FAILED', 'DuckDB could not be configured')
  }
  conn.closeSync()
  return new DuckDbEngine(api, db, scratchDir, options.compression ?? 'zstd')
}

/** Column schema and DuckDB types of a CSV/JSONL input, fixed after the first chunk. */
interface FixedColumns {
  readonly names: readonly string[]
  readonly types: readonly string[]
  /** The sniffed date and timestamp formats, when any (see {@link formatArgs}). */
  readonly formats?: { readonly date?: string; readonly timestamp?: string }
}

/** Formats that read exactly what ISO 8601 text reads, as csv-sample.ts types it. */
const ISO_DATE_FORMAT = '%Y-%m-%d'
const ISO_TIMESTAMP_FORMAT = '%Y-%m-%d %H:%M:%S'

/** The DuckDB implementation of {@link ProcessingEngine}. Create with {@link createDuckDbEngine}. */
export class DuckDbEngine implements ProcessingEngine {
  private closed = false
  private readonly converter: DuckDBValueConverter<CellValue>

  /** @internal Use {@link createDuckDbEngine}. */
  constructor(
    private readonly api: DuckDbApi,
    private readonly db: DuckDBInstance,
    private readonly scratchDir: string,
    private readonly compression: 'zstd' | 'snappy',
  ) {
    this.converter = makeConverter(api)
  }

  /**
   * Converts `source` into plaintext Parquet chunks of roughly `chunkBytes` of input each.
   * CSV and JSONL are read in JS, cut on record boundaries and handed to DuckDB one chunk at a
   * time through a memory file; Parquet input is re-chunked by row ranges.
   *
   * Row numbers in errors are 1-based data rows (the CSV header is not a row); JSONL errors
   * give 1-based line numbers.
   */
  convertToParquet(
    source: ConvertSource,
    options: ConvertOptions = {},
  ): AsyncIterable<ParquetChunk> {
    switch (source.format) {
      case 'csv':
        return this.convertCsv(source, options)
      case 'jsonl':
        return this.convertJsonl(source, options)
      case 'parquet':
        return this.convertParquet(source, options)
      default:
        throw new StrongroomError('ERR_INPUT_UNSUPPORTED_FORMAT', 'Unsupported input format')
    }
  }

  private async *convertCsv(
    source: ConvertSource,
    options: ConvertOptions,
  ): AsyncGenerator<ParquetChunk> {
    const delim = delimiterByte(source.delimiter ?? ',')
    const maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES
    const signal = options.signal
    checkAborted(signal)
    const reader = await ChunkReader.open(
      source.path,
      options.chunkBytes ?? DEFAULT_CHUNK_BYTES,
      maxRecordBytes,
      options.onProgress,
    )
    // Two conversion slots, each with its own connection and memory files, so DuckDB converts
    // chunk k+1 while chunk k finishes and is handed on: one COPY of a 32 MiB chunk cannot keep
    // both cores busy (measured 0.3-0.45 s per chunk with 1 or 2 threads alike).
    const slots: CsvSlot[] = []
    const inflight: CsvJob[] = []
    const sampling = options.sample
    const plan = new SamplePlan(sampling)
    let jobs = 0
    try {
      for (let i = 0; i < 2; i++) {
        slots.push({
          conn: await this.connect(signal),
          // The chunk's leading records, read again for its sample.
          ...(sampling === undefined ? {} : { prefix: createMemoryFile(this.scratchDir) }),
          input: createMemoryFile(this.scratchDir),
          output: createMemoryFile(this.scratchDir),
        })
      }
      const first = slots[0] as CsvSlot
      // Header: the first record, BOM stripped. We parse it ourselves because DuckDB silently
      // renames duplicate (`a_1`) and empty (`column1`) names, and we must refuse those.
      let skipBom = 0
      const header = await reader.next((buf) => {
        skipBom = buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0
        const end = firstRecordEnd(buf, skipBom, buf.length, QUOTE)
        return end === -1 ? 'more' : end
      })
      if (header === undefined) {
        throw new StrongroomError(
          'ERR_INPUT_UNBALANCED_QUOTE',
          'The CSV header has a quote that is never closed',
        )
      }
      if (!isUtf8(header)) {
        throw new StrongroomError('ERR_INPUT_ENCODING', 'The CSV header is not valid UTF-8', {
          details: { row: 0 },
        })
      }
      const parsed = parseCsvRecord(header, skipBom, header.length, delim, QUOTE)
      if (parsed === undefined) {
        throw new StrongroomError(
          'ERR_INPUT_UNBALANCED_QUOTE',
          'The CSV header has a misplaced quote',
        )
      }
      const names = validateColumnNames(parsed.fields)
      // The header's line ending decides the file's. DuckDB's own detection is fooled by a
      // quoted "\r\n" inside a field of an LF file (measured), so for LF files we say so;
      // CRLF files are left to its detection, which handles them.
      const newLine =
        header.length >= 2 && header[header.length - 2] === 0x0d ? '' : `, new_line='\\n'`
      let fixed: FixedColumns | undefined =
        options.allVarchar === true ? allVarchar(names) : undefined
      let firstRow = 0
      let yielded = false
      // Finishes the oldest conversion: errors and chunks come out in input order.
      const finish = async (): Promise<ParquetChunk | undefined> => {
        const job = inflight.shift() as CsvJob
        try {
          return await finishJob(job)
        } finally {
          // The copied leading records are plaintext: gone once the sample is taken.
          job.sample?.scrub()
        }
      }
      const finishJob = async (job: CsvJob): Promise<ParquetChunk | undefined> => {
        let rows: number
        try {
          rows = await job.rows
        } catch (e) {
          if (signal?.aborted === true) throw abortedError()
          throw csvChunkError(e, job.slot.input.readAll(), firstRow, job.fixed.names, delim)
        }
        // The slot (its connection and prefix file) is reused once this returns.
        await job.sample?.read.catch(() => undefined)
        if (rows === 0) return undefined
        const schema = schemaOf(job.fixed)
        const wanted = plan.wanted
        let sample: RecordBatch | undefined
        if (job.sample !== undefined && wanted > 0) {
          sample = await job.sample.read
          // Read ahead for the chunk's place in the plan; only when earlier chunks gave no
          // rows may it want more (the first chunk's share), read now.
          if (sample.rowCount < wanted && job.sample.limit < wanted)
            sample = await job.sample.again(wanted)
          sample = firstRows(sample, wanted)
          plan.took(sample.rowCount)
        }
        const chunk = chunkOf(job.slot.output.readAll(), rows, schema, firstRow, sample)
        firstRow += rows
        return chunk
      }
      let failure: Error | undefined
      for (;;) {
        checkAborted(signal)
        let chunk: Buffer | undefined
        try {
          chunk = await reader.next((buf, eof) => {
            const scan = lastRecordEnd(buf, 0, buf.length, QUOTE)
            if (eof) {
              if (scan.inQuotesAtEnd)
                throw new DeferredCsvIssue(
                  findCsvIssue(buf, 0, buf.length, delim, QUOTE, names.length),
                  'ERR_INPUT_UNBALANCED_QUOTE',
                )
              return buf.length
            }
            return scan.end === -1 ? 'more' : scan.end
          })
          // Newlines never occur inside a UTF-8 multi-byte sequence, so each record-aligned
          // chunk can be validated on its own; isUtf8 is native and allocation-free.
          if (chunk !== undefined && !isUtf8(chunk)) {
            throw new DeferredCsvIssue(
              findCsvIssue(chunk, 0, chunk.length, delim, QUOTE, names.length),
              'ERR_INPUT_ENCODING',
            )
          }
        } catch (e) {
          // Report in input order: earlier chunks still converting come out (or fail) first.
          failure = e instanceof Error ? e : new Error('non-error thrown while reading input')
          chunk = undefined
        }
        if (chunk === undefined) break
        if (inflight.length === 2) {
          const done = await finish()
          if (done !== undefined) {
            yielded = true
            yield done
          }
        }
        const slot = slots.find((sl) => !inflight.some((j) => j.slot === sl)) ?? first
        slot.input.truncate()
        slot.input.write(chunk)
        const maxLine = Math.max(2 * MIB, chunk.length + 1)
        if (fixed === undefined) {
          fixed = await this.sniffCsv(
            slot.conn,
            slot.input,
            names,
            delim,
            maxLine + newLine,
            chunk,
            firstRow,
          )
        }
        const columns = fixed
        const readSql = (file: string): string =>
          `read_csv(${quoteLiteral(file)}, header=false, auto_detect=false, columns=${columnsStruct(columns.names, columns.types)}, delim=${quoteLiteral(String.fromCharCode(delim))}, quote='"', escape='"', strict_mode=true, null_padding=false, allow_quoted_nulls=false, encoding='utf-8', max_line_size=${maxLine}${newLine}${formatArgs(columns)})`
        const rows = this.copyToParquet(
          slot.conn,
          `SELECT * FROM ${readSql(slot.input.path)}`,
          slot.output,
        )
        // Handled when finished; mark it so an early exit does not leave it unobserved.
        rows.catch(() => undefined)
        // The sample is typed in JS, or read by DuckDB on the slot's connection, right after
        // the conversion, so it is ready when the chunk is handed on.
        let sample: CsvJob['sample']
        const prefixFile = slot.prefix
        if (sampling !== undefined && prefixFile !== undefined && !plan.done) {
          const prefix = chunk.subarray(
            0,
            leadingCsvRecordsEnd(chunk, chunkSamplePrefixRows(sampling), QUOTE),
          )
          const schema = schemaOf(columns)
          const limit = jobs === 0 ? sampling.first : sampling.later
          const kept = Buffer.from(prefix)
          let written = false
          const readByDuckDb = (n: number): Promise<RecordBatch> => {
            if (!written) {
              prefixFile.truncate()
              prefixFile.write(kept)
              written = true
            }
            return this.readSample(
              slot.conn,
              `SELECT * FROM ${readSql(prefixFile.path)}`,
              schema.columns,
              n,
              signal,
            )
          }
          // Typed in JS where the columns allow (csv-sample.ts), else read by DuckDB; either
          // way it is handed on only once the conversion has accepted the chunk.
          const typed = (n: number): RecordBatch | undefined =>
            isoFormats(columns) ? parseCsvSample(kept, schema.columns, delim, QUOTE, n) : undefined
          const again = (n: number): Promise<RecordBatch> => {
            const batch = typed(n)
            return batch === undefined ? readByDuckDb(n) : Promise.resolve(batch)
          }
          const read = rows.then(() => again(limit))
          read.catch(() => undefined)
          sample = { read, limit, again, scrub: () => kept.fill(0) }
        }
        jobs += 1
        inflight.push({ slot, rows, fixed, ...(sample === undefined ? {} : { sample }) })
      }
      while (inflight.length > 0) {
        const done = await finish()
        if (done !== undefined) {
          yielded = true
          yield done
        }
      }
      // Row numbers of a problem found in JS are relative to its chunk: only now, with every
      // earlier chunk counted, is the absolute row known.
      if (failure instanceof DeferredCsvIssue)
        throw csvIssueError(failure.issue, firstRow, failure.code)
      if (failure !== undefined) throw failure
      if (!yielded)
        yield await this.emptyChunk(first.conn, fixed ?? allVarchar(names), first.output)
    } finally {
      // Let conversions still running settle before their memory files and connections go.
      await Promise.allSettled(
        inflight.flatMap((j) => (j.sample === undefined ? [j.rows] : [j.rows, j.sample.read])),
      )
      for (const j of inflight) j.sample?.scrub()
      for (const sl of slots) {
        sl.input.close()
        sl.output.close()
        sl.prefix?.close()
        sl.conn.closeSync()
      }
      await reader.close()
    }
  }

  /** Detects column types on the first chunk; on failure finds the structural problem. */
  private async sniffCsv(
    conn: DuckDBConnection,
    input: MemoryFile,
    names: readonly string[],
    delim: number,
    /** `max_line_size` and the optional `new_line` argument, already SQL text. */
    maxLine: string,
    chunk: Buffer,
    firstRow: number,
  ): Promise<FixedColumns> {
    let row: unknown[] | undefined
    try {
      const r = await conn.runAndReadAll(
        `SELECT Columns, DateFormat, TimestampFormat FROM sniff_csv(${quoteLiteral(input.path)}, header=false, delim=${quoteLiteral(String.fromCharCode(delim))}, quote='"', escape='"', strict_mode=true, null_padding=false, max_line_size=${maxLine})`,
      )
      row = r.getRowsJS()[0]
    } catch {
      // The sniffer's message may quote data; only our own scan decides what to report.
      row = undefined
    }
    const cols = row?.[0]
    if (!Array.isArray(cols) || cols.length !== names.length) {
      const issue = findCsvIssue(chunk, 0, chunk.length, delim, QUOTE, names.length)
      throw csvIssueError(issue, firstRow, 'ERR_INPUT_MALFORMED')
    }
    const types = cols.map((c) => {
      const t = text((c as Record<string, unknown>)['type']) || 'VARCHAR'
      return isSimpleType(t) ? t : 'VARCHAR'
    })
    // Keep the sniffed date/timestamp formats: with auto_detect=false DuckDB would otherwise
    // expect ISO 8601 and reject the later chunks.
    const formats: { date?: string; timestamp?: string } = {}
    const dateFormat = row?.[1]
    const tsFormat = row?.[2]
    if (typeof dateFormat === 'string' && dateFormat !== '') formats.date = dateFormat
    if (typeof tsFormat === 'string' && tsFormat !== '') formats.timestamp = tsFormat
    return { names, types, formats }
  }

  private async *convertJsonl(
    source: ConvertSource,
    options: ConvertOptions,
  ): AsyncGenerator<ParquetChunk> {
    const signal = options.signal
    checkAborted(signal)
    const reader = await ChunkReader.open(
      source.path,
      options.chunkBytes ?? DEFAULT_CHUNK_BYTES,
      options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES,
      options.onProgress,
    )
    const conn = await this.connect(signal)
    const input = createMemoryFile(this.scratchDir)
    const output = createMemoryFile(this.scratchDir)
    const plan = new SamplePlan(options.sample)
    const sampleFile = plan.done ? undefined : createMemoryFile(this.scratchDir)
    try {
      let fixed: FixedColumns | undefined
      let firstRow = 0
      let firstLine = 1
      let yielded = false
      let bom = true
      for (;;) {
        checkAborted(signal)
        let chunk = await reader.next((buf, eof) => {
          if (eof) return buf.length
          const nl = buf.lastIndexOf(LF)
          return nl === -1 ? 'more' : nl + 1
        })
        if (chunk === undefined) break
        if (bom) {
          bom = false
          if (chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) chunk = chunk.subarray(3)
        }
        const lines = countNewlines(chunk, 0, chunk.length)
        if (!isUtf8(chunk)) throw jsonlIssueError(chunk, firstLine, fixed, 'encoding')
        input.truncate()
        input.write(chunk)
        const path = quoteLiteral(input.path)
        if (fixed === undefined) {
          fixed = await this.sniffJson(conn, path, chunk, firstLine, options.allVarchar === true)
        }
        // DuckDB silently drops keys not in `columns`; refuse them instead of losing data.
        await this.checkJsonKeys(conn, path, fixed, chunk, firstLine)
        const columns = fixed
        const readSql = (file: string): string =>
          `read_json(${file}, format='newline_delimited', columns=${columnsStruct(columns.names, columns.types)}, maximum_object_size=${Math.max(16 * MIB, chunk.length + 1)})`
        let rows: number
        try {
          rows = await this.copyToParquet(conn, `SELECT * FROM ${readSql(path)}`, output)
        } catch {
          if (signal?.aborted === true) throw abortedError()
          throw jsonlIssueError(chunk, firstLine, fixed, 'duckdb')
        }
        firstLine += lines
        if (rows === 0) continue
        const schema = schemaOf(fixed)
        const wanted = plan.wanted
        let sample: RecordBatch | undefined
        if (sampleFile !== undefined && wanted > 0) {
          sampleFile.truncate()
          sampleFile.write(chunk.subarray(0, leadingJsonLinesEnd(chunk, wanted)))
          sample = await this.readSample(
            conn,
            `SELECT * FROM ${readSql(quoteLiteral(sampleFile.path))}`,
            schema.columns,
            wanted,
            signal,
          )
          plan.took(sample.rowCount)
        }
        yield chunkOf(output.readAll(), rows, schema, firstRow, sample)
        yielded = true
        firstRow += rows
      }
      if (fixed === undefined)
        throw new StrongroomError('ERR_INPUT_EMPTY', 'The JSONL input has no records')
      if (!yielded) yield await this.emptyChunk(conn, fixed, output)
    } finally {
      input.close()
      output.close()
      sampleFile?.close()
      conn.closeSync()
      await reader.close()
    }
  }

  private async sniffJson(
    conn: DuckDBConnection,
    path: string,
    chunk: Buffer,
    firstLine: number,
    allText: boolean,
  ): Promise<FixedColumns> {
    let names: string[]
    let types: string[]
    try {
      // sample_size=-1: type the first chunk from all its records, not the first 20k.
      const r = await conn.runAndReadAll(
        `DESCRIBE SELECT * FROM read_json(${path}, format='newline_delimited', sample_size=-1, maximum_object_size=${Math.max(16 * MIB, chunk.length + 1)})`,
      )
      const rows = r.getRowsJS()
      names = rows.map((x) => text(x[0]))
      types = rows.map((x) => text(x[1]))
    } catch {
      throw jsonlIssueError(chunk, firstLine, undefined, 'duckdb')
    }
    // A file of non-object lines (e.g. `1`, `[1]`) yields one unnamed `json` column.
    if (names.length === 0)
      throw new StrongroomError('ERR_INPUT_EMPTY', 'The JSONL input has no records')
    validateColumnNames(names)
    // Structs, lists and odd types are kept as JSON text rather than building nested SQL.
    types = types.map((t) => (allText || !isSimpleType(t) ? 'VARCHAR' : t))
    return { names, types }
  }

  private async checkJsonKeys(
    conn: DuckDBConnection,
    path: string,
    fixed: FixedColumns,
    chunk: Buffer,
    firstLine: number,
  ): Promise<void> {
    let keys: string[]
    try {
      const r = await conn.runAndReadAll(
        `SELECT DISTINCT unnest(json_keys(json)) FROM read_json_objects(${path}, format='newline_delimited', maximum_object_size=${Math.max(16 * MIB, chunk.length + 1)})`,
      )
      keys = r.getRowsJS().map((x) => text(x[0]))
    } catch {
      throw jsonlIssueError(chunk, firstLine, fixed, 'duckdb')
    }
    const known = new Set(fixed.names)
    const unknown = keys.find((k) => !known.has(k))
    if (unknown !== undefined) {
      throw new StrongroomError(
        'ERR_INPUT_MALFORMED',
        `Field ${unknown} does not appear in the first chunk of the input`,
        {
          hint: 'Every JSONL record must use the keys seen in the first chunk; add the key (null) to an early record or raise chunkBytes.',
          details: { column: unknown, fromLine: firstLine },
        },
      )
    }
  }

  private async *convertParquet(
    source: ConvertSource,
    options: ConvertOptions,
  ): AsyncGenerator<ParquetChunk> {
    const signal = options.signal
    checkAborted(signal)
    // Open the user's file ourselves and give DuckDB /proc/self/fd/N: no glob expansion of
    // `*`/`[` in user paths, and DuckDB reads exactly the file we validated.
    const fh = await openRegularFile(source.path)
    const conn = await this.connect(signal)
    const output = createMemoryFile(this.scratchDir)
    try {
      const size = (await fh.stat()).size
      const path = quoteLiteral(`/proc/self/fd/${fh.fd}`)
      let columns: ColumnSchema[]
      let numRows: number
      try {
        columns = await describe(conn, `SELECT * FROM read_parquet(${path})`)
        const r = await conn.runAndReadAll(`SELECT num_rows FROM parquet_file_metadata(${path})`)
        numRows = Number(r.getRowsJS()[0]?.[0] ?? 0)
      } catch {
        throw new StrongroomError(
          'ERR_INPUT_MALFORMED',
          'The Parquet input is corrupt or not Parquet',
        )
      }
      validateColumnNames(columns.map((c) => c.name))
      const schema: DatasetSchema = { columns }
      const select = columns.map((c) => quoteIdent(c.name)).join(', ')
      // Rows per chunk from the average compressed row size: chunks of ~chunkBytes of input.
      const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES
      const rowsPerChunk = Math.max(
        1,
        Math.floor((chunkBytes * Math.max(1, numRows)) / Math.max(1, size)),
      )
      const byRowNumber = !columns.some((c) => c.name === 'file_row_number')
      const plan = new SamplePlan(options.sample)
      let firstRow = 0
      while (firstRow < numRows) {
        checkAborted(signal)
        const n = Math.min(rowsPerChunk, numRows - firstRow)
        // file_row_number lets the reader skip row groups outside the range; LIMIT/OFFSET is
        // the fallback when the user's data has a column of that name.
        const sql = byRowNumber
          ? `SELECT ${select} FROM read_parquet(${path}, file_row_number=true) WHERE file_row_number >= ${firstRow} AND file_row_number < ${firstRow + n}`
          : `SELECT ${select} FROM read_parquet(${path}) LIMIT ${n} OFFSET ${firstRow}`
        let rows: number
        try {
          rows = await this.copyToParquet(conn, sql, output)
        } catch {
          if (signal?.aborted === true) throw abortedError()
          throw new StrongroomError('ERR_INPUT_MALFORMED', 'The Parquet input is corrupt', {
            details: { fromRow: firstRow + 1 },
          })
        }
        if (rows !== n) {
          throw new StrongroomError(
            'ERR_INPUT_MALFORMED',
            'The Parquet input has fewer rows than its footer says',
            {
              details: { fromRow: firstRow + 1 },
            },
          )
        }
        options.onProgress?.(Math.round((size * (firstRow + n)) / Math.max(1, numRows)))
        // Parquet input has no cheaper source of the first rows than the chunk itself.
        const wanted = plan.wanted
        const sample =
          wanted > 0
            ? await this.readSample(
                conn,
                `SELECT * FROM read_parquet(${quoteLiteral(output.path)})`,
                columns,
                wanted,
                signal,
              )
            : undefined
        plan.took(sample?.rowCount ?? 0)
        yield chunkOf(output.readAll(), rows, schema, firstRow, sample)
        firstRow += rows
      }
      if (numRows === 0) {
        await this.copyToParquet(
          conn,
          `SELECT ${select} FROM read_parquet(${path}) LIMIT 0`,
          output,
        )
        yield { bytes: output.readAll(), rowCount: 0, schema, firstRow: 0 }
      }
    } finally {
      output.close()
      conn.closeSync()
      await fh.close()
    }
  }

  /**
   * Row count and schema of a plaintext Parquet buffer (footer only).
   *
   * @throws StrongroomError `ERR_INPUT_MALFORMED` when the bytes are not valid Parquet.
   */
  async inspectParquet(bytes: Uint8Array): Promise<ParquetInfo> {
    const conn = await this.connect(undefined)
    const file = createMemoryFile(this.scratchDir)
    try {
      file.write(bytes)
      const path = quoteLiteral(file.path)
      try {
        const columns = await describe(conn, `SELECT * FROM read_parquet(${path})`)
        const r = await conn.runAndReadAll(`SELECT num_rows FROM parquet_file_metadata(${path})`)
        return { rowCount: Number(r.getRowsJS()[0]?.[0] ?? 0), schema: { columns } }
      } catch {
        throw new StrongroomError(
          'ERR_INPUT_MALFORMED',
          'The Parquet data is corrupt or not Parquet',
        )
      }
    } finally {
      file.close()
      conn.closeSync()
    }
  }

  /**
   * Streams plaintext Parquet buffers as column-major batches. Each buffer lives in a memory
   * file only while it is being read. Cell values: `int64` → bigint, `decimal` → exact string,
   * `date`/`timestamp` → Date (millisecond precision), `binary` → Uint8Array, `other` → JSON
   * text.
   *
   * @throws StrongroomError `ERR_COLUMN_NOT_FOUND` for an unknown column;
   *   `ERR_DATASET_SCHEMA_MISMATCH` when files disagree on the selected columns.
   */
  async *readBatches(
    files: AsyncIterable<Uint8Array>,
    options: ReadBatchesOptions = {},
  ): AsyncGenerator<RecordBatch> {
    const signal = options.signal
    const batchRows = Math.max(1, options.batchRows ?? DEFAULT_BATCH_ROWS)
    let remaining = options.limit ?? Number.POSITIVE_INFINITY
    if (remaining <= 0) return
    checkAborted(signal)
    const conn = await this.connect(signal)
    let selected: ColumnSchema[] | undefined
    try {
      for await (const bytes of files) {
        checkAborted(signal)
        const file = createMemoryFile(this.scratchDir)
        let pending: CellValue[][] | undefined
        let pendingRows = 0
        try {
          file.write(bytes)
          const path = quoteLiteral(file.path)
          const cols = await describeOrMalformed(conn, path)
          selected = checkSelection(selected, cols, options.columns)
          const limit = Number.isFinite(remaining) ? ` LIMIT ${remaining}` : ''
          const sql = `SELECT ${selected.map((c) => quoteIdent(c.name)).join(', ')} FROM read_parquet(${path})${whereClause(options.where)}${limit}`
          const result = await conn.stream(sql, whereParams(options.where)).catch(() => {
            throw engineFailed(signal, 'reading a Parquet chunk')
          })
          const types = selected.map((c) => c.type)
          pending = selected.map(() => [])
          for (;;) {
            const chunk = await result.fetchChunk().catch(() => {
              throw engineFailed(signal, 'reading a Parquet chunk')
            })
            if (chunk === null || chunk.rowCount === 0) break
            appendValues(chunk, types, pending, this.converter)
            pendingRows += chunk.rowCount
            remaining -= chunk.rowCount
            if (pendingRows >= batchRows) {
              yield { columns: selected, values: pending, rowCount: pendingRows }
              pending = selected.map(() => [])
              pendingRows = 0
              checkAborted(signal)
            }
          }
        } finally {
          // Consumed (or abandoned): free the plaintext copy now, not at GC time.
          file.close()
        }
        if (pending !== undefined && pendingRows > 0 && selected !== undefined) {
          yield { columns: selected, values: pending, rowCount: pendingRows }
        }
        if (remaining <= 0) break
      }
    } finally {
      conn.closeSync()
    }
  }

  /**
   * Exports plaintext Parquet buffers as CSV, JSONL or Parquet to `out` (atomically, via a
   * temp file beside it and a rename) or to stdout (`-`). This is the user's explicit
   * plaintext export, the one place plaintext is meant to reach a file.
   *
   * CSV/JSONL stream one buffer at a time (DuckDB writes each into a memory file, we append
   * it; the CSV header once). Parquet output needs one COPY over all inputs, so every input
   * buffer is held in memory files at once: memory cost ≈ the dataset's compressed size.
   */
  async writeOutput(
    files: AsyncIterable<Uint8Array>,
    options: WriteOutputOptions,
  ): Promise<WriteOutputResult> {
    const signal = options.signal
    checkAborted(signal)
    const conn = await this.connect(signal)
    const dest = await openDestination(options.out)
    const held: MemoryFile[] = []
    let rows = 0
    let ok = false
    try {
      let remaining = options.limit ?? Number.POSITIVE_INFINITY
      let selected: ColumnSchema[] | undefined
      const output = createMemoryFile(this.scratchDir)
      held.push(output)
      for await (const bytes of files) {
        checkAborted(signal)
        if (remaining <= 0) break
        const file = createMemoryFile(this.scratchDir)
        held.push(file)
        file.write(bytes)
        const path = quoteLiteral(file.path)
        const cols = await describeOrMalformed(conn, path)
        selected = checkSelection(selected, cols, options.columns)
        if (options.format === 'parquet') continue
        const first = rows === 0 && dest.bytes === 0
        const limit = Number.isFinite(remaining) ? ` LIMIT ${remaining}` : ''
        const fmt =
          options.format === 'csv'
            ? `FORMAT csv, HEADER ${first ? 'true' : 'false'}`
            : 'FORMAT json'
        output.truncate()
        let n: number
        try {
          const r = await conn.run(
            `COPY (SELECT ${selectList(selected)} FROM read_parquet(${path})${whereClause(options.where)}${limit}) TO ${quoteLiteral(output.path)} (${fmt}, USE_TMP_FILE false)`,
            whereParams(options.where),
          )
          n = Number(r.rowsChanged)
        } catch {
          throw engineFailed(signal, 'exporting')
        }
        // Free this input's plaintext before the next one arrives.
        held.pop()
        file.close()
        await dest.write(output.readAll())
        rows += n
        remaining -= n
      }
      if (options.format === 'parquet') {
        const inputs = held.slice(1)
        if (inputs.length === 0 || selected === undefined) {
          throw new StrongroomError('ERR_INPUT_EMPTY', 'Nothing to export')
        }
        const limit = Number.isFinite(remaining) ? ` LIMIT ${remaining}` : ''
        const list = `[${inputs.map((f) => quoteLiteral(f.path)).join(', ')}]`
        try {
          const r = await conn.run(
            `COPY (SELECT ${selectList(selected)} FROM read_parquet(${list})${whereClause(options.where)}${limit}) TO ${quoteLiteral(dest.duckPath ?? output.path)} (FORMAT parquet, COMPRESSION ${this.compression}, ROW_GROUP_SIZE ${ROW_GROUP_ROWS}, USE_TMP_FILE false)`,
            whereParams(options.where),
          )
          rows = Number(r.rowsChanged)
        } catch {
          throw engineFailed(signal, 'exporting')
        }
        if (dest.duckPath === undefined) await dest.write(output.readAll())
      }
      await dest.commit()
      ok = true
      return { rows, bytes: dest.bytes }
    } finally {
      for (const f of held) f.close()
      conn.closeSync()
      if (!ok) await dest.abort()
    }
  }

  /**
   * Turns a batch built in JS (e.g. a de-identified one) into a plaintext Parquet buffer with
   * the batch's column types, so it can go through {@link DuckDbEngine.writeOutput}. The rows
   * pass through a memory file as JSONL text, then one COPY casts them back to their types.
   */
  async batchToParquet(
    batch: RecordBatch,
    options: { readonly signal?: AbortSignal } = {},
  ): Promise<Uint8Array> {
    const signal = options.signal
    checkAborted(signal)
    const cols = batch.columns
    const keys = cols.map((_, i) => `c${i}`)
    const lines: string[] = []
    const row: Record<string, string | null> = {}
    for (let r = 0; r < batch.rowCount; r++) {
      for (let c = 0; c < cols.length; c++)
        row[keys[c]!] = cellText(batch.values[c]?.[r] ?? null, cols[c]!)
      lines.push(JSON.stringify(row))
    }
    const input = createMemoryFile(this.scratchDir)
    const output = createMemoryFile(this.scratchDir)
    const conn = await this.connect(signal)
    try {
      input.write(Buffer.from(lines.length === 0 ? '' : lines.join('\n') + '\n', 'utf8'))
      const columns = columnsStruct(
        keys,
        keys.map(() => 'VARCHAR'),
      )
      const select = cols
        .map((c, i) => `${castFromText(quoteIdent(keys[i]!), c)} AS ${quoteIdent(c.name)}`)
        .join(', ')
      const source =
        batch.rowCount === 0
          ? `(SELECT ${keys.map((k) => `NULL::VARCHAR AS ${quoteIdent(k)}`).join(', ')} LIMIT 0)`
          : `read_json(${quoteLiteral(input.path)}, format = 'newline_delimited', columns = ${columns})`
      try {
        await this.copyToParquet(conn, `SELECT ${select} FROM ${source}`, output)
      } catch {
        throw engineFailed(signal, 'writing a batch')
      }
      return output.readAll()
    } finally {
      input.close()
      output.close()
      conn.closeSync()
    }
  }

  /** Closes DuckDB. Further calls fail. */
  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true
      this.db.closeSync()
    }
    return Promise.resolve()
  }

  /** A fresh connection per operation: concurrent streams must not share one. */
  private async connect(signal: AbortSignal | undefined): Promise<DuckDBConnection> {
    if (this.closed) throw new StrongroomError('ERR_ENGINE_FAILED', 'The engine is closed')
    const conn = await this.db.connect()
    // Interrupt a running query when the caller aborts; the query then fails and we report
    // ERR_OPERATION_ABORTED.
    signal?.addEventListener('abort', () => conn.interrupt(), { once: true })
    return conn
  }

  /**
   * The first `limit` rows of `select` as one batch: the leading-row sample of a chunk,
   * read from the chunk's own first input records (see chunk-sample.ts).
   */
  private async readSample(
    conn: DuckDBConnection,
    select: string,
    columns: readonly ColumnSchema[],
    limit: number,
    signal: AbortSignal | undefined,
  ): Promise<RecordBatch> {
    const values: CellValue[][] = columns.map(() => [])
    const types = columns.map((c) => c.type)
    let rowCount = 0
    try {
      const result = await conn.stream(`${select} LIMIT ${limit}`)
      for (;;) {
        const chunk = await result.fetchChunk()
        if (chunk === null || chunk.rowCount === 0) break
        appendValues(chunk, types, values, this.converter)
        rowCount += chunk.rowCount
      }
    } catch {
      // DuckDB's message may quote the data.
      throw engineFailed(signal, 'sampling a chunk')
    }
    return { columns, values, rowCount }
  }

  /** COPY a query to `output` as Parquet; returns the row count. */
  private async copyToParquet(
    conn: DuckDBConnection,
    select: string,
    output: MemoryFile,
  ): Promise<number> {
    output.truncate()
    const r = await conn.run(
      `COPY (${select}) TO ${quoteLiteral(output.path)} (FORMAT parquet, COMPRESSION ${this.compression}, ROW_GROUP_SIZE ${ROW_GROUP_ROWS}, USE_TMP_FILE false)`,
    )
    return Number(r.rowsChanged)
  }

  /** A 0-row Parquet chunk with the schema (header-only CSV, JSONL of blank lines). */
  private async emptyChunk(
    conn: DuckDBConnection,
    fixed: FixedColumns,
    output: MemoryFile,
  ): Promise<ParquetChunk> {
    const select = fixed.names
      .map((n, i) => `NULL::${fixed.types[i] ?? 'VARCHAR'} AS ${quoteIdent(n)}`)
      .join(', ')
    await this.copyToParquet(conn, `SELECT ${select} LIMIT 0`, output)
    return { bytes: output.readAll(), rowCount: 0, schema: schemaOf(fixed), firstRow: 0 }
  }
}

/** A structural CSV problem found before the rows of earlier chunks are all counted. */
class DeferredCsvIssue extends Error {
  constructor(
    readonly issue: CsvIssue | undefined,
    readonly code: 'ERR_INPUT_UNBALANCED_QUOTE' | 'ERR_INPUT_ENCODING',
  ) {
    // Never shown: converted to a StrongroomError once the absolute row is known.
    super('deferred CSV issue')
  }
}

/** One CSV conversion slot: a connection and its input and output memory files. */
interface CsvSlot {
  readonly conn: DuckDBConnection
  /** The leading records of the slot's chunk, when sampling. */
  readonly prefix?: MemoryFile
  readonly input: MemoryFile
  readonly output: MemoryFile
}

/** A chunk conversion under way in a slot. */
interface CsvJob {
  readonly slot: CsvSlot
  readonly rows: Promise<number>
  readonly fixed: FixedColumns
  /** The chunk's sample, when sampling: its first `limit` rows, read after the conversion. */
  readonly sample?: {
    readonly read: Promise<RecordBatch>
    readonly limit: number
    /** Reads the first `n` rows again (`n` up to the length of the prefix). */
    readonly again: (n: number) => Promise<RecordBatch>
    /** Zeroes the copy of the chunk's leading records (plaintext) once they are read. */
    readonly scrub: () => void
  }
}

/** A scalar from a DuckDB metadata row as text (names, types, setting values). */
function text(v: unknown): string {
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v)
  return ''
}

function hasControlChar(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x20 || c === 0x7f) return true
  }
  return false
}

function selectList(cols: readonly ColumnSchema[]): string {
  return cols.map((c) => quoteIdent(c.name)).join(', ')
}

function schemaOf(fixed: FixedColumns): DatasetSchema {
  return {
    columns: fixed.names.map((name, i) => {
      const physicalType = fixed.types[i] ?? 'VARCHAR'
      return { name, type: columnTypeOf(physicalType), physicalType, nullable: true }
    }),
  }
}

/** The read_csv arguments that keep the sniffed date and timestamp formats. */
function formatArgs(fixed: FixedColumns): string {
  const date = fixed.formats?.date
  const timestamp = fixed.formats?.timestamp
  return (
    (date === undefined ? '' : `, dateformat=${quoteLiteral(date)}`) +
    (timestamp === undefined ? '' : `, timestampformat=${quoteLiteral(timestamp)}`)
  )
}

/** Whether the columns read dates and timestamps as ISO 8601 text (or hold none). */
function isoFormats(fixed: FixedColumns): boolean {
  return (
    (fixed.formats?.date ?? ISO_DATE_FORMAT) === ISO_DATE_FORMAT &&
    (fixed.formats?.timestamp ?? ISO_TIMESTAMP_FORMAT) === ISO_TIMESTAMP_FORMAT
  )
}

function allVarchar(names: readonly string[]): FixedColumns {
  return { names, types: names.map(() => 'VARCHAR') }
}

async function describe(conn: DuckDBConnection, select: string): Promise<ColumnSchema[]> {
  const r = await conn.runAndReadAll(`DESCRIBE ${select}`)
  return r.getRowsJS().map((row) => {
    const physicalType = text(row[1])
    return {
      name: text(row[0]),
      type: columnTypeOf(physicalType),
      physicalType,
      nullable: text(row[2]) !== 'NO',
    }
  })
}

async function describeOrMalformed(conn: DuckDBConnection, path: string): Promise<ColumnSchema[]> {
  try {
    return await describe(conn, `SELECT * FROM read_parquet(${path})`)
  } catch {
    throw new StrongroomError('ERR_INPUT_MALFORMED', 'A Parquet chunk is corrupt or not Parquet')
  }
}

/**
 * Resolves the requested columns against a file's schema (first file) or checks that a later
 * file still has them with the same types.
 */
function checkSelection(
  previous: ColumnSchema[] | undefined,
  cols: readonly ColumnSchema[],
  wanted: readonly string[] | undefined,
): ColumnSchema[] {
  const byName = new Map(cols.map((c) => [c.name, c]))
  if (previous === undefined) {
    if (wanted === undefined) return [...cols]
    return wanted.map((name) => {
      const c = byName.get(name)
      if (c === undefined) {
        throw new StrongroomError('ERR_COLUMN_NOT_FOUND', `Column ${name} does not exist`, {
          details: { column: name },
        })
      }
      return c
    })
  }
  for (const p of previous) {
    const c = byName.get(p.name)
    if (c === undefined || c.physicalType !== p.physicalType) {
      throw new StrongroomError(
        'ERR_DATASET_SCHEMA_MISMATCH',
        `Column ${p.name} differs between data files`,
        {
          details: { column: p.name },
        },
      )
    }
  }
  return previous
}

/**
 * Refuses empty, duplicate (case-insensitively: DuckDB identifiers are case-insensitive) and
 * control-character column names. Names may appear in messages; values never do.
 */
function validateColumnNames(names: readonly string[]): string[] {
  const issues: { code: 'ERR_INPUT_MALFORMED'; path: string; message: string }[] = []
  const seen = new Set<string>()
  names.forEach((name, i) => {
    if (name.trim() === '') {
      issues.push({
        code: 'ERR_INPUT_MALFORMED',
        path: `columns[${i}]`,
        message: `Column ${i + 1} has an empty name`,
      })
    } else if (hasControlChar(name)) {
      issues.push({
        code: 'ERR_INPUT_MALFORMED',
        path: `columns[${i}]`,
        message: `Column ${i + 1} name has control characters`,
      })
    } else if (seen.has(name.toLowerCase())) {
      issues.push({
        code: 'ERR_INPUT_MALFORMED',
        path: `columns[${i}]`,
        message: `Column ${name} appears more than once`,
      })
    }
    seen.add(name.toLowerCase())
  })
  const first = issues[0]
  if (first !== undefined) {
    throw new StrongroomError('ERR_INPUT_MALFORMED', first.message, {
      issues,
      hint: 'Column names must be non-empty and unique (case-insensitively).',
    })
  }
  return [...names]
}

function delimiterByte(d: string): number {
  const c = d.charCodeAt(0)
  if (d.length !== 1 || c > 0x7e || c === QUOTE || c === LF || c === 0x0d || c === 0) {
    throw new StrongroomError(
      'ERR_USAGE_INVALID_ARGUMENT',
      'The CSV delimiter must be one printable ASCII character other than a quote',
      {
        details: { option: 'delimiter' },
      },
    )
  }
  return c
}

function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw abortedError()
}

function abortedError(): StrongroomError {
  return new StrongroomError('ERR_OPERATION_ABORTED', 'The operation was aborted')
}

function engineFailed(signal: AbortSignal | undefined, what: string): StrongroomError {
  if (signal?.aborted === true) return abortedError()
  return new StrongroomError('ERR_ENGINE_FAILED', `The engine failed while ${what}`)
}

const ISSUE_CODES = {
  ragged: 'ERR_INPUT_RAGGED_ROW',
  quote: 'ERR_INPUT_UNBALANCED_QUOTE',
  encoding: 'ERR_INPUT_ENCODING',
} as const

/** Turns a structural CSV issue (or its absence) into an error with a 1-based data row. */
function csvIssueError(
  issue: CsvIssue | undefined,
  firstRow: number,
  fallback: 'ERR_INPUT_UNBALANCED_QUOTE' | 'ERR_INPUT_ENCODING' | 'ERR_INPUT_MALFORMED',
): StrongroomError {
  if (issue === undefined) {
    return new StrongroomError(fallback, 'The CSV input could not be parsed', {
      details: { fromRow: firstRow + 1 },
    })
  }
  const row = firstRow + issue.record + 1
  switch (issue.kind) {
    case 'ragged':
      return new StrongroomError(
        ISSUE_CODES.ragged,
        `Row ${row} has ${issue.fields ?? 0} fields, not the header's count`,
        {
          details: { row, fields: issue.fields ?? 0 },
          hint: 'Every row must have as many fields as the header; fields with commas must be quoted.',
        },
      )
    case 'quote':
      return new StrongroomError(
        ISSUE_CODES.quote,
        `Row ${row} has an unbalanced or misplaced quote`,
        {
          details: { row },
          hint: 'Quote whole fields and double quotes inside them ("").',
        },
      )
    case 'encoding':
      return new StrongroomError(ISSUE_CODES.encoding, `Row ${row} is not valid UTF-8`, {
        details: { row },
        hint: 'Convert the file to UTF-8.',
      })
  }
}

/**
 * Maps a DuckDB failure on a CSV chunk. Our own scan first (exact row, no DuckDB text); then
 * DuckDB's conversion errors, from which we take only the record number and a column name
 * that matches one of ours exactly.
 */
function csvChunkError(
  e: unknown,
  chunk: Buffer,
  firstRow: number,
  names: readonly string[],
  delim: number,
): StrongroomError {
  const issue = findCsvIssue(chunk, 0, chunk.length, delim, QUOTE, names.length)
  if (issue !== undefined) return csvIssueError(issue, firstRow, 'ERR_INPUT_MALFORMED')
  const msg = e instanceof Error ? e.message : ''
  if (msg.startsWith('Conversion Error')) {
    const line = /CSV Error on Line: (\d+)/.exec(msg)?.[1]
    const column = names.find((n) => msg.includes(`converting column "${n}"`))
    const row = line === undefined ? undefined : firstRow + Number(line)
    return new StrongroomError(
      'ERR_INPUT_TYPE_MISMATCH',
      `${row === undefined ? 'A row' : `Row ${row}`} has a value that does not match the type of column ${column ?? '(unknown)'} detected on the first chunk`,
      {
        hint: 'Re-run with allVarchar to read every column as text, or fix the value.',
        details: {
          ...(row === undefined ? {} : { row }),
          ...(column === undefined ? {} : { column }),
        },
      },
    )
  }
  return new StrongroomError('ERR_INPUT_MALFORMED', 'The CSV input could not be parsed', {
    details: { fromRow: firstRow + 1 },
  })
}

/**
 * Finds what is wrong with a JSONL chunk by parsing each line in JS (slow path only): invalid
 * UTF-8, a line that is not a JSON object, or a value that cannot have the column's type.
 */
function jsonlIssueError(
  chunk: Buffer,
  firstLine: number,
  fixed: FixedColumns | undefined,
  why: 'encoding' | 'duckdb',
): StrongroomError {
  const types = new Map(
    fixed === undefined
      ? []
      : fixed.names.map((n, i) => [n, columnTypeOf(fixed.types[i] ?? 'VARCHAR')]),
  )
  let start = 0
  for (let line = firstLine; start < chunk.length; line++) {
    let end = chunk.indexOf(LF, start)
    if (end === -1) end = chunk.length
    const bytes = chunk.subarray(start, end)
    start = end + 1
    if (!isUtf8(bytes)) {
      return new StrongroomError('ERR_INPUT_ENCODING', `Line ${line} is not valid UTF-8`, {
        details: { line },
      })
    }
    const text = bytes.toString('utf8').trim()
    if (text === '') continue
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch {
      // JSON.parse's message can quote the input: never used.
      return new StrongroomError('ERR_INPUT_MALFORMED', `Line ${line} is not valid JSON`, {
        details: { line },
      })
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return new StrongroomError('ERR_INPUT_MALFORMED', `Line ${line} is not a JSON object`, {
        details: { line },
      })
    }
    for (const [key, v] of Object.entries(value)) {
      const t = types.get(key)
      if (t !== undefined && !jsonValueFits(v, t)) {
        return new StrongroomError(
          'ERR_INPUT_TYPE_MISMATCH',
          `Line ${line} has a value that does not match the type of column ${key}`,
          {
            details: { line, column: key },
            hint: 'Re-run with allVarchar to read every column as text, or fix the value.',
          },
        )
      }
    }
  }
  if (why === 'encoding')
    return new StrongroomError('ERR_INPUT_ENCODING', 'The input is not valid UTF-8')
  return new StrongroomError('ERR_INPUT_MALFORMED', 'The JSONL input could not be parsed', {
    details: { fromLine: firstLine },
  })
}

/** Whether DuckDB can cast a JSON value to a column of logical type `t` (approximation). */
function jsonValueFits(v: unknown, t: ReturnType<typeof columnTypeOf>): boolean {
  if (v === null) return true
  switch (t) {
    case 'int64':
      return (
        (typeof v === 'number' && Number.isInteger(v)) ||
        (typeof v === 'string' && /^\s*[-+]?\d+\s*$/.test(v))
      )
    case 'float64':
    case 'decimal':
      return (
        typeof v === 'number' ||
        (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v)))
      )
    case 'boolean':
      return typeof v === 'boolean'
    case 'date':
    case 'timestamp':
      return typeof v === 'string' && !Number.isNaN(Date.parse(v))
    case 'string':
    case 'binary':
    case 'other':
      return true
  }
}

/**
 * DuckDB value → {@link CellValue}. Like DuckDB's JS converter except DECIMAL becomes an exact
 * string (its converter returns a lossy double) and nested/interval/time values become JSON
 * text (CellValue has no nested shapes).
 */
function makeConverter(api: DuckDbApi): DuckDBValueConverter<CellValue> {
  const T = api.DuckDBTypeId
  const asJson = new Set<number>([
    T.LIST, T.STRUCT, T.MAP, T.ARRAY, T.UNION, T.INTERVAL, T.TIME, T.TIME_TZ, T.TIME_NS, T.VARIANT, T.BIT, T.GEOMETRY,
  ]) // prettier-ignore
  const js = api.JSDuckDBValueConverter
  const json = api.JsonDuckDBValueConverter
  return (value: DuckDBValue, type: DuckDBType): CellValue | null => {
    if (value === null) return null
    if (type.typeId === T.DECIMAL) return String(value)
    if (asJson.has(type.typeId)) {
      const j = json(value, type, json)
      return typeof j === 'string' ? j : JSON.stringify(j)
    }
    return js(value, type, js) as CellValue
  }
}

/** A cell as the text DuckDB casts back to the column's type ({@link castFromText}). */
function cellText(v: CellValue, col: ColumnSchema): string | null {
  if (v === null) return null
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64')
  if (v instanceof Date) {
    const iso = v.toISOString()
    if (col.type === 'date') return iso.slice(0, 10)
    // TIMESTAMP values are UTC wall-clock time; WITH TIME ZONE ones keep the offset.
    return /TZ|TIME ZONE/.test(col.physicalType) ? iso : iso.slice(0, -1)
  }
  return String(v)
}

/** SQL turning a VARCHAR expression back into the column's type (text for unknown types). */
function castFromText(expr: string, col: ColumnSchema): string {
  if (col.type === 'string' || col.type === 'other' || !isSimpleType(col.physicalType)) return expr
  if (col.type === 'binary') return `from_base64(${expr})`
  return `CAST(${expr} AS ${col.physicalType})`
}

/** Where {@link DuckDbEngine.writeOutput} writes. */
interface Destination {
  /** A path DuckDB may COPY to directly (the temp file), or undefined for stdout. */
  readonly duckPath: string | undefined
  readonly bytes: number
  write(bytes: Uint8Array): Promise<void>
  commit(): Promise<void>
  abort(): Promise<void>
}

async function openDestination(out: string | OutputSink): Promise<Destination> {
  if (typeof out === 'function') {
    let bytes = 0
    return {
      duckPath: undefined,
      get bytes() {
        return bytes
      },
      async write(b) {
        bytes += b.length
        await out(b)
      },
      async commit() {},
      async abort() {},
    }
  }
  if (out === '-') {
    let bytes = 0
    return {
      duckPath: undefined,
      get bytes() {
        return bytes
      },
      async write(b) {
        bytes += b.length
        if (!process.stdout.write(b))
          await new Promise((resolve) => process.stdout.once('drain', resolve))
      },
      async commit() {},
      async abort() {},
    }
  }
  // Only a regular file (or a new path) is replaced atomically. Anything else that exists
  // (a character device such as /dev/null, a FIFO, a terminal) is written in place: renaming
  // a temp file over it would replace the device node itself.
  let target = path.resolve(out)
  let st: fs.Stats | undefined
  try {
    st = await fs.promises.stat(target)
  } catch {
    st = undefined
  }
  if (st?.isDirectory() === true) {
    throw new StrongroomError('ERR_USAGE_INVALID_ARGUMENT', 'The output path is a directory', {
      details: { option: 'out' },
    })
  }
  if (st !== undefined && !st.isFile()) return openInPlace(target)
  // Follow a symlink to a regular file so the rename replaces the file, not the link.
  if (st !== undefined) target = await fs.promises.realpath(target)
  const tmp = path.join(
    path.dirname(target),
    `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`,
  )
  let fh: fs.promises.FileHandle
  try {
    // 'wx': never follow or overwrite an existing file; 0o600: the export is sensitive.
    fh = await fs.promises.open(tmp, 'wx', 0o600)
  } catch {
    throw new StrongroomError('ERR_USAGE_INVALID_ARGUMENT', 'The output location is not writable', {
      details: { option: 'out' },
    })
  }
  let bytes = 0
  let done = false
  return {
    // DuckDB writes the Parquet export straight into our temp file through our descriptor.
    duckPath: `/proc/self/fd/${fh.fd}`,
    get bytes() {
      return bytes
    },
    async write(b) {
      let off = 0
      while (off < b.length) off += (await fh.write(b, off, b.length - off)).bytesWritten
      bytes += b.length
    },
    async commit() {
      bytes = Math.max(bytes, (await fh.stat()).size)
      await fh.sync()
      await fh.close()
      done = true
      await fs.promises.rename(tmp, target)
    },
    async abort() {
      if (!done) await fh.close().catch(() => undefined)
      await fs.promises.unlink(tmp).catch(() => undefined)
    },
  }
}

/** Writes to an existing non-regular file (device, FIFO) sequentially, without a rename. */
async function openInPlace(target: string): Promise<Destination> {
  let fh: fs.promises.FileHandle
  try {
    fh = await fs.promises.open(target, 'w')
  } catch {
    throw new StrongroomError('ERR_USAGE_INVALID_ARGUMENT', 'The output location is not writable', {
      details: { option: 'out' },
    })
  }
  let bytes = 0
  let open = true
  return {
    // Not seekable in general: DuckDB writes into a memory file, we copy it over.
    duckPath: undefined,
    get bytes() {
      return bytes
    },
    async write(b) {
      let off = 0
      while (off < b.length) off += (await fh.write(b, off, b.length - off)).bytesWritten
      bytes += b.length
    },
    async commit() {
      open = false
      await fh.close()
    },
    async abort() {
      if (open) await fh.close().catch(() => undefined)
    },
  }
}

/**
 * The WHERE clause of a row predicate. Its SQL comes from the row-filter compiler (quoted
 * identifiers, operators and `?` placeholders only); values travel as bound parameters.
 */
function whereClause(where: RowPredicate | undefined): string {
  return where === undefined || where.sql === 'TRUE' ? '' : ` WHERE ${where.sql}`
}

/** The bound values of a row predicate (DuckDB binds `?` positionally). */
function whereParams(
  where: RowPredicate | undefined,
): (string | number | boolean | null)[] | undefined {
  return where === undefined || where.sql === 'TRUE' ? undefined : [...where.params]
}

/**
 * Appends a DuckDB data chunk's cells to column-major `target`, as {@link CellValue}s
 * (`int64` as bigint even where DuckDB gives a number).
 */
function appendValues(
  chunk: DuckDBDataChunk,
  types: readonly ColumnSchema['type'][],
  target: CellValue[][],
  converter: DuckDBValueConverter<CellValue>,
): void {
  for (let c = 0; c < types.length; c++) {
    const values = chunk.convertColumnValues(c, converter)
    const column = target[c] as CellValue[]
    if (types[c] === 'int64') {
      for (const v of values) column.push(typeof v === 'number' ? BigInt(v) : v)
    } else {
      for (const v of values) column.push(v)
    }
  }
}

/** The first `n` rows of a batch (the batch itself when it holds no more). */
function firstRows(batch: RecordBatch, n: number): RecordBatch {
  if (batch.rowCount <= n) return batch
  return { columns: batch.columns, values: batch.values.map((v) => v.slice(0, n)), rowCount: n }
}

/** A converted chunk, with its sample when one was read. */
function chunkOf(
  bytes: Uint8Array,
  rowCount: number,
  schema: DatasetSchema,
  firstRow: number,
  sample: RecordBatch | undefined,
): ParquetChunk {
  return { bytes, rowCount, schema, firstRow, ...(sample === undefined ? {} : { sample }) }
}
