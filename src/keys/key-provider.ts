/**
 * The key provider port: holder of the root key at the top of the envelope hierarchy.
 *
 * root key (provider) ──wraps──► dataset KEK (versioned) ──wraps──► per-file DEK
 *
 * The provider only wraps and unwraps key-encryption keys; it never sees data. The root
 * key never leaves the provider in plaintext (for the local keyring it lives in process
 * memory, derived from the passphrase; for PKCS#11 it stays in the token).
 * Backends: `local/` (passphrase keyring) and `pkcs11/` (HSM).
 */

/** A key wrapped by the provider's root key. */
export interface WrappedKey {
  /** Which root key wrapped it (providers may hold several after a root rotation). */
  readonly rootKeyId: string
  /** Wrapping algorithm, e.g. `A256GCM` or `AES-KWP+HMAC-SHA256`. */
  readonly algorithm: string
  /** Opaque wrapped bytes. */
  readonly ciphertext: Uint8Array
}

/**
 * A key provider. Contract (`test/contract/key-provider.contract.ts`):
 * - `unwrap(wrap(k, ctx), ctx)` returns `k` for 16- and 32-byte keys;
 * - unwrapping with a different context, a changed byte of the ciphertext, or another
 *   root key fails with `ERR_KEYS_UNWRAP_FAILED` and says nothing more;
 * - two wraps of the same key differ (randomized) or are otherwise unlinkable;
 * - calls before `open` or after `close` fail with `ERR_KEYS_PROVIDER_UNAVAILABLE`.
 */
export interface KeyProvider {
  /** A short backend name for reports: `local`, `pkcs11`. */
  readonly kind: string
  open(): Promise<void>
  close(): Promise<void>
  /** The id of the root key new wraps use. */
  currentRootKeyId(): Promise<string>
  /** Wraps `key`, binding `context` (e.g. `kek:<datasetId>:<version>`). */
  wrap(key: Uint8Array, context: Uint8Array): Promise<WrappedKey>
  /** Unwraps a key wrapped with the same `context`. */
  unwrap(wrapped: WrappedKey, context: Uint8Array): Promise<Uint8Array>
}
