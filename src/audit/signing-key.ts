/**
 * The audit signing key: an Ed25519 key pair that signs checkpoints.
 *
 * The private key is stored only wrapped by the key provider's root key, bound to the
 * context `strongroom/v1/audit-signing-key` (so a wrapped KEK cannot be swapped in for it,
 * nor it for a KEK), in the audit store's metadata. The public key is stored as SPKI PEM
 * next to it and travels in every export, so anyone can check checkpoints offline.
 *
 * Store meta layout (`docs/audit.md` "Signing key"):
 * - `signing_key`: `{"rootKeyId":…,"algorithm":…,"ciphertext":<base64>}`, the PKCS#8 DER
 *   private key wrapped by {@link KeyProvider.wrap};
 * - `public_key`: the SPKI PEM public key.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
} from 'node:crypto'
import type { KeyObject } from 'node:crypto'

import { StrongroomError } from '../errors.js'
import type { KeyProvider } from '../keys/key-provider.js'
import type { AuditStore } from './audit-store.js'

/** The wrap context binding the wrapped private key to its purpose. */
export const AUDIT_SIGNING_KEY_CONTEXT = 'strongroom/v1/audit-signing-key'
/** Store meta key of the wrapped private key. */
export const SIGNING_KEY_META = 'signing_key'
/** Store meta key of the SPKI PEM public key. */
export const PUBLIC_KEY_META = 'public_key'

/** What signs checkpoints: the key id, the public key, and a signing function. */
export interface AuditSigner {
  /** Hex of the first 16 bytes of SHA-256 of the raw 32-byte Ed25519 public key. */
  readonly keyId: string
  /** SPKI PEM of the public key. */
  readonly publicKeyPem: string
  /** An Ed25519 signature (64 bytes) over `bytes`. */
  sign(bytes: Uint8Array): Buffer
}

interface WrappedKeyJson {
  readonly rootKeyId: string
  readonly algorithm: string
  readonly ciphertext: string
}

function utf8(s: string): Uint8Array {
  return new TextEncoder().encode(s)
}

function publicKeyObject(key: string | KeyObject): KeyObject {
  let obj: KeyObject
  try {
    obj = typeof key === 'string' ? createPublicKey(key) : key
  } catch (cause) {
    throw new StrongroomError('ERR_AUDIT_INVALID', 'audit public key is not a valid key', {
      cause,
    })
  }
  if (obj.asymmetricKeyType !== 'ed25519') {
    throw new StrongroomError('ERR_AUDIT_INVALID', 'audit public key is not an Ed25519 key')
  }
  return obj
}

/**
 * The key id of an Ed25519 public key (PEM or `KeyObject`): hex of the first 16 bytes of
 * SHA-256 over the raw 32-byte public key (RFC 8032 §5.1.5 encoding).
 *
 * @throws StrongroomError `ERR_AUDIT_INVALID` if the key is not an Ed25519 public key.
 */
export function auditKeyId(publicKey: string | KeyObject): string {
  const jwk = publicKeyObject(publicKey).export({ format: 'jwk' })
  const raw = Buffer.from(jwk.x ?? '', 'base64url')
  return createHash('sha256').update(raw).digest().subarray(0, 16).toString('hex')
}

function parseWrapped(text: string): WrappedKeyJson {
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch (cause) {
    throw new StrongroomError('ERR_AUDIT_INVALID', 'stored audit signing key is malformed', {
      cause,
    })
  }
  const o = v as Partial<Record<keyof WrappedKeyJson, unknown>> | null
  if (
    typeof o !== 'object' ||
    o === null ||
    typeof o.rootKeyId !== 'string' ||
    typeof o.algorithm !== 'string' ||
    typeof o.ciphertext !== 'string'
  ) {
    throw new StrongroomError('ERR_AUDIT_INVALID', 'stored audit signing key is malformed')
  }
  return { rootKeyId: o.rootKeyId, algorithm: o.algorithm, ciphertext: o.ciphertext }
}

function signerFor(privateKey: KeyObject, publicKeyPem: string): AuditSigner {
  const keyId = auditKeyId(publicKeyPem)
  // The private KeyObject lives only in this closure: the returned object has no property
  // holding it, so logging or serializing the signer cannot leak it.
  return Object.freeze({
    keyId,
    publicKeyPem,
    sign: (bytes: Uint8Array): Buffer => sign(null, bytes, privateKey),
  })
}

