/**
 * The `fs` object store: encrypted data files in a local folder.
 *
 * Layout: the object `ds/7/v3/part-0.sre` lives at `<root>/ds/7/v3/part-0.sre`; puts stage
 * their bytes in `<root>/.tmp/` first. The first key segment `.tmp` is therefore reserved.
 *
 * Atomic, no-replace publish: a put writes a temp file, fsyncs it, then `link()`s it to
 * the final name and unlinks the temp name. `rename()` would silently replace an existing
 * object, and Node exposes no `renameat2(RENAME_NOREPLACE)`; `link()` is the POSIX call
 * that is both atomic and fails with `EEXIST` when the name is taken, so two racing puts of
 * one key cannot both win and no lock is needed. The price: the root must be on a
 * filesystem with hard links (every local POSIX filesystem; not FAT or some SMB/FUSE
 * mounts). There is deliberately no check-then-rename fallback, because it would reopen
 * the overwrite race silently; such a mount fails every put with `ERR_STORAGE_WRITE_FAILED`.
 */

import { randomBytes } from 'node:crypto'
import { constants as fsConstants } from 'node:fs'
import * as fsp from 'node:fs/promises'
import type { FileHandle } from 'node:fs/promises'
import * as path from 'node:path'

import { StrongroomError } from '../../errors.js'
import type { ErrorCode } from '../../errors.js'
import type { ByteRange, ObjectInfo, ObjectStore, ObjectStoreCallOptions } from '../object-store.js'
import {
  alreadyExists,
  bodyChunks,
  checkKey,
  checkPrefix,
  checkRange,
  notFound,
  readFailed,
  throwIfAborted,
  writeFailed,
} from '../object-store-rules.js'

/** The folder inside the root where puts stage their bytes. */
const TMP_DIR = '.tmp'
/** Read size for `get`: large enough to amortise syscalls, small enough to stream. */
const READ_CHUNK = 256 * 1024
/** One key segment, as `isValidObjectKey` allows it; directory entries not matching are not ours. */
const SEGMENT = /^[A-Za-z0-9_.-]+$/

/**
 * The `node:fs/promises` functions the store calls. Injectable so tests can simulate
 * `ENOSPC`, count fsyncs or observe that invalid keys cause no I/O.
 */
export type FsObjectStoreFs = Pick<
  typeof fsp,
  'open' | 'link' | 'unlink' | 'mkdir' | 'lstat' | 'realpath' | 'readdir'
>

/** Options for {@link createFsObjectStore}. */
export interface FsObjectStoreOptions {
  /** The folder holding the objects; created (mode 0700) by `open()` when missing. */
  readonly root: string
  /** Filesystem functions to use instead of `node:fs/promises` (tests). */
  readonly fs?: FsObjectStoreFs
}

/** A temp file a put left behind, as reported by {@link FsObjectStore.listStaleTemp}. */
export interface FsTempFile {
  /** The random file name inside the `.tmp/` folder. */
  readonly name: string
  readonly size: number
  readonly lastModified: Date
}

/**
 * An {@link ObjectStore} over a local folder. See the module comment for the publish
 * protocol.
 *
 * Limits of the backend: a key cannot be both an object and a folder of objects (`a/b`
 * and `a/b/c`), because a file cannot also be a directory; the second put fails with
 * `ERR_STORAGE_WRITE_FAILED`. Deleting the last object of a folder leaves the empty
 * folder: removing it could race with a concurrent put into that folder.
 *
 * Symlinks: a folder symlink is followed only when its target stays inside the root
 * (and outside `.tmp/`); a symlink in the place of an object is never followed (`get`
 * and `head` fail with `ERR_STORAGE_READ_FAILED`, `list` skips it).
 */
export class FsObjectStore implements ObjectStore {
  /** Always `fs`. */
  readonly kind = 'fs'
  readonly #root: string
  readonly #fs: FsObjectStoreFs
  /** The root with symlinks resolved, set by `open()`; containment checks compare to it. */
  #realRoot: string | undefined
  #tmpDir = ''

  /** Prefer {@link createFsObjectStore}. */
  constructor(options: FsObjectStoreOptions) {
    this.#root = path.resolve(options.root)
    this.#fs = options.fs ?? fsp
  }

