/**
 * Envelope encryption of data files: the `SRE1` streaming AEAD and DEK wrapping.
 *
 * root key (provider) ──► dataset KEK (versioned) ──► per-file DEK ──► this format
 *
 * Every data file is encrypted under its own random 32-byte DEK with a segmented
 * AES-256-GCM construction in the style of Tink's streaming AEAD and age's STREAM (Hoang,
 * Reyhanitabar, Rogaway, Vizár, "Online Authenticated-Encryption and its Nonce-Reuse
 * Misuse-Resistance", CRYPTO 2015): each segment is authenticated on its own, so a reader
 * never releases plaintext it has not verified, while the segment counter and the
 * last-segment flag in the nonce detect reordering, duplication, truncation and extension.
 *
 * On-disk layout (all integers big-endian; see `docs/formats.md`):
 *
 * | offset | size | field                                                        |
 * |-------:|-----:|--------------------------------------------------------------|
 * |      0 |    4 | magic `SRE1` (0x53 0x52 0x45 0x31)                            |
 * |      4 |    1 | format version, 0x01                                          |
 * |      5 |    1 | algorithm id, 0x01 = AES-256-GCM + HKDF-SHA256, committing    |
 * |      6 |    4 | segment size S: plaintext bytes per full segment (u32)       |
 * |     10 |   32 | salt (random per file)                                        |
 * |     42 |    7 | nonce prefix (random per file)                                |
 * |     49 |   32 | key commitment                                                |
 * |     81 |    … | segments: ciphertext ‖ 16-byte tag                             |
 *
 * Every segment but the last holds exactly S plaintext bytes; the last holds 0..S-1 and is
 * always present, so a file cut at a segment boundary has no final segment and is caught.
 *
 * @module
 */
import { createSecretKey, randomBytes, timingSafeEqual } from 'node:crypto'
import type { KeyObject } from 'node:crypto'

import { StrongroomError } from '../errors.js'
import { GCM_IV_LENGTH, GCM_TAG_LENGTH, gcmOpen, gcmSeal } from '../lib/aes-gcm.js'
import { hkdfSha256 } from '../lib/hkdf.js'

/** The 4 magic bytes that open every encrypted object: ASCII `SRE1`. */
export const ENVELOPE_MAGIC: Uint8Array = Uint8Array.of(0x53, 0x52, 0x45, 0x31)
/** The format version this module writes and reads. */
export const ENVELOPE_FORMAT_VERSION = 1
/** Algorithm id 1: AES-256-GCM segments, HKDF-SHA256 key derivation and commitment. */
export const ENVELOPE_ALGORITHM_AES256GCM_HKDF = 1
/** Size of the fixed header in bytes: 4 + 1 + 1 + 4 + 32 + 7 + 32. */
export const ENVELOPE_HEADER_LENGTH = 81
/** Default plaintext bytes per segment: 1 MiB amortizes the per-segment setup cost. */
export const DEFAULT_SEGMENT_SIZE = 1024 * 1024
/** Smallest segment size accepted (tiny sizes exist for tests and vectors). */
export const MIN_SEGMENT_SIZE = 1
/**
 * Largest segment size accepted. A reader buffers one segment before verifying it, and the
 * segment size is read before anything is authenticated, so this caps the memory a forged
 * header can make a reader allocate.
 */
export const MAX_SEGMENT_SIZE = 64 * 1024 * 1024
/** The segment index is a u32 in the nonce: at most 2^32 segments per file. */
export const MAX_SEGMENTS = 2 ** 32
/**
 * Largest `aad` accepted. The aad is appended to the HKDF info strings, and Node (OpenSSL)
 * limits HKDF info to 1024 bytes; 1000 leaves room for the 20-byte labels.
 */
export const MAX_AAD_LENGTH = 1000
/** Length of a DEK or KEK: 256 bits. */
export const KEY_LENGTH = 32

const SALT_OFFSET = 10
const SALT_LENGTH = 32
const NONCE_PREFIX_OFFSET = 42
const NONCE_PREFIX_LENGTH = 7
const COMMITMENT_OFFSET = 49
const COMMITMENT_LENGTH = 32
const LAST_SEGMENT = 0x01
const NOT_LAST_SEGMENT = 0x00

// HKDF info labels. Neither is a prefix of the other ("…/enc" vs "…/com…"), so no aad can
// make the two info strings collide: the commitment never equals the segment key input.
const INFO_ENC = Buffer.from('strongroom/v1/enc', 'utf8')
const INFO_COMMIT = Buffer.from('strongroom/v1/commit', 'utf8')
const FILE_AAD_LABEL = 'strongroom/v1/file-aad'

