/**
 * Anonymous in-memory scratch files for the processing engine.
 *
 * DuckDB reads and writes files by path, but Strongroom must never leave plaintext at rest.
 * An `O_TMPFILE` file opened in a tmpfs directory has no name (nothing else can open it by
 * listing the directory), lives only in RAM, and is freed by the kernel when its last
 * descriptor closes, including when the process crashes or is killed. DuckDB reaches it
 * through `/proc/self/fd/<fd>`, which re-opens the same inode.
 *
 * We fail closed: if the scratch directory is not tmpfs or `O_TMPFILE` is not supported we
 * throw `ERR_ENGINE_NO_SECURE_SCRATCH` and never fall back to a named or on-disk temp file,
 * because a fallback is exactly where plaintext would leak to disk unnoticed.
 *
 * Residual risk: tmpfs pages can be written to swap under memory pressure. Deployments that
 * handle sensitive data should run without swap or with encrypted swap (see SECURITY.md).
 */
import * as fs from 'node:fs'

import { StrongroomError } from '../errors.js'

/** `TMPFS_MAGIC` from `linux/magic.h`: the `f_type` statfs reports for tmpfs. */
const TMPFS_MAGIC = 0x01021994

/**
 * `O_TMPFILE` is `__O_TMPFILE | O_DIRECTORY` = `0o20000000 | 0o200000` on x86_64 and arm64
 * Linux (asm-generic/fcntl.h). Node does not export it, so we spell it out.
 */
const O_TMPFILE = 0o20000000 | 0o200000

/** Default scratch directory: the standard tmpfs mount on Linux. */
export const DEFAULT_SCRATCH_DIR = '/dev/shm'

/** An unnamed RAM-backed file that DuckDB can open by {@link MemoryFile.path}. */
export interface MemoryFile {
  /** The open descriptor; owned by this object. */
  readonly fd: number
  /** `/proc/self/fd/<fd>`: the path DuckDB uses to open the same inode. */
  readonly path: string
  /** Current size in bytes (whoever wrote last: us or DuckDB). */
  size(): number
  /** The whole content as one Buffer (read with positional reads, not the file offset). */
  readAll(): Buffer
  /** Appends bytes after everything {@link MemoryFile.write} has written since the last truncate. */
  write(bytes: Uint8Array): void
  /** Empties the file so it can be reused for the next chunk. */
  truncate(): void
  /** Closes the descriptor; the kernel frees the memory. Idempotent. */
  close(): void
}

/** Directories already verified, so `statfs` and the probe run once per directory. */
const verified = new Set<string>()

function noScratch(dir: string, reason: string, cause?: unknown): StrongroomError {
  return new StrongroomError(
    'ERR_ENGINE_NO_SECURE_SCRATCH',
    `Scratch directory ${dir} is not usable for in-memory files: ${reason}`,
    {
      hint: 'Point the engine at a tmpfs mount that supports O_TMPFILE (Linux /dev/shm); Strongroom never falls back to disk temp files.',
      details: { scratchDir: dir },
      ...(cause === undefined ? {} : { cause }),
    },
  )
}

function openTmpfile(dir: string): number {
  // 0o600: even though the file has no name, /proc/<pid>/fd is reachable by the same user
  // only; no group or other access.
  return fs.openSync(dir, O_TMPFILE | fs.constants.O_RDWR, 0o600)
}

/**
 * Checks once that `dir` is tmpfs, that `O_TMPFILE` works there and that `/proc/self/fd`
 * re-opens the file (the path DuckDB uses). Throws `ERR_ENGINE_NO_SECURE_SCRATCH` otherwise.
 */
export function verifyScratchDir(dir: string = DEFAULT_SCRATCH_DIR): void {
  if (verified.has(dir)) return
  if (process.platform !== 'linux') throw noScratch(dir, 'O_TMPFILE needs Linux')
  let type: number
  try {
    type = fs.statfsSync(dir).type
  } catch (e) {
    throw noScratch(dir, 'cannot stat the file system', e)
  }
  if (type !== TMPFS_MAGIC) throw noScratch(dir, 'not a tmpfs mount')
  let fd: number
  try {
    fd = openTmpfile(dir)
  } catch (e) {
    throw noScratch(dir, 'O_TMPFILE is not supported', e)
  }
  try {
    // Probe the /proc re-open path with a non-sensitive marker.
    fs.writeSync(fd, 'probe')
    if (fs.readFileSync(`/proc/self/fd/${fd}`, 'utf8') !== 'probe') {
      throw noScratch(dir, '/proc/self/fd does not re-open the file')
    }
  } catch (e) {
    if (e instanceof StrongroomError) throw e
    throw noScratch(dir, '/proc/self/fd is not available', e)
  } finally {
    fs.closeSync(fd)
  }
  verified.add(dir)
}

/**
 * Creates an unnamed, RAM-backed file in `scratchDir` (default `/dev/shm`).
 *
 * @throws StrongroomError `ERR_ENGINE_NO_SECURE_SCRATCH` when the directory is not tmpfs or
 *   does not support `O_TMPFILE`.
 *
 * @example
 * ```ts
 * const f = createMemoryFile()
 * try {
 *   f.write(csvBytes)
 *   await conn.run(`SELECT * FROM read_csv('${f.path}')`)
 * } finally {
 *   f.close()
 * }
 * ```
 */
export function createMemoryFile(scratchDir: string = DEFAULT_SCRATCH_DIR): MemoryFile {
  verifyScratchDir(scratchDir)
  let fd: number
  try {
    fd = openTmpfile(scratchDir)
  } catch (e) {
    throw noScratch(scratchDir, 'cannot create an O_TMPFILE file', e)
  }
  let position = 0
  let closed = false
  const ensureOpen = (): void => {
    if (closed) throw new StrongroomError('ERR_INTERNAL', 'Memory file used after close')
  }
  return {
    fd,
    path: `/proc/self/fd/${fd}`,
    size() {
      ensureOpen()
      return fs.fstatSync(fd).size
    },
    readAll() {
      ensureOpen()
      const size = fs.fstatSync(fd).size
      const out = Buffer.allocUnsafe(size)
      let off = 0
      while (off < size) {
        const n = fs.readSync(fd, out, off, size - off, off)
        if (n === 0) break
        off += n
      }
      return off === size ? out : out.subarray(0, off)
    },
    write(bytes) {
      ensureOpen()
      let off = 0
      // writeSync may write less than asked; loop until everything is in.
      while (off < bytes.length) {
        off += fs.writeSync(fd, bytes, off, bytes.length - off, position + off)
      }
      position += bytes.length
    },
    truncate() {
      ensureOpen()
      fs.ftruncateSync(fd, 0)
      position = 0
    },
    close() {
      if (closed) return
      closed = true
      fs.closeSync(fd)
    },
  }
}