  /** Creates the root and its `.tmp/` folder when missing. */
  async open(): Promise<void> {
    const fs = this.#fs
    try {
      await fs.mkdir(this.#root, { recursive: true, mode: 0o700 })
      const realRoot = await fs.realpath(this.#root)
      const tmpDir = path.join(realRoot, TMP_DIR)
      try {
        await fs.mkdir(tmpDir, { mode: 0o700 })
      } catch (e) {
        if (errnoOf(e) !== 'EEXIST') throw e
      }
      // A symlinked `.tmp` would let puts stage (and link) files elsewhere.
      const st = await fs.lstat(tmpDir)
      if (!st.isDirectory()) {
        throw new StrongroomError(
          'ERR_STORAGE_UNAVAILABLE',
          'The object store temp folder is not a directory',
          { details: { backend: 'fs' } },
        )
      }
      this.#realRoot = realRoot
      this.#tmpDir = tmpDir
    } catch (e) {
      if (e instanceof StrongroomError) throw e
      throw new StrongroomError('ERR_STORAGE_UNAVAILABLE', 'The object store root is not usable', {
        cause: e,
        hint: 'Check that the objectStore path exists and is writable by this user.',
        details: { backend: 'fs' },
      })
    }
  }

  /** Marks the store closed. Nothing is held open between calls. */
  close(): Promise<void> {
    this.#realRoot = undefined
    return Promise.resolve()
  }

  /** Stores `body` under `key` atomically and durably; fails if the key exists. */
  async put(
    key: string,
    body: Uint8Array | AsyncIterable<Uint8Array>,
    options: ObjectStoreCallOptions = {},
  ): Promise<ObjectInfo> {
    this.#checkKey(key)
    const realRoot = this.#opened()
    const { signal } = options
    throwIfAborted(signal)
    const fs = this.#fs

    let parent: string
    let created: string[]
    try {
      ;({ parent, created } = await this.#ensureParent(key, realRoot))
    } catch (e) {
      throw mapWriteError(e, key)
    }
    const base = lastSegment(key)
    const finalPath = path.join(parent, base)
    // 128 random bits: unguessable and collision-free, so O_EXCL never trips on a peer.
    const tmpPath = path.join(this.#tmpDir, `${randomBytes(16).toString('hex')}.part`)

    let handle: FileHandle | undefined
    let size = 0
    let lastModified: Date
    try {
      handle = await fs.open(
        tmpPath,
        fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_NOFOLLOW,
        0o600,
      )
      for await (const chunk of bodyChunks(body, signal)) {
        await writeAll(handle, chunk)
        size += chunk.byteLength
      }
      // Durable data before the name exists: otherwise a crash could publish a name
      // pointing at a hole-filled or empty file.
      await handle.sync()
      lastModified = (await handle.stat()).mtime
      await handle.close()
      handle = undefined
      // Last chance to honour an abort: after link() the object is visible.
      throwIfAborted(signal)
      try {
        await fs.link(tmpPath, finalPath)
      } catch (e) {
        if (errnoOf(e) === 'EEXIST') throw alreadyExists(key)
        throw e
      }
    } catch (e) {
      throw mapWriteError(e, key)
    } finally {
      if (handle !== undefined) await handle.close().catch(() => undefined)
      // After a successful link() this only drops the second name; after a failure it
      // discards the partial bytes. Either way no temp file outlives the call.
      await fs.unlink(tmpPath).catch(() => undefined)
    }

    try {
      // The link() is durable only once the directory entry is; new folders likewise
      // need their parent's entry flushed.
      await fsyncDir(fs, parent)
      for (const dir of created) await fsyncDir(fs, path.dirname(dir))
    } catch (e) {
      // The contract says a failed put leaves no object: withdraw the name we published.
      await fs.unlink(finalPath).catch(() => undefined)
      throw mapWriteError(e, key)
    }
    return { key, size, lastModified }
  }

  /**
   * Streams the object's bytes (or `range` of them, clamped to its size). The file is
   * opened here, so a missing key fails now; iterate the result to the end or break out of
   * the loop to close it.
   */
  async get(
    key: string,
    options: ObjectStoreCallOptions & { readonly range?: ByteRange } = {},
  ): Promise<AsyncIterable<Uint8Array>> {
    this.#checkKey(key)
    checkRange(options.range)
    const realRoot = this.#opened()
    const { signal } = options
    throwIfAborted(signal)
    const file = await this.#resolveForRead(key, realRoot)
    if (file === undefined) throw notFound(key)
    let handle: FileHandle
    try {
      // O_NOFOLLOW: a symlink planted in place of an object is refused, not read.
      // O_NONBLOCK: a FIFO planted there cannot hang the reader.
      handle = await this.#fs.open(
        file,
        fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK,
      )
    } catch (e) {
      const code = errnoOf(e)
      if (code === 'ENOENT' || code === 'ENOTDIR') throw notFound(key)
      if (code === 'ELOOP') throw symlinkRefused('ERR_STORAGE_READ_FAILED', key)
      throw readFailed(key, e)
    }
    let size: number
    try {
      const st = await handle.stat()
      if (!st.isFile()) throw notFound(key)
      size = st.size
    } catch (e) {
      await handle.close().catch(() => undefined)
      throw e instanceof StrongroomError ? e : readFailed(key, e)
    }
    const start = Math.min(options.range?.start ?? 0, size)
    const end = Math.min(options.range?.end ?? size, size)
    return readRange(handle, start, end, key, signal)
  }

  /** The object's size and modification time, or `undefined` when absent. */
  async head(key: string, options: ObjectStoreCallOptions = {}): Promise<ObjectInfo | undefined> {
    this.#checkKey(key)
    const realRoot = this.#opened()
    throwIfAborted(options.signal)
    const file = await this.#resolveForRead(key, realRoot)
    if (file === undefined) return undefined
    try {
      const st = await this.#fs.lstat(file)
      if (st.isSymbolicLink()) throw symlinkRefused('ERR_STORAGE_READ_FAILED', key)
      if (!st.isFile()) return undefined
      return { key, size: st.size, lastModified: st.mtime }
    } catch (e) {
      const code = errnoOf(e)
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined
      throw e instanceof StrongroomError ? e : readFailed(key, e)
    }
  }

  /** Removes the object; a missing key is not an error. */
  async delete(key: string, options: ObjectStoreCallOptions = {}): Promise<void> {
    this.#checkKey(key)
    const realRoot = this.#opened()
    throwIfAborted(options.signal)
    const fs = this.#fs
    try {
      const file = await this.#resolveForRead(key, realRoot, 'ERR_STORAGE_WRITE_FAILED')
      if (file === undefined) return
      let st
      try {
        st = await fs.lstat(file)
      } catch (e) {
        const code = errnoOf(e)
        if (code === 'ENOENT' || code === 'ENOTDIR') return
        throw e
      }
      // A folder is a prefix of other objects, not an object: nothing to delete.
      if (st.isDirectory()) return
      // unlink() on a symlink removes the link, never its target.
      try {
        await fs.unlink(file)
      } catch (e) {
        if (errnoOf(e) === 'ENOENT') return
        throw e
      }
      await fsyncDir(fs, path.dirname(file))
    } catch (e) {
      throw mapWriteError(e, key)
    }
  }

  /**
   * Every object whose key starts with `prefix` (a plain string prefix, as in S3: `ds/1`
   * also matches `ds/10/x`; `ds/1/` does not), in lexicographic key order. The `.tmp/`
   * folder, symlinks and entries that are not valid keys are skipped.
   */
  async *list(prefix: string, options: ObjectStoreCallOptions = {}): AsyncIterable<ObjectInfo> {
    checkPrefix(prefix)
    const realRoot = this.#opened()
    const { signal } = options
    throwIfAborted(signal)
    const slash = prefix.lastIndexOf('/')
    const dirKey = slash === -1 ? '' : prefix.slice(0, slash)
    const namePrefix = prefix.slice(slash + 1)
    let dir = realRoot
    if (dirKey !== '') {
      try {
        dir = await this.#fs.realpath(path.join(realRoot, ...dirKey.split('/')))
      } catch (e) {
        const code = errnoOf(e)
        if (code === 'ENOENT' || code === 'ENOTDIR') return
        throw listFailed(e)
      }
      if (!this.#isObjectDir(dir, realRoot)) {
        throw symlinkRefused('ERR_STORAGE_READ_FAILED', dirKey)
      }
    }
    yield* this.#walk(dir, dirKey === '' ? '' : `${dirKey}/`, namePrefix, signal)
  }

  /**
   * Temp files in `.tmp/` last modified more than `olderThanMs` ago: what a crashed or
   * killed put left behind. Choose `olderThanMs` well above the longest put (an hour is
   * safe); removing a live put's temp file makes that put fail, never corrupts an object.
   */
  async listStaleTemp(olderThanMs: number): Promise<FsTempFile[]> {
    if (!Number.isFinite(olderThanMs) || olderThanMs < 0) {
      throw new StrongroomError('ERR_USAGE_INVALID_ARGUMENT', 'olderThanMs must be >= 0', {
        details: { backend: 'fs' },
      })
    }
    this.#opened()
    const fs = this.#fs
    const cutoff = Date.now() - olderThanMs
    let names: string[]
    try {
      names = await fs.readdir(this.#tmpDir)
    } catch (e) {
      throw listFailed(e)
    }
    const stale: FsTempFile[] = []
    for (const name of names.sort()) {
      try {
        const st = await fs.lstat(path.join(this.#tmpDir, name))
        if (st.isFile() && st.mtimeMs < cutoff) {
          stale.push({ name, size: st.size, lastModified: st.mtime })
        }
      } catch (e) {
        if (errnoOf(e) !== 'ENOENT') throw listFailed(e)
      }
    }
    return stale
  }

  /** Removes the temp files {@link listStaleTemp} reports; returns how many were removed. */
  async cleanTemp(olderThanMs: number): Promise<number> {
    let removed = 0
    for (const t of await this.listStaleTemp(olderThanMs)) {
      try {
        await this.#fs.unlink(path.join(this.#tmpDir, t.name))
        removed += 1
      } catch (e) {
        if (errnoOf(e) !== 'ENOENT') {
          throw new StrongroomError('ERR_STORAGE_WRITE_FAILED', 'Could not remove a temp file', {
            cause: e,
            details: { backend: 'fs' },
          })
        }
      }
    }
    return removed
  }

  #opened(): string {
    if (this.#realRoot === undefined) {
      throw new StrongroomError('ERR_STORAGE_UNAVAILABLE', 'The object store is not open', {
        hint: 'Call open() first.',
        details: { backend: 'fs' },
      })
    }
    return this.#realRoot
  }

  #checkKey(key: string): void {
    checkKey(key)
    if (key === TMP_DIR || key.startsWith(`${TMP_DIR}/`)) {
      throw new StrongroomError('ERR_STORAGE_INVALID_KEY', 'Object key uses a reserved name', {
        hint: `The first key segment "${TMP_DIR}" is reserved by the fs object store.`,
      })
    }
  }

  /** True when `dir` (symlinks resolved) is the root or below it, and not in `.tmp/`. */
  #isObjectDir(dir: string, realRoot: string): boolean {
    return isInside(realRoot, dir) && !isInside(this.#tmpDir, dir)
  }

  /**
   * The path to open for `key`, its folder resolved and checked to stay inside the root;
   * `undefined` when the folder does not exist. The last segment is left unresolved so
   * callers can refuse a symlink there.
   */
  async #resolveForRead(
    key: string,
    realRoot: string,
    code: ErrorCode = 'ERR_STORAGE_READ_FAILED',
  ): Promise<string | undefined> {
    const segments = key.split('/')
    segments.pop()
    let parent: string
    try {
      parent = await this.#fs.realpath(path.join(realRoot, ...segments))
    } catch (e) {
      const errno = errnoOf(e)
      if (errno === 'ENOENT' || errno === 'ENOTDIR') return undefined
      throw code === 'ERR_STORAGE_READ_FAILED' ? readFailed(key, e) : e
    }
    if (!this.#isObjectDir(parent, realRoot)) throw symlinkRefused(code, key)
    return path.join(parent, lastSegment(key))
  }

  /**
   * Creates the folders of `key` one segment at a time. Each segment is checked with
   * lstat() before we descend into it, so a symlink pointing out of the root is refused
   * before mkdir() could create anything outside it.
   */
  async #ensureParent(
    key: string,
    realRoot: string,
  ): Promise<{ parent: string; created: string[] }> {
    const fs = this.#fs
    const segments = key.split('/')
    segments.pop()
    const created: string[] = []
    let current = realRoot
    for (const segment of segments) {
      const next = path.join(current, segment)
      let st
      try {
        st = await fs.lstat(next)
      } catch (e) {
        if (errnoOf(e) !== 'ENOENT') throw e
        try {
          await fs.mkdir(next, { mode: 0o700 })
          created.push(next)
        } catch (e2) {
          // A concurrent put created it first: fine, it is checked below like any other.
          if (errnoOf(e2) !== 'EEXIST') throw e2
        }
        st = await fs.lstat(next)
      }
      if (st.isSymbolicLink()) {
        const target = await fs.realpath(next)
        if (!this.#isObjectDir(target, realRoot)) {
          throw symlinkRefused('ERR_STORAGE_WRITE_FAILED', key)
        }
        current = target
      } else if (st.isDirectory()) {
        current = next
      } else {
        throw new StrongroomError(
          'ERR_STORAGE_WRITE_FAILED',
          `A folder of the key is an existing object: ${key}`,
          { hint: 'The fs store cannot hold both a/b and a/b/c.', details: { key } },
        )
      }
    }
    return { parent: current, created }
  }

  async *#walk(
    dir: string,
    keyPrefix: string,
    namePrefix: string,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<ObjectInfo> {
    let entries
    try {
      entries = await this.#fs.readdir(dir, { withFileTypes: true })
    } catch (e) {
      const code = errnoOf(e)
      // Removed or replaced while we walked: it holds no objects any more.
      if (code === 'ENOENT' || code === 'ENOTDIR') return
      throw listFailed(e)
    }
    const items = entries
      .filter(
        (d) =>
          (d.isFile() || d.isDirectory()) &&
          SEGMENT.test(d.name) &&
          d.name.startsWith(namePrefix) &&
          !(keyPrefix === '' && d.name === TMP_DIR),
      )
      // Sort folders as `name/` so the depth-first walk yields keys in plain string
      // order: `a-c` ('-' < '/') comes before every key under `a/`.
      .map((d) => ({
        name: d.name,
        isDir: d.isDirectory(),
        sortKey: d.isDirectory() ? `${d.name}/` : d.name,
      }))
      .sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0))
    for (const item of items) {
      throwIfAborted(signal)
      const full = path.join(dir, item.name)
      if (item.isDir) {
        yield* this.#walk(full, `${keyPrefix}${item.name}/`, '', signal)
        continue
      }
      let st
      try {
        st = await this.#fs.lstat(full)
      } catch (e) {
        if (errnoOf(e) === 'ENOENT') continue // deleted while listing
        throw listFailed(e)
      }
      if (!st.isFile()) continue
      yield { key: `${keyPrefix}${item.name}`, size: st.size, lastModified: st.mtime }
    }
  }
}

/**
 * Creates an fs object store rooted at `options.root`.
 *
 * @example
 * ```ts
 * const store = createFsObjectStore({ root: '/var/lib/strongroom/objects' })
 * await store.open()
 * await store.put('ds/1/v1/part-0.sre', encryptedBytes)
 * for await (const o of store.list('ds/1/')) console.log(o.key, o.size)
 * await store.close()
 * ```
 */
export function createFsObjectStore(options: FsObjectStoreOptions): FsObjectStore {
  return new FsObjectStore(options)
}

function lastSegment(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1)
}

