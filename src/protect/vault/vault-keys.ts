/**
 * The token vault's key hierarchy and its three cryptographic operations on values.
 *
 * ```
 * transform master key (32 bytes; the lake's, wrapped by the root key)
 * ├─ HKDF "…/vault/subject-ref/v1"        → reference key  → subjectRef = HMAC(domain ‖ subject)
 * └─ HKDF "…/vault/wrap/v1" ‖ domain      → wrap key (per domain)
 *      └─ AES-256-GCM wraps, per (domain, subject), a random 256-bit subject key
 *           ├─ HKDF "…/value/v1"          → value key: AES-256-GCM of each value, AAD domain ‖ token
 *           └─ HKDF "…/blind-index/v1"    → index key: blindIndex = HMAC(value), for convergence
 * ```
 *
 * Destroying the wrapped subject key makes every value encrypted under it unrecoverable,
 * whoever holds the master key: the subject key is random, not derived, so it cannot be
 * recomputed (crypto-shredding). Each derivation has its own versioned label, so no key is
 * ever used for two purposes.
 */
import { createHmac, randomBytes } from 'node:crypto'
import { StrongroomError } from '../../errors.js'
import { GCM_IV_LENGTH, GCM_TAG_LENGTH, gcmOpen, gcmSeal } from '../../lib/aes-gcm.js'
import { hkdfSha256 } from '../../lib/hkdf.js'
import { TRANSFORM_MASTER_KEY_LENGTH } from '../keys.js'

/** Length of a subject key, of its subkeys and of the vault's derived keys, in bytes. */
export const VAULT_KEY_LENGTH = 32
/** Format byte at the start of every wrapped key and value ciphertext (a new layout gets 2). */
const FORMAT_V1 = 0x01
/** Bytes a sealed value adds: format byte, nonce, tag. */
export const VAULT_SEAL_OVERHEAD = 1 + GCM_IV_LENGTH + GCM_TAG_LENGTH

const SALT = Buffer.from('strongroom/protect/vault', 'utf8')
const SUBJECT_SALT = Buffer.from('strongroom/protect/vault/subject-key', 'utf8')
const LABEL = {
  ref: 'strongroom/protect/vault/subject-ref/v1',
  wrap: 'strongroom/protect/vault/wrap/v1',
  value: 'strongroom/protect/vault/value/v1',
  index: 'strongroom/protect/vault/blind-index/v1',
  wrapAad: 'strongroom/vault/v1/subject-key',
  valueAad: 'strongroom/vault/v1/value',
} as const

/**
 * Random bytes drawn from one large `randomBytes` call at a time: a call per nonce and per
 * token dominated the cost of a batch. Each slice is handed out once; a used-up pool is
 * replaced by a new buffer (never refilled in place), so no slice ever changes.
 */
class RandomPool {
  #buf = Buffer.alloc(0)
  #at = 0

  take(n: number): Buffer {
    if (this.#at + n > this.#buf.byteLength) {
      this.#buf = randomBytes(Math.max(65_536, n))
      this.#at = 0
    }
    const out = this.#buf.subarray(this.#at, this.#at + n)
    this.#at += n
    return out
  }
}

const pool = new RandomPool()

/** `n` fresh random bytes (from the CSPRNG, batched). */
export function vaultRandom(n: number): Buffer {
  return pool.take(n)
}

/** Each part prefixed with its 32-bit big-endian length: an injective encoding. */
function framed(parts: readonly (string | Uint8Array)[]): Buffer {
  const out: Buffer[] = []
  for (const p of parts) {
    const b = typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p)
    const len = Buffer.alloc(4)
    len.writeUInt32BE(b.byteLength)
    out.push(len, b)
  }
  return Buffer.concat(out)
}

/**
 * The one failure of every unwrap and decrypt: wrong master key, a swapped or modified
 * row, a wrong domain. Deliberately the same code and message for all of them (jose).
 */
export function vaultIntegrityError(
  details: Record<string, string | number> = {},
): StrongroomError {
  return new StrongroomError(
    'ERR_CRYPTO_INTEGRITY',
    'A token vault entry failed authentication: wrong transform key or a modified vault row',
    { details, hint: 'Check that the lake transform key is the one the vault was made with.' },
  )
}

/** A subject key unwrapped, with the two subkeys derived from it. */
export interface SubjectKey {
  /** The key's catalog id (`vk_…`), bound into its wrapping. */
  readonly keyId: string
  /** AES-256-GCM key of the subject's values. */
  readonly valueKey: Buffer
  /** HMAC-SHA-256 key of the subject's blind indexes. */
  readonly indexKey: Buffer
}

/** Zeroes a subject key's material. */
export function destroySubjectKey(key: SubjectKey): void {
  key.valueKey.fill(0)
  key.indexKey.fill(0)
}

function subjectKeyFrom(keyId: string, raw: Buffer): SubjectKey {
  const key = {
    keyId,
    valueKey: hkdfSha256(raw, SUBJECT_SALT, framed([LABEL.value]), VAULT_KEY_LENGTH),
    indexKey: hkdfSha256(raw, SUBJECT_SALT, framed([LABEL.index]), VAULT_KEY_LENGTH),
  }
  raw.fill(0)
  return key
}

