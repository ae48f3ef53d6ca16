/**
 * The object store port: where encrypted data files live.
 *
 * Objects are immutable blobs addressed by a relative key (`ds/<id>/v3/<file>.sre`).
 * The store never sees plaintext: everything Strongroom puts is already encrypted.
 * Backends: `fs/` (a local folder) and `s3/` (any S3-compatible store).
 */

/** Metadata of one stored object. */
export interface ObjectInfo {
  readonly key: string
  readonly size: number
  readonly lastModified: Date
}

/** Options shared by long-running calls. */
export interface ObjectStoreCallOptions {
  readonly signal?: AbortSignal
}

/** A byte range, `start` inclusive, `end` exclusive. */
export interface ByteRange {
  readonly start: number
  readonly end: number
}

/**
 * An object store backend. Contract (see `test/contract/object-store.contract.ts`):
 * - `put` is atomic: a reader sees the whole object or no object, never a prefix, and
 *   the object is durable when the promise resolves. A failed or aborted `put` leaves
 *   no object under the key.
 * - keys are validated by {@link isValidObjectKey}; a bad key fails with
 *   `ERR_STORAGE_INVALID_KEY` before any I/O.
 * - `get` of a missing key fails with `ERR_STORAGE_NOT_FOUND`.
 * - `delete` of a missing key succeeds (idempotent).
 * - `list` yields every object under a prefix in lexicographic key order.
 */
export interface ObjectStore {
  /** A short backend name for reports: `fs`, `s3`. */
  readonly kind: string
  open(): Promise<void>
  close(): Promise<void>
  /** Stores `body` under `key`, replacing nothing: fails if the key exists. */
  put(
    key: string,
    body: Uint8Array | AsyncIterable<Uint8Array>,
    options?: ObjectStoreCallOptions,
  ): Promise<ObjectInfo>
  /** Streams an object's bytes, or a range of them. */
  get(
    key: string,
    options?: ObjectStoreCallOptions & { readonly range?: ByteRange },
  ): Promise<AsyncIterable<Uint8Array>>
  /** Metadata, or `undefined` when absent. */
  head(key: string, options?: ObjectStoreCallOptions): Promise<ObjectInfo | undefined>
  delete(key: string, options?: ObjectStoreCallOptions): Promise<void>
  list(prefix: string, options?: ObjectStoreCallOptions): AsyncIterable<ObjectInfo>
}

const KEY_PATTERN = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/

/**
 * Validates an object key: relative, `/`-separated segments of `[A-Za-z0-9_.-]`, no
 * `.`/`..` segment, at most 512 characters. Prefixes passed to `list` may be empty or
 * end with `/`.
 */
export function isValidObjectKey(key: string): boolean {
  if (key.length === 0 || key.length > 512 || !KEY_PATTERN.test(key)) return false
  return key.split('/').every((s) => s !== '.' && s !== '..')
}
