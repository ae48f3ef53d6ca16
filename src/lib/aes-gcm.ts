/**
 * The one AES-GCM primitive Strongroom uses (node:crypto / OpenSSL underneath).
 *
 * Internal helper (`src/lib/`): never exported from `src/index.ts`. The envelope format,
 * DEK wrapping and the local keyring all call these two functions, and the Wycheproof
 * vectors (`test/vectors/aes-gcm-wycheproof.test.ts`) run through them, so the vectors
 * cover exactly the code path that protects data.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto'
import type { CipherGCMTypes, KeyObject } from 'node:crypto'

/** GCM nonce length in bytes. 96-bit IVs avoid GHASH-derived counters (SP 800-38D §8.2.1). */
export const GCM_IV_LENGTH = 12
/** GCM tag length in bytes. Always the full 128 bits: shorter tags weaken forgery bounds. */
export const GCM_TAG_LENGTH = 16

/** Output of {@link gcmSeal}. */
export interface GcmSealResult {
  readonly ciphertext: Buffer
  readonly tag: Buffer
}

function cipherName(key: Uint8Array | KeyObject): CipherGCMTypes {
  const size = key instanceof Uint8Array ? key.byteLength : key.symmetricKeySize
  if (size === 16) return 'aes-128-gcm'
  if (size === 24) return 'aes-192-gcm'
  if (size === 32) return 'aes-256-gcm'
  throw new RangeError('AES-GCM key must be 16, 24 or 32 bytes')
}

function checkIv(iv: Uint8Array): void {
  // Only 96-bit IVs: other lengths go through GHASH, which is where the Wycheproof
  // CounterWrap / LongIv bugs live, and none of our formats needs them.
  if (iv.byteLength !== GCM_IV_LENGTH) throw new RangeError('AES-GCM IV must be 12 bytes')
}

/**
 * AES-GCM encryption with a 12-byte IV and a 16-byte tag.
 *
 * @param key - 16, 24 or 32 raw bytes, or a secret `KeyObject` of those sizes.
 * @param iv - 12 bytes; the caller guarantees uniqueness per key.
 * @param plaintext - data to encrypt.
 * @param aad - additional authenticated data (may be empty).
 */
export function gcmSeal(
  key: Uint8Array | KeyObject,
  iv: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array,
): GcmSealResult {
  checkIv(iv)
  const cipher = createCipheriv(cipherName(key), key, iv, { authTagLength: GCM_TAG_LENGTH })
  if (aad.byteLength > 0) cipher.setAAD(aad)
  const ciphertext = cipher.update(plaintext)
  // GCM is a stream mode: final() emits nothing, it computes the tag.
  cipher.final()
  return { ciphertext, tag: cipher.getAuthTag() }
}

/**
 * AES-GCM decryption with a 12-byte IV and a 16-byte tag.
 *
 * Returns the plaintext only after the tag verified, or `undefined` when it did not. It
 * never says why: callers map `undefined` to their own opaque error code.
 *
 * @param tag - exactly 16 bytes. Node would otherwise accept truncated tags, which lets a
 *   forger guess 4 bytes instead of 16; `authTagLength` plus this check closes that.
 */
export function gcmOpen(
  key: Uint8Array | KeyObject,
  iv: Uint8Array,
  ciphertext: Uint8Array,
  tag: Uint8Array,
  aad: Uint8Array,
): Buffer | undefined {
  checkIv(iv)
  if (tag.byteLength !== GCM_TAG_LENGTH) return undefined
  const decipher = createDecipheriv(cipherName(key), key, iv, { authTagLength: GCM_TAG_LENGTH })
  decipher.setAuthTag(tag)
  if (aad.byteLength > 0) decipher.setAAD(aad)
  const plaintext = decipher.update(ciphertext)
  try {
    decipher.final()
  } catch {
    // Unverified plaintext must never escape: wipe what update() produced.
    plaintext.fill(0)
    return undefined
  }
  return plaintext
}
