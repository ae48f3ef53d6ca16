/**
 * Rules every object store backend applies the same way: key, prefix and range checks,
 * the errors the port contract (`object-store.ts`) promises, and abort handling with the
 * store's wording.
 *
 * Internal to `storage/`: the backends import it; it is not part of the public API. Each
 * backend keeps what is specific to it (fs paths and errno codes, S3 statuses).
 */
import * as abort from '../lib/abort.js'
import { StrongroomError } from '../errors.js'
import { isValidObjectKey } from './object-store.js'
import type { ByteRange } from './object-store.js'

/** What an aborted store call reports. */
const ABORTED = 'Object store operation aborted'

/** Fails with `ERR_STORAGE_INVALID_KEY` unless `key` is a valid object key. */
export function checkKey(key: string): void {
  if (!isValidObjectKey(key)) throw invalidKey()
}

/**
 * Fails with `ERR_STORAGE_INVALID_KEY` unless `prefix` is a valid `list` prefix: empty, a
 * valid key, or a valid key followed by `/`.
 */
export function checkPrefix(prefix: string): void {
  const ok =
    prefix === '' ||
    isValidObjectKey(prefix) ||
    (prefix.endsWith('/') && isValidObjectKey(prefix.slice(0, -1)))
  if (!ok) throw invalidKey('Invalid object key prefix')
}

/** Fails with `ERR_USAGE_INVALID_ARGUMENT` unless `range` is absent or `0 <= start <= end`. */
export function checkRange(range: ByteRange | undefined): void {
  if (range === undefined) return
  const { start, end } = range
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
    throw new StrongroomError('ERR_USAGE_INVALID_ARGUMENT', 'Invalid byte range', {
      hint: 'A range needs integers with 0 <= start <= end.',
    })
  }
}

/** `ERR_STORAGE_INVALID_KEY`, without the key. */
export function invalidKey(message = 'Invalid object key'): StrongroomError {
  // The rejected key is not echoed: it is untrusted and may carry control characters.
  return new StrongroomError('ERR_STORAGE_INVALID_KEY', message, {
    hint: 'Keys are relative, /-separated segments of A-Z a-z 0-9 _ . - (no . or ..), at most 512 characters.',
  })
}

/** `ERR_STORAGE_NOT_FOUND` for `key` (already validated, so safe to name). */
export function notFound(key: string): StrongroomError {
  return new StrongroomError('ERR_STORAGE_NOT_FOUND', `Object not found: ${key}`, {
    details: { key },
  })
}

/** `ERR_STORAGE_WRITE_FAILED`: a no-replace put found `key` taken. */
export function alreadyExists(key: string): StrongroomError {
  return new StrongroomError('ERR_STORAGE_WRITE_FAILED', `Object already exists: ${key}`, {
    hint: 'Objects are immutable; write a new key instead.',
    details: { key, reason: 'exists' },
  })
}

/** `ERR_STORAGE_READ_FAILED` for `key`, chaining the backend's error. */
export function readFailed(key: string, cause: unknown): StrongroomError {
  return new StrongroomError('ERR_STORAGE_READ_FAILED', `Could not read object: ${key}`, {
    cause,
    details: { key },
  })
}

/** `ERR_STORAGE_WRITE_FAILED` for `key`, chaining the backend's error. */
export function writeFailed(key: string, cause: unknown): StrongroomError {
  return new StrongroomError('ERR_STORAGE_WRITE_FAILED', `Could not write object: ${key}`, {
    cause,
    details: { key },
  })
}

/** Throws `ERR_OPERATION_ABORTED` when `signal` has fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  abort.throwIfAborted(signal, ABORTED)
}

/**
 * The chunks of a put's `body`, stopping with `ERR_OPERATION_ABORTED` as soon as `signal`
 * fires, even while the body is stalled waiting for its next chunk. Fails with
 * `ERR_USAGE_INVALID_ARGUMENT` on a chunk that is not a Uint8Array.
 */
export async function* bodyChunks(
  body: Uint8Array | AsyncIterable<Uint8Array>,
  signal: AbortSignal | undefined,
): AsyncGenerator<Uint8Array> {
  if (body instanceof Uint8Array) {
    throwIfAborted(signal)
    yield body
    return
  }
  // Leaving this loop early (a bad chunk, a consumer that stops) returns the inner
  // generator, which in turn asks the producer to release its resources.
  for await (const chunk of abort.abortable<unknown>(body, signal, ABORTED)) {
    if (!(chunk instanceof Uint8Array)) {
      throw new StrongroomError(
        'ERR_USAGE_INVALID_ARGUMENT',
        'Object body chunks must be Uint8Array',
      )
    }
    yield chunk
  }
}
