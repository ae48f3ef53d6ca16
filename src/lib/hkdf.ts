/**
 * HKDF-SHA256 (RFC 5869) over node:crypto. Internal helper (`src/lib/`).
 *
 * The envelope format derives its per-file keys with this function, and the Wycheproof
 * HKDF vectors (`test/vectors/hkdf-wycheproof.test.ts`) run through it.
 */
import { hkdfSync } from 'node:crypto'

/** Node rejects `info` longer than this (OpenSSL's HKDF info buffer limit). */
export const HKDF_MAX_INFO_LENGTH = 1024
/** RFC 5869 §2.3: L ≤ 255·HashLen. */
export const HKDF_SHA256_MAX_LENGTH = 255 * 32

/**
 * HKDF-SHA256: extract with `salt`, expand with `info` to `length` bytes.
 *
 * Throws a `RangeError` when `length` exceeds 255·32 bytes or `info` exceeds 1024 bytes.
 */
export function hkdfSha256(
  ikm: Uint8Array,
  salt: Uint8Array,
  info: Uint8Array,
  length: number,
): Buffer {
  if (!Number.isInteger(length) || length < 0 || length > HKDF_SHA256_MAX_LENGTH) {
    throw new RangeError('HKDF-SHA256 output length out of range')
  }
  if (info.byteLength > HKDF_MAX_INFO_LENGTH) throw new RangeError('HKDF info too long')
  if (length === 0) return Buffer.alloc(0)
  return Buffer.from(hkdfSync('sha256', ikm, salt, info, length))
}