/**
 * The vault's keys derived from one transform master key: subject references, and the
 * wrapping of subject keys. Holds derived keys only (never the master); {@link close}
 * zeroes them.
 */
export class VaultKeyring {
  readonly #refKey: Buffer
  readonly #master: Buffer
  readonly #wrapKeys = new Map<string, Buffer>()

  /** @throws StrongroomError `ERR_PROTECT_KEY_MISSING` unless `master` is 32 bytes. */
  constructor(master: Uint8Array) {
    if (!(master instanceof Uint8Array) || master.byteLength !== TRANSFORM_MASTER_KEY_LENGTH)
      throw new StrongroomError(
        'ERR_PROTECT_KEY_MISSING',
        `transform master key must be ${TRANSFORM_MASTER_KEY_LENGTH} bytes`,
      )
    this.#refKey = hkdfSha256(master, SALT, framed([LABEL.ref]), VAULT_KEY_LENGTH)
    // Kept (as a copy) only to derive per-domain wrap keys lazily; zeroed by close().
    this.#master = Buffer.from(master)
  }

  /** The keyed reference of a subject in a domain: HMAC(refKey, domain ‖ subject). */
  subjectRef(domain: string, subject: string): Buffer {
    return createHmac('sha256', this.#refKey)
      .update(framed([domain, subject]))
      .digest()
  }

  #wrapKey(domain: string): Buffer {
    let k = this.#wrapKeys.get(domain)
    if (k === undefined) {
      k = hkdfSha256(this.#master, SALT, framed([LABEL.wrap, domain]), VAULT_KEY_LENGTH)
      this.#wrapKeys.set(domain, k)
    }
    return k
  }

  /**
   * A new random subject key, and its wrapping bound (AAD) to the domain, the subject
   * reference and the key id, so a wrapped key moved to another row does not open.
   */
  newSubjectKey(
    domain: string,
    subjectRef: Uint8Array,
    keyId: string,
  ): { key: SubjectKey; wrapped: Buffer } {
    const raw = randomBytes(VAULT_KEY_LENGTH)
    const iv = randomBytes(GCM_IV_LENGTH)
    const sealed = gcmSeal(
      this.#wrapKey(domain),
      iv,
      raw,
      framed([LABEL.wrapAad, domain, subjectRef, keyId]),
    )
    const wrapped = Buffer.concat([Buffer.of(FORMAT_V1), iv, sealed.ciphertext, sealed.tag])
    return { key: subjectKeyFrom(keyId, raw), wrapped }
  }

  /** Unwraps a stored subject key; `ERR_CRYPTO_INTEGRITY` on any mismatch. */
  openSubjectKey(
    domain: string,
    subjectRef: Uint8Array,
    keyId: string,
    wrapped: Uint8Array,
  ): SubjectKey {
    const raw = openSealed(
      this.#wrapKey(domain),
      wrapped,
      framed([LABEL.wrapAad, domain, subjectRef, keyId]),
    )
    if (raw === undefined || raw.byteLength !== VAULT_KEY_LENGTH) {
      raw?.fill(0)
      throw vaultIntegrityError()
    }
    return subjectKeyFrom(keyId, raw)
  }

  /** Zeroes the derived keys; the keyring cannot be used afterwards. */
  close(): void {
    this.#refKey.fill(0)
    this.#master.fill(0)
    for (const k of this.#wrapKeys.values()) k.fill(0)
    this.#wrapKeys.clear()
  }
}

function openSealed(key: Buffer, sealed: Uint8Array, aad: Buffer): Buffer | undefined {
  if (sealed.byteLength < VAULT_SEAL_OVERHEAD || sealed[0] !== FORMAT_V1) return undefined
  const b = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength)
  const iv = b.subarray(1, 1 + GCM_IV_LENGTH)
  const tag = b.subarray(b.byteLength - GCM_TAG_LENGTH)
  return gcmOpen(key, iv, b.subarray(1 + GCM_IV_LENGTH, b.byteLength - GCM_TAG_LENGTH), tag, aad)
}

/** The blind index of a value under a subject key: HMAC-SHA-256(indexKey, value). */
export function blindIndex(key: SubjectKey, value: string): Buffer {
  return createHmac('sha256', key.indexKey).update(value, 'utf8').digest()
}

/** Encrypts a value under a subject key, bound (AAD) to its domain and token. */
export function sealValue(key: SubjectKey, domain: string, token: string, value: string): Buffer {
  const iv = vaultRandom(GCM_IV_LENGTH)
  const sealed = gcmSeal(
    key.valueKey,
    iv,
    Buffer.from(value, 'utf8'),
    framed([LABEL.valueAad, domain, token]),
  )
  return Buffer.concat([Buffer.of(FORMAT_V1), iv, sealed.ciphertext, sealed.tag])
}

/** Decrypts a value sealed by {@link sealValue}; `undefined` when it does not verify. */
export function openValue(
  key: SubjectKey,
  domain: string,
  token: string,
  ciphertext: Uint8Array,
): string | undefined {
  const plain = openSealed(key.valueKey, ciphertext, framed([LABEL.valueAad, domain, token]))
  if (plain === undefined) return undefined
  const text = plain.toString('utf8')
  plain.fill(0)
  return text
}