/**
 * A source of bytes in chunks of any size: an async iterable (a Node `Readable`, an
 * object-store body) or a plain iterable (an array of buffers).
 */
export type ByteSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array>

/** Options for {@link encryptStream} and {@link encryptBuffer}. */
export interface EncryptOptions {
  /** The file's data key: 32 random bytes from {@link generateKey}. */
  readonly dek: Uint8Array
  /** The file identity, normally {@link fileAad}; it must be given again to decrypt. */
  readonly aad: Uint8Array
  /** Plaintext bytes per segment; default {@link DEFAULT_SEGMENT_SIZE}. */
  readonly segmentSize?: number
}

/** Options for {@link decryptStream} and {@link decryptBuffer}. */
export interface DecryptOptions {
  /** The file's data key. */
  readonly dek: Uint8Array
  /** The same aad the file was encrypted with. */
  readonly aad: Uint8Array
}

/** The identity of a data file, bound into its encryption by {@link fileAad}. */
export interface FileIdentity {
  readonly datasetId: string
  /** The dataset version the file was written in. */
  readonly version: number
  readonly fileId: string
}

/**
 * Options of {@link encryptStreamForVectors}: the per-file randomness, fixed.
 *
 * @internal
 */
export interface FixedRandomnessOptions extends EncryptOptions {
  /** 32 bytes. */
  readonly salt: Uint8Array
  /** 7 bytes. */
  readonly noncePrefix: Uint8Array
}

function usage(message: string): StrongroomError {
  return new StrongroomError('ERR_USAGE_INVALID_ARGUMENT', message)
}

// One message for every failed check: which check failed (commitment, tag, length) is an
// oracle an attacker could use, so callers learn only "integrity" (STYLE: errors are data,
// decrypt failures indistinguishable).
function integrityError(): StrongroomError {
  return new StrongroomError('ERR_CRYPTO_INTEGRITY', 'encrypted object failed its integrity check')
}

function truncatedError(): StrongroomError {
  return new StrongroomError('ERR_CRYPTO_TRUNCATED', 'encrypted object is truncated', {
    hint: 'the stored object ends before its final segment; restore it from a replica',
  })
}

function unsupportedError(): StrongroomError {
  return new StrongroomError(
    'ERR_CRYPTO_UNSUPPORTED_FORMAT',
    'not an encrypted object of a supported format',
    { hint: 'expected magic SRE1, format version 1, algorithm 1' },
  )
}

function asBuffer(chunk: Uint8Array): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk
  if (!(chunk instanceof Uint8Array)) throw usage('stream chunks must be Uint8Array')
  // A view, not a copy.
  return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
}

function checkKey(key: Uint8Array, what: string): void {
  if (!(key instanceof Uint8Array) || key.byteLength !== KEY_LENGTH) {
    throw usage(`${what} must be ${KEY_LENGTH} bytes`)
  }
}

function checkAad(aad: Uint8Array): void {
  if (!(aad instanceof Uint8Array) || aad.byteLength > MAX_AAD_LENGTH) {
    throw usage(`aad must be a Uint8Array of at most ${MAX_AAD_LENGTH} bytes`)
  }
}

function checkSegmentSize(segmentSize: number): void {
  if (
    !Number.isInteger(segmentSize) ||
    segmentSize < MIN_SEGMENT_SIZE ||
    segmentSize > MAX_SEGMENT_SIZE
  ) {
    throw usage(`segmentSize must be an integer in [${MIN_SEGMENT_SIZE}, ${MAX_SEGMENT_SIZE}]`)
  }
}

/** The per-file keys: the GCM key for segments and the commitment stored in the header. */
interface FileKeys {
  readonly segmentKey: KeyObject
  readonly commitment: Buffer
}

function deriveFileKeys(dek: Uint8Array, salt: Uint8Array, aad: Uint8Array): FileKeys {
  // docs/formats.md "Derivations": a fresh 256-bit salt per file gives a fresh segment key
  // per file, so the counter nonces below never repeat under one key even if a DEK were
  // reused; the aad in the info binds the file identity into both outputs.
  const raw = hkdfSha256(dek, salt, Buffer.concat([INFO_ENC, aad]), KEY_LENGTH)
  const segmentKey = createSecretKey(raw)
  // Best effort: the KeyObject holds its own copy (native memory, freed by GC), so only
  // this JS-visible copy can be wiped.
  raw.fill(0)
  const commitment = hkdfSha256(dek, salt, Buffer.concat([INFO_COMMIT, aad]), COMMITMENT_LENGTH)
  return { segmentKey, commitment }
}