async function load(
  store: AuditStore,
  provider: KeyProvider,
  wrappedText: string,
): Promise<AuditSigner> {
  const wrapped = parseWrapped(wrappedText)
  const publicKeyPem = await store.getMeta(PUBLIC_KEY_META)
  if (publicKeyPem === undefined) {
    throw new StrongroomError('ERR_AUDIT_INVALID', 'audit public key is missing from the store', {
      hint: 'restore the audit database from a backup',
    })
  }
  const der = await provider.unwrap(
    {
      rootKeyId: wrapped.rootKeyId,
      algorithm: wrapped.algorithm,
      ciphertext: Buffer.from(wrapped.ciphertext, 'base64'),
    },
    utf8(AUDIT_SIGNING_KEY_CONTEXT),
  )
  let privateKey: KeyObject
  try {
    privateKey = createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' })
  } catch (cause) {
    throw new StrongroomError('ERR_AUDIT_INVALID', 'stored audit signing key is malformed', {
      cause,
    })
  } finally {
    // Do not leave plaintext key bytes in memory longer than needed.
    der.fill(0)
  }
  const derived = createPublicKey(privateKey)
  if (auditKeyId(derived) !== auditKeyId(publicKeyPem)) {
    // Someone replaced the stored public key: checkpoints would be checked against a key
    // that did not sign them. Refuse rather than sign with a mismatched pair.
    throw new StrongroomError(
      'ERR_AUDIT_CHAIN_BROKEN',
      'stored audit public key does not match the signing key',
      { hint: 'restore the audit database from a backup' },
    )
  }
  return signerFor(privateKey, publicKeyPem)
}

/**
 * Loads the audit signing key from the store, creating and storing one if there is none.
 *
 * A new key is wrapped with `provider.wrap(pkcs8Der, utf8('strongroom/v1/audit-signing-key'))`;
 * the plaintext private key is never written anywhere. Creation is not atomic across
 * processes (the store port has no compare-and-set on meta): after writing, the meta is
 * read back and, if another process won the race, its key is used instead.
 *
 * @throws StrongroomError `ERR_KEYS_UNWRAP_FAILED` if the provider cannot unwrap the key
 * (another keyring, a changed ciphertext); `ERR_AUDIT_INVALID` if the stored entries are
 * malformed; `ERR_AUDIT_CHAIN_BROKEN` if the stored public key does not match.
 *
 * @example
 * ```ts
 * const signer = await loadOrCreateSigningKey(store, provider)
 * const log = createAuditLog({ store, signer })
 * ```
 */
export async function loadOrCreateSigningKey(
  store: AuditStore,
  provider: KeyProvider,
): Promise<AuditSigner> {
  const existing = await store.getMeta(SIGNING_KEY_META)
  if (existing !== undefined) return load(store, provider, existing)

  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const der = privateKey.export({ format: 'der', type: 'pkcs8' })
  let wrappedText: string
  try {
    const wrapped = await provider.wrap(der, utf8(AUDIT_SIGNING_KEY_CONTEXT))
    wrappedText = JSON.stringify({
      rootKeyId: wrapped.rootKeyId,
      algorithm: wrapped.algorithm,
      ciphertext: Buffer.from(wrapped.ciphertext).toString('base64'),
    } satisfies WrappedKeyJson)
  } finally {
    der.fill(0)
  }
  const publicKeyPem = publicKey.export({ format: 'pem', type: 'spki' }).toString()
  // Public key first: a reader that sees `signing_key` can then always find its pair.
  await store.setMeta(PUBLIC_KEY_META, publicKeyPem)
  await store.setMeta(SIGNING_KEY_META, wrappedText)

  const [storedKey, storedPublic] = await Promise.all([
    store.getMeta(SIGNING_KEY_META),
    store.getMeta(PUBLIC_KEY_META),
  ])
  if (storedKey === wrappedText && storedPublic === publicKeyPem) {
    return signerFor(privateKey, publicKeyPem)
  }
  // Lost a creation race: use whatever pair is now stored (checked for consistency).
  if (storedKey === undefined) {
    throw new StrongroomError('ERR_AUDIT_UNAVAILABLE', 'audit signing key was not stored')
  }
  return load(store, provider, storedKey)
}
