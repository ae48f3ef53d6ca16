/**
 * Every failure Strongroom reports carries one stable code from {@link ErrorCode}.
 * Callers branch on `code`, never on the message. Messages name ids, column names and
 * row numbers only: never a data value, a key or a passphrase.
 *
 * Every code is documented in `docs/errors.md`; a test fails when one is missing.
 */

/** All error codes, `ERR_<AREA>_<CONDITION>`. */
export const ERROR_CODES = [
  // configuration and usage
  'ERR_CONFIG_INVALID',
  'ERR_USAGE_INVALID_ARGUMENT',
  // lake lifecycle
  'ERR_LAKE_NOT_INITIALIZED',
  'ERR_LAKE_ALREADY_INITIALIZED',
  // input files
  'ERR_INPUT_NOT_FOUND',
  'ERR_INPUT_EMPTY',
  'ERR_INPUT_MALFORMED',
  'ERR_INPUT_ENCODING',
  'ERR_INPUT_UNBALANCED_QUOTE',
  'ERR_INPUT_RAGGED_ROW',
  'ERR_INPUT_FIELD_TOO_LARGE',
  'ERR_INPUT_UNSUPPORTED_FORMAT',
  'ERR_INPUT_TYPE_MISMATCH',
  'ERR_INPUT_TOO_LARGE',
  // datasets and the catalog
  'ERR_DATASET_INVALID_NAME',
  'ERR_DATASET_NOT_FOUND',
  'ERR_DATASET_EXISTS',
  'ERR_DATASET_SCHEMA_MISMATCH',
  'ERR_VERSION_NOT_FOUND',
  'ERR_COLUMN_NOT_FOUND',
  'ERR_CATALOG_CONFLICT',
  'ERR_CATALOG_UNAVAILABLE',
  'ERR_CATALOG_CORRUPT',
  // object storage
  'ERR_STORAGE_INVALID_KEY',
  'ERR_STORAGE_NOT_FOUND',
  'ERR_STORAGE_WRITE_FAILED',
  'ERR_STORAGE_READ_FAILED',
  'ERR_STORAGE_NO_SPACE',
  'ERR_STORAGE_UNAVAILABLE',
  // keys and cryptography
  'ERR_KEYS_BAD_PASSPHRASE',
  'ERR_KEYS_NO_PASSPHRASE',
  'ERR_KEYS_KEYRING_CORRUPT',
  'ERR_KEYS_UNWRAP_FAILED',
  'ERR_KEYS_KEY_NOT_FOUND',
  'ERR_KEYS_PROVIDER_UNAVAILABLE',
  'ERR_CRYPTO_INTEGRITY',
  'ERR_CRYPTO_UNSUPPORTED_FORMAT',
  'ERR_CRYPTO_TRUNCATED',
  // processing engine
  'ERR_ENGINE_FAILED',
  'ERR_ENGINE_NO_SECURE_SCRATCH',
  // audit trail
  'ERR_AUDIT_UNAVAILABLE',
  'ERR_AUDIT_CONFLICT',
  'ERR_AUDIT_INVALID',
  'ERR_AUDIT_CHAIN_BROKEN',
  'ERR_AUDIT_EXPORT_MALFORMED',
  'ERR_AUDIT_QUERY_INVALID',
  // discovery
  'ERR_DISCOVERY_REGEX_UNSAFE',
  'ERR_DISCOVERY_REGEX_TIMEOUT',
  // de-identification
  'ERR_PROTECT_SPEC_INVALID',
  'ERR_PROTECT_INVALID_ALPHABET',
  'ERR_PROTECT_DOMAIN_TOO_SMALL',
  'ERR_PROTECT_INVALID_VALUE',
  'ERR_PROTECT_KEY_MISSING',
  'ERR_PROTECT_TOKEN_NOT_FOUND',
  // anonymization and differential privacy
  'ERR_ANONYMIZE_INVALID',
  'ERR_ANONYMIZE_HIERARCHY_INVALID',
  'ERR_ANONYMIZE_NO_SOLUTION',
  'ERR_DP_INVALID_PARAMETER',
  'ERR_DP_BUDGET_EXCEEDED',
  // access control (Cedar policies)
  'ERR_AUTHZ_POLICY_INVALID',
  'ERR_AUTHZ_UNKNOWN_PRINCIPAL',
  'ERR_AUTHZ_UNKNOWN_ACTION',
  'ERR_AUTHZ_UNKNOWN_RESOURCE',
  'ERR_AUTHZ_DENIED',
  'ERR_AUTHZ_PRINCIPAL_EXISTS',
  // operations
  'ERR_OPERATION_ABORTED',
  'ERR_INTERNAL',
] as const

/** A stable, documented error code. */
export type ErrorCode = (typeof ERROR_CODES)[number]

/** Structured detail for validation that finds several problems at once. */
export interface ErrorIssue {
  readonly code: ErrorCode
  readonly path: string
  readonly message: string
}

/** Options for {@link StrongroomError}. */
export interface StrongroomErrorOptions {
  /** The underlying error; kept for debugging, never shown to remote callers. */
  readonly cause?: unknown
  /** A short hint telling the user what to do next. */
  readonly hint?: string
  /** Every problem found, when validation collects more than one. */
  readonly issues?: readonly ErrorIssue[]
  /** Non-sensitive context: ids, column names, row numbers. Never values. */
  readonly details?: Readonly<Record<string, string | number | boolean>>
}

/**
 * The one error type Strongroom throws.
 *
 * @example
 * ```ts
 * try { await lake.read('crm.customers') }
 * catch (e) { if (isStrongroomError(e, 'ERR_DATASET_NOT_FOUND')) … }
 * ```
 */
export class StrongroomError extends Error {
  readonly code: ErrorCode
  readonly hint: string | undefined
  readonly issues: readonly ErrorIssue[]
  readonly details: Readonly<Record<string, string | number | boolean>>

  constructor(code: ErrorCode, message: string, options: StrongroomErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'StrongroomError'
    this.code = code
    this.hint = options.hint
    this.issues = options.issues ?? []
    this.details = options.details ?? {}
  }

  /** A JSON shape safe to print or send: code, message, hint, issues, details. */
  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint === undefined ? {} : { hint: this.hint }),
      ...(this.issues.length === 0 ? {} : { issues: this.issues }),
      ...(Object.keys(this.details).length === 0 ? {} : { details: this.details }),
    }
  }
}

/** True when `e` is a {@link StrongroomError}, optionally with the given code. */
export function isStrongroomError(e: unknown, code?: ErrorCode): e is StrongroomError {
  return e instanceof StrongroomError && (code === undefined || e.code === code)
}