function buildHeader(segmentSize: number, salt: Uint8Array, prefix: Uint8Array, c: Buffer): Buffer {
  const header = Buffer.alloc(ENVELOPE_HEADER_LENGTH)
  header.set(ENVELOPE_MAGIC, 0)
  header[4] = ENVELOPE_FORMAT_VERSION
  header[5] = ENVELOPE_ALGORITHM_AES256GCM_HKDF
  header.writeUInt32BE(segmentSize, 6)
  header.set(salt, SALT_OFFSET)
  header.set(prefix, NONCE_PREFIX_OFFSET)
  header.set(c, COMMITMENT_OFFSET)
  return header
}

/**
 * Writes the nonce of segment `index` into `nonce` (12 bytes, prefix already in place):
 * prefix(7) ‖ u32be(index) ‖ lastFlag(1). The flag makes "final" part of what the tag
 * authenticates, so a non-final segment cannot be passed off as the end of the file.
 */
function setSegmentNonce(nonce: Buffer, index: number, last: boolean): void {
  nonce.writeUInt32BE(index, NONCE_PREFIX_LENGTH)
  nonce[NONCE_PREFIX_LENGTH + 4] = last ? LAST_SEGMENT : NOT_LAST_SEGMENT
}

/**
 * Exact size of the ciphertext for `plaintextLength` bytes: header, then
 * ⌊length / S⌋ full segments plus one final segment (possibly empty), 16 tag bytes each.
 *
 * @param plaintextLength - plaintext size in bytes.
 * @param segmentSize - plaintext bytes per segment; default {@link DEFAULT_SEGMENT_SIZE}.
 */
export function ciphertextLength(
  plaintextLength: number,
  segmentSize: number = DEFAULT_SEGMENT_SIZE,
): number {
  checkSegmentSize(segmentSize)
  if (!Number.isSafeInteger(plaintextLength) || plaintextLength < 0) {
    throw usage('plaintextLength must be a non-negative integer')
  }
  const segments = Math.floor(plaintextLength / segmentSize) + 1
  return ENVELOPE_HEADER_LENGTH + plaintextLength + segments * GCM_TAG_LENGTH
}

async function* encryptCore(
  plaintext: ByteSource,
  options: EncryptOptions,
  salt: Uint8Array,
  noncePrefix: Uint8Array,
): AsyncGenerator<Uint8Array, void, undefined> {
  const segmentSize = options.segmentSize ?? DEFAULT_SEGMENT_SIZE
  checkKey(options.dek, 'dek')
  checkAad(options.aad)
  checkSegmentSize(segmentSize)
  if (salt.byteLength !== SALT_LENGTH) throw usage('salt must be 32 bytes')
  if (noncePrefix.byteLength !== NONCE_PREFIX_LENGTH) throw usage('noncePrefix must be 7 bytes')

  const { segmentKey, commitment } = deriveFileKeys(options.dek, salt, options.aad)
  const header = buildHeader(segmentSize, salt, noncePrefix, commitment)
  const nonce = Buffer.alloc(GCM_IV_LENGTH)
  nonce.set(noncePrefix, 0)
  // One reusable segment buffer; gcmSeal returns fresh ciphertext, so reuse is safe.
  const pending = Buffer.allocUnsafe(segmentSize)
  let fill = 0
  let index = 0

  // Seals one segment. The whole header is the GCM AAD of every segment, so a changed
  // segment size, salt, prefix or commitment fails every tag.
  const seal = (data: Uint8Array, last: boolean): [Buffer, Buffer] => {
    if (index >= MAX_SEGMENTS) {
      throw new StrongroomError('ERR_INPUT_TOO_LARGE', 'file exceeds 2^32 segments')
    }
    setSegmentNonce(nonce, index, last)
    index += 1
    const { ciphertext, tag } = gcmSeal(segmentKey, nonce, data, header)
    return [ciphertext, tag]
  }

  try {
    yield header
    for await (const raw of plaintext) {
      const chunk = asBuffer(raw)
      let pos = 0
      while (pos < chunk.length) {
        if (fill === 0 && chunk.length - pos >= segmentSize) {
          // Fast path: a whole segment inside the input chunk, sealed without a copy. A
          // full segment is never the last one (the last holds < S bytes).
          const [ct, tag] = seal(chunk.subarray(pos, pos + segmentSize), false)
          pos += segmentSize
          yield ct
          yield tag
        } else {
          const take = Math.min(segmentSize - fill, chunk.length - pos)
          chunk.copy(pending, fill, pos, pos + take)
          fill += take
          pos += take
          if (fill === segmentSize) {
            fill = 0
            const [ct, tag] = seal(pending, false)
            yield ct
            yield tag
          }
        }
      }
    }
    // The final segment is always written, even when empty: its presence is what proves
    // the file was not cut at a segment boundary.
    const [ct, tag] = seal(pending.subarray(0, fill), true)
    if (ct.length > 0) yield ct
    yield tag
  } finally {
    // Best effort: wipe buffered plaintext and the derived commitment copy.
    pending.fill(0)
    commitment.fill(0)
  }
}

