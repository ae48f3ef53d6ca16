import type { ErrorCode } from '../errors.js'

/**
 * Process exit codes, one table for the whole CLI. Scripts can branch on them:
 * 0 success, 1 unexpected failure, 2 usage or configuration, 3 not found, 4 bad input,
 * 5 keys or passphrase, 6 integrity failure (tampering, corruption), 7 conflict,
 * 8 a backend is unavailable or out of space, 9 checks found problems (doctor).
 */
export const EXIT = {
  ok: 0,
  internal: 1,
  usage: 2,
  notFound: 3,
  input: 4,
  keys: 5,
  integrity: 6,
  conflict: 7,
  unavailable: 8,
  problemsFound: 9,
} as const

const TABLE: Record<ErrorCode, number> = {
  ERR_CONFIG_INVALID: EXIT.usage,
  ERR_USAGE_INVALID_ARGUMENT: EXIT.usage,
  ERR_LAKE_NOT_INITIALIZED: EXIT.notFound,
  ERR_LAKE_ALREADY_INITIALIZED: EXIT.conflict,
  ERR_INPUT_NOT_FOUND: EXIT.notFound,
  ERR_INPUT_EMPTY: EXIT.input,
  ERR_INPUT_MALFORMED: EXIT.input,
  ERR_INPUT_ENCODING: EXIT.input,
  ERR_INPUT_UNBALANCED_QUOTE: EXIT.input,
  ERR_INPUT_RAGGED_ROW: EXIT.input,
  ERR_INPUT_FIELD_TOO_LARGE: EXIT.input,
  ERR_INPUT_UNSUPPORTED_FORMAT: EXIT.input,
  ERR_INPUT_TYPE_MISMATCH: EXIT.input,
  ERR_INPUT_TOO_LARGE: EXIT.input,
  ERR_DATASET_INVALID_NAME: EXIT.usage,
  ERR_DATASET_NOT_FOUND: EXIT.notFound,
  ERR_DATASET_EXISTS: EXIT.conflict,
  ERR_DATASET_SCHEMA_MISMATCH: EXIT.input,
  ERR_VERSION_NOT_FOUND: EXIT.notFound,
  ERR_COLUMN_NOT_FOUND: EXIT.notFound,
  ERR_CATALOG_CONFLICT: EXIT.conflict,
  ERR_CATALOG_UNAVAILABLE: EXIT.unavailable,
  ERR_CATALOG_CORRUPT: EXIT.integrity,
  ERR_STORAGE_INVALID_KEY: EXIT.internal,
  ERR_STORAGE_NOT_FOUND: EXIT.integrity,
  ERR_STORAGE_WRITE_FAILED: EXIT.unavailable,
  ERR_STORAGE_READ_FAILED: EXIT.unavailable,
  ERR_STORAGE_NO_SPACE: EXIT.unavailable,
  ERR_STORAGE_UNAVAILABLE: EXIT.unavailable,
  ERR_KEYS_BAD_PASSPHRASE: EXIT.keys,
  ERR_KEYS_NO_PASSPHRASE: EXIT.keys,
  ERR_KEYS_KEYRING_CORRUPT: EXIT.keys,
  ERR_KEYS_UNWRAP_FAILED: EXIT.integrity,
  ERR_KEYS_KEY_NOT_FOUND: EXIT.keys,
  ERR_KEYS_PROVIDER_UNAVAILABLE: EXIT.unavailable,
  ERR_CRYPTO_INTEGRITY: EXIT.integrity,
  ERR_CRYPTO_UNSUPPORTED_FORMAT: EXIT.integrity,
  ERR_CRYPTO_TRUNCATED: EXIT.integrity,
  ERR_ENGINE_FAILED: EXIT.internal,
  ERR_ENGINE_NO_SECURE_SCRATCH: EXIT.unavailable,
  ERR_AUDIT_UNAVAILABLE: EXIT.unavailable,
  ERR_AUDIT_CONFLICT: EXIT.conflict,
  ERR_AUDIT_INVALID: EXIT.internal,
  ERR_AUDIT_CHAIN_BROKEN: EXIT.integrity,
  ERR_AUDIT_EXPORT_MALFORMED: EXIT.input,
  ERR_AUDIT_QUERY_INVALID: EXIT.usage,
  ERR_OPERATION_ABORTED: EXIT.internal,
  ERR_INTERNAL: EXIT.internal,
}

/** The exit code for an error code. */
export function exitCodeFor(code: ErrorCode): number {
  return TABLE[code]
}
