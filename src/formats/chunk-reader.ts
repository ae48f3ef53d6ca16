/**
 * Reads an input file in bounded chunks that end on record boundaries, so memory stays flat
 * however large the file is. The caller says where the last complete record in the buffer
 * ends; the reader carries the tail over to the next chunk and grows the buffer only when a
 * single record does not fit, up to a hard cap.
 */
import * as fs from 'node:fs'

import { StrongroomError } from '../errors.js'

const LF = 0x0a

/** Where a chunk may be cut: an offset, or `'more'` when no complete record is buffered yet. */
export type CutResult = number | 'more'

/** Reads a file as a sequence of record-aligned chunks. */
export class ChunkReader {
  private buf: Buffer
  private filled = 0
  private pos = 0
  private eof = false
  private bytesRead = 0

  private constructor(
    private readonly fh: fs.promises.FileHandle,
    chunkBytes: number,
    private readonly maxRecordBytes: number,
    private readonly onProgress: ((bytesRead: number) => void) | undefined,
  ) {
    this.buf = Buffer.allocUnsafe(Math.max(1024, Math.min(chunkBytes, maxRecordBytes)))
  }

  /**
   * Opens `path` for chunked reading.
   *
   * @throws StrongroomError `ERR_INPUT_NOT_FOUND` (missing or not a regular file),
   *   `ERR_INPUT_EMPTY` (0 bytes).
   */
  static async open(
    path: string,
    chunkBytes: number,
    maxRecordBytes: number,
    onProgress?: (bytesRead: number) => void,
  ): Promise<ChunkReader> {
    const fh = await openRegularFile(path)
    return new ChunkReader(fh, chunkBytes, maxRecordBytes, onProgress)
  }

  /** True once the whole file has been read into the buffer. */
  get atEof(): boolean {
    return this.eof
  }

  /** The unconsumed buffered bytes (a view, valid until the next call). */
  peek(): Buffer {
    return this.buf.subarray(this.pos, this.filled)
  }

  /** Marks `n` bytes of {@link peek} as consumed. */
  consume(n: number): void {
    this.pos += n
  }

  /**
   * Fills the buffer (compacting consumed bytes first). At end of file a final `\n` is added
   * when missing, so every record the caller sees is newline-terminated.
   */
  async fill(): Promise<void> {
    if (this.pos > 0) {
      this.buf.copyWithin(0, this.pos, this.filled)
      this.filled -= this.pos
      this.pos = 0
    }
    while (!this.eof && this.filled < this.buf.length) {
      const { bytesRead } = await this.fh.read(
        this.buf,
        this.filled,
        this.buf.length - this.filled,
        null,
      )
      if (bytesRead === 0) {
        this.eof = true
        if (this.filled > 0 && this.buf[this.filled - 1] !== LF) {
          if (this.filled === this.buf.length) this.resize(this.buf.length + 1)
          this.buf[this.filled++] = LF
        }
        break
      }
      this.filled += bytesRead
      this.bytesRead += bytesRead
    }
    this.onProgress?.(this.bytesRead)
  }

  /**
   * Returns the next chunk, cut where `cut` says, or undefined at end of input. When `cut`
   * needs more data the buffer doubles, up to `maxRecordBytes`.
   *
   * @throws StrongroomError `ERR_INPUT_FIELD_TOO_LARGE` when one record exceeds the cap.
   */
  async next(cut: (buf: Buffer, eof: boolean) => CutResult): Promise<Buffer | undefined> {
    for (;;) {
      await this.fill()
      const view = this.peek()
      if (view.length === 0) return undefined
      const at = cut(view, this.eof)
      if (at !== 'more') {
        this.consume(at)
        return view.subarray(0, at)
      }
      if (this.eof) return undefined
      if (this.buf.length >= this.maxRecordBytes) {
        throw new StrongroomError(
          'ERR_INPUT_FIELD_TOO_LARGE',
          `A record is larger than the ${this.maxRecordBytes}-byte limit`,
          {
            hint: 'Split the record, or check for a quote that is never closed (it makes the rest of the file one record).',
            details: { maxRecordBytes: this.maxRecordBytes },
          },
        )
      }
      this.resize(Math.min(this.buf.length * 2, this.maxRecordBytes))
    }
  }

  private resize(size: number): void {
    const next = Buffer.allocUnsafe(size)
    this.buf.copy(next, 0, this.pos, this.filled)
    // Scrub the old buffer: it held plaintext and would otherwise linger until GC.
    this.buf.fill(0)
    this.filled -= this.pos
    this.pos = 0
    this.buf = next
  }

  /** Closes the file and scrubs the buffer. */
  async close(): Promise<void> {
    this.buf.fill(0)
    await this.fh.close()
  }
}

/**
 * Opens a regular file for reading.
 *
 * @throws StrongroomError `ERR_INPUT_NOT_FOUND` when missing, unreadable or not a regular
 *   file; `ERR_INPUT_EMPTY` when it has 0 bytes.
 */
export async function openRegularFile(path: string): Promise<fs.promises.FileHandle> {
  let fh: fs.promises.FileHandle
  try {
    fh = await fs.promises.open(path, 'r')
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    throw new StrongroomError('ERR_INPUT_NOT_FOUND', 'The input file cannot be opened', {
      details: { reason: typeof code === 'string' ? code : 'unknown' },
      hint: 'Check the path and its permissions.',
    })
  }
  const st = await fh.stat()
  if (!st.isFile()) {
    await fh.close()
    throw new StrongroomError('ERR_INPUT_NOT_FOUND', 'The input is not a regular file')
  }
  if (st.size === 0) {
    await fh.close()
    throw new StrongroomError('ERR_INPUT_EMPTY', 'The input file is empty (0 bytes)')
  }
  return fh
}