/**
 * Encrypts a stream of plaintext chunks (of any sizes) into the `SRE1` format.
 *
 * The output begins with the 81-byte header, then one ciphertext and one tag chunk per
 * segment. A fresh random salt and nonce prefix are drawn per call.
 *
 * @example
 * ```ts
 * const dek = generateKey()
 * const aad = fileAad({ datasetId: 'ds_x', version: 3, fileId: 'f_y' })
 * await pipeline(Readable.from(encryptStream(createReadStream(src), { dek, aad })), out)
 * ```
 */
export function encryptStream(
  plaintext: ByteSource,
  options: EncryptOptions,
): AsyncIterable<Uint8Array> {
  return encryptCore(plaintext, options, randomBytes(SALT_LENGTH), randomBytes(NONCE_PREFIX_LENGTH))
}

/**
 * {@link encryptStream} with the per-file salt and nonce prefix supplied by the caller.
 *
 * @internal For known-answer vectors (`scripts/make-envelope-vectors.ts`,
 * `test/vectors/envelope-kat.test.ts`) only. Reusing a salt and prefix with the same DEK
 * and aad reuses GCM nonces, which forfeits confidentiality and integrity. Never export
 * this from `src/index.ts`.
 */
export function encryptStreamForVectors(
  plaintext: ByteSource,
  options: FixedRandomnessOptions,
): AsyncIterable<Uint8Array> {
  return encryptCore(plaintext, options, options.salt, options.noncePrefix)
}

/** Parses and checks the header, returning the per-file segment key. */
function openHeader(
  header: Buffer,
  dek: Uint8Array,
  aad: Uint8Array,
): {
  segmentKey: KeyObject
  segmentSize: number
} {
  // Format identification first: an unknown magic, version or algorithm is a file we
  // cannot read, not a forgery, so it gets its own code.
  if (!header.subarray(0, 4).equals(ENVELOPE_MAGIC)) throw unsupportedError()
  if (header[4] !== ENVELOPE_FORMAT_VERSION) throw unsupportedError()
  if (header[5] !== ENVELOPE_ALGORITHM_AES256GCM_HKDF) throw unsupportedError()
  const segmentSize = header.readUInt32BE(6)
  // Valid writers never produce an out-of-range size, so it is tampering: integrity.
  if (segmentSize < MIN_SEGMENT_SIZE || segmentSize > MAX_SEGMENT_SIZE) throw integrityError()
  const salt = header.subarray(SALT_OFFSET, SALT_OFFSET + SALT_LENGTH)
  const { segmentKey, commitment } = deriveFileKeys(dek, salt, aad)
  const stored = header.subarray(COMMITMENT_OFFSET, COMMITMENT_OFFSET + COMMITMENT_LENGTH)
  // Key commitment (docs/formats.md): checked in constant time before any segment is
  // decrypted, so a ciphertext opens under exactly one (DEK, aad). Plain GCM is not
  // committing: without this, a crafted file could decrypt validly under two keys.
  const ok = timingSafeEqual(commitment, stored)
  commitment.fill(0)
  if (!ok) throw integrityError()
  return { segmentKey, segmentSize }
}