function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p)
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel))
}

function errnoOf(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null || !('code' in e)) return undefined
  return typeof e.code === 'string' ? e.code : undefined
}

async function writeAll(handle: FileHandle, chunk: Uint8Array): Promise<void> {
  let offset = 0
  // write() may write fewer bytes than asked (signals, quotas): loop until done.
  while (offset < chunk.byteLength) {
    const { bytesWritten } = await handle.write(chunk, offset, chunk.byteLength - offset)
    offset += bytesWritten
  }
}

async function fsyncDir(fs: FsObjectStoreFs, dir: string): Promise<void> {
  // Windows cannot open a directory for fsync; NTFS journals the entry itself.
  if (process.platform === 'win32') return
  const handle = await fs.open(dir, fsConstants.O_RDONLY)
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

async function* readRange(
  handle: FileHandle,
  start: number,
  end: number,
  key: string,
  signal: AbortSignal | undefined,
): AsyncGenerator<Uint8Array> {
  try {
    let position = start
    while (position < end) {
      throwIfAborted(signal)
      const length = Math.min(READ_CHUNK, end - position)
      const buffer = new Uint8Array(length)
      const { bytesRead } = await handle.read(buffer, 0, length, position)
      if (bytesRead === 0) {
        // Objects are immutable: a file shorter than its stat() was truncated under us.
        throw new StrongroomError(
          'ERR_STORAGE_READ_FAILED',
          `Object shrank while reading: ${key}`,
          {
            details: { key },
          },
        )
      }
      position += bytesRead
      yield bytesRead === length ? buffer : buffer.subarray(0, bytesRead)
    }
  } catch (e) {
    throw e instanceof StrongroomError ? e : readFailed(key, e)
  } finally {
    await handle.close().catch(() => undefined)
  }
}

function listFailed(cause: unknown): StrongroomError {
  return new StrongroomError('ERR_STORAGE_READ_FAILED', 'Could not list objects', {
    cause,
    details: { backend: 'fs' },
  })
}

function symlinkRefused(code: ErrorCode, key: string): StrongroomError {
  return new StrongroomError(code, `Refusing to follow a symlink for object: ${key}`, {
    hint: 'The object store root must not contain symlinks leading outside it.',
    details: { key, reason: 'symlink' },
  })
}

function mapWriteError(e: unknown, key: string): StrongroomError {
  if (e instanceof StrongroomError) return e
  const code = errnoOf(e)
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new StrongroomError('ERR_STORAGE_NO_SPACE', `No space left to write object: ${key}`, {
      cause: e,
      hint: 'Free disk space or raise the quota, then retry.',
      details: { key },
    })
  }
  return writeFailed(key, e)
}