async function* decryptCore(
  ciphertext: ByteSource,
  options: DecryptOptions,
): AsyncGenerator<Uint8Array, void, undefined> {
  checkKey(options.dek, 'dek')
  checkAad(options.aad)

  const header = Buffer.alloc(ENVELOPE_HEADER_LENGTH)
  let headerFill = 0
  let segmentKey: KeyObject | undefined
  let full = 0
  let pending: Buffer | undefined
  let fill = 0
  let index = 0
  const nonce = Buffer.alloc(GCM_IV_LENGTH)

  const open = (segment: Buffer, last: boolean): Buffer => {
    if (segmentKey === undefined || index >= MAX_SEGMENTS) throw integrityError()
    setSegmentNonce(nonce, index, last)
    index += 1
    const cut = segment.length - GCM_TAG_LENGTH
    const plaintext = gcmOpen(
      segmentKey,
      nonce,
      segment.subarray(0, cut),
      segment.subarray(cut),
      header,
    )
    if (plaintext === undefined) throw integrityError()
    return plaintext
  }

  for await (const raw of ciphertext) {
    const chunk = asBuffer(raw)
    let pos = 0
    if (segmentKey === undefined) {
      const take = Math.min(ENVELOPE_HEADER_LENGTH - headerFill, chunk.length)
      chunk.copy(header, headerFill, 0, take)
      headerFill += take
      pos = take
      if (headerFill < ENVELOPE_HEADER_LENGTH) continue
      const opened = openHeader(header, options.dek, options.aad)
      segmentKey = opened.segmentKey
      nonce.set(header.subarray(NONCE_PREFIX_OFFSET, NONCE_PREFIX_OFFSET + NONCE_PREFIX_LENGTH))
      full = opened.segmentSize + GCM_TAG_LENGTH
      pending = Buffer.allocUnsafe(full)
    }
    if (pending === undefined) throw integrityError()
    while (pos < chunk.length) {
      // A complete S+16 byte segment is never the final one (the final holds < S
      // plaintext bytes), so it can be verified and released as soon as it is complete.
      if (fill === 0 && chunk.length - pos >= full) {
        const plaintext = open(chunk.subarray(pos, pos + full), false)
        pos += full
        yield plaintext
      } else {
        const take = Math.min(full - fill, chunk.length - pos)
        chunk.copy(pending, fill, pos, pos + take)
        fill += take
        pos += take
        if (fill === full) {
          fill = 0
          yield open(pending, false)
        }
      }
    }
  }
  // End of input: what is buffered must be the final segment. Nothing buffered (cut at a
  // segment boundary, or inside the header) or less than a tag cannot be one.
  if (segmentKey === undefined || pending === undefined || fill < GCM_TAG_LENGTH) {
    throw truncatedError()
  }
  const plaintext = open(pending.subarray(0, fill), true)
  if (plaintext.length > 0) yield plaintext
}

/**
 * Decrypts an `SRE1` stream, accepting input in chunks of any size.
 *
 * Each segment's plaintext is yielded only after its tag verified. On any failure the
 * iterator throws and yields nothing further: `ERR_CRYPTO_UNSUPPORTED_FORMAT` (not an
 * `SRE1` v1 object), `ERR_CRYPTO_TRUNCATED` (ends before its final segment) or
 * `ERR_CRYPTO_INTEGRITY` (wrong key, wrong aad, any modification).
 *
 * Streaming caveat: segments verified before a failure were already yielded. A consumer
 * must treat the whole output as invalid when the iterator throws (write to a temp file
 * and rename on success, or use {@link decryptBuffer}).
 *
 * @example
 * ```ts
 * for await (const chunk of decryptStream(store.get(key), { dek, aad })) sink.write(chunk)
 * ```
 */
export function decryptStream(
  ciphertext: ByteSource,
  options: DecryptOptions,
): AsyncIterable<Uint8Array> {
  return decryptCore(ciphertext, options)
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = []
  let total = 0
  for await (const part of source) {
    parts.push(part)
    total += part.byteLength
  }
  return Buffer.concat(parts, total)
}

/**
 * Encrypts a whole buffer into the `SRE1` format (see {@link encryptStream}).
 *
 * @example
 * ```ts
 * const sealed = await encryptBuffer(bytes, { dek, aad })
 * ```
 */
export async function encryptBuffer(
  plaintext: Uint8Array,
  options: EncryptOptions,
): Promise<Uint8Array> {
  return collect(encryptStream([plaintext], options))
}

/**
 * Decrypts a whole `SRE1` buffer; all or nothing (no partial plaintext on failure).
 *
 * @example
 * ```ts
 * const bytes = await decryptBuffer(sealed, { dek, aad })
 * ```
 */
export async function decryptBuffer(
  ciphertext: Uint8Array,
  options: DecryptOptions,
): Promise<Uint8Array> {
  return collect(decryptStream([ciphertext], options))
}

function lengthPrefixed(parts: readonly string[]): Uint8Array {
  const encoded = parts.map((p) => Buffer.from(p, 'utf8'))
  const out = Buffer.alloc(encoded.reduce((n, b) => n + 4 + b.length, 0))
  let at = 0
  for (const b of encoded) {
    out.writeUInt32BE(b.length, at)
    b.copy(out, at + 4)
    at += 4 + b.length
  }
  return out
}

// A lone surrogate would encode to U+FFFD, so two distinct ids could share one encoding.
const LONE_SURROGATE = /\p{Cs}/u

function checkIdField(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.length === 0 || LONE_SURROGATE.test(value)) {
    throw usage(`${name} must be a non-empty, well-formed string`)
  }
  return value
}

/**
 * The canonical aad of a data file: binds dataset id, version and file id, so a file
 * moved or swapped between datasets, versions or ids fails to decrypt.
 *
 * Encoding: for each of `"strongroom/v1/file-aad"`, `datasetId`, decimal `version`,
 * `fileId`, a u32 big-endian byte length then the UTF-8 bytes. Length prefixes make the
 * encoding injective (no two identities share one aad).
 *
 * @example
 * ```ts
 * fileAad({ datasetId: 'ds_abc', version: 2, fileId: 'f_def' })
 * ```
 */
export function fileAad(identity: FileIdentity): Uint8Array {
  const datasetId = checkIdField(identity.datasetId, 'datasetId')
  const fileId = checkIdField(identity.fileId, 'fileId')
  if (!Number.isSafeInteger(identity.version) || identity.version < 0) {
    throw usage('version must be a non-negative integer')
  }
  const aad = lengthPrefixed([FILE_AAD_LABEL, datasetId, String(identity.version), fileId])
  if (aad.byteLength > MAX_AAD_LENGTH) throw usage('file identity too long')
  return aad
}

/**
 * A new random 256-bit key (a DEK or a KEK) from the CSPRNG.
 *
 * @example
 * ```ts
 * const dek = generateKey()
 * ```
 */
export function generateKey(): Uint8Array {
  return randomBytes(KEY_LENGTH)
}

/** Smallest wrapped key: nonce, at least one byte, tag. */
const MIN_WRAPPED_LENGTH = GCM_IV_LENGTH + 1 + GCM_TAG_LENGTH

function unwrapFailed(): StrongroomError {
  return new StrongroomError('ERR_KEYS_UNWRAP_FAILED', 'key unwrap failed')
}

/**
 * Wraps a DEK under a dataset KEK: AES-256-GCM, random 96-bit nonce, AAD = `context`.
 * Output: nonce(12) ‖ ciphertext ‖ tag(16), 60 bytes for a 32-byte DEK.
 *
 * Random nonces are safe here: each KEK wraps far fewer than 2^32 DEKs (SP 800-38D §8.3).
 *
 * @param dek - the key to wrap, 16 to 64 bytes.
 * @param kek - 32 bytes.
 * @param context - binds where the DEK belongs; use {@link fileAad} of the file.
 */
export function wrapDek(dek: Uint8Array, kek: Uint8Array, context: Uint8Array): Uint8Array {
  checkKey(kek, 'kek')
  if (!(dek instanceof Uint8Array) || dek.byteLength < 16 || dek.byteLength > 64) {
    throw usage('dek must be 16 to 64 bytes')
  }
  const nonce = randomBytes(GCM_IV_LENGTH)
  const { ciphertext, tag } = gcmSeal(kek, nonce, dek, context)
  return Buffer.concat([nonce, ciphertext, tag])
}

/**
 * Unwraps a DEK wrapped by {@link wrapDek} with the same KEK and `context`.
 *
 * Any failure (wrong KEK, wrong context, modified or short input) is
 * `ERR_KEYS_UNWRAP_FAILED`, with nothing more said.
 */
export function unwrapDek(wrapped: Uint8Array, kek: Uint8Array, context: Uint8Array): Uint8Array {
  checkKey(kek, 'kek')
  if (!(wrapped instanceof Uint8Array) || wrapped.byteLength < MIN_WRAPPED_LENGTH) {
    throw unwrapFailed()
  }
  const w = asBuffer(wrapped)
  const dek = gcmOpen(
    kek,
    w.subarray(0, GCM_IV_LENGTH),
    w.subarray(GCM_IV_LENGTH, w.length - GCM_TAG_LENGTH),
    w.subarray(w.length - GCM_TAG_LENGTH),
    context,
  )
  if (dek === undefined) throw unwrapFailed()
  return dek
}
