/**
 * Per-purpose keys for the de-identification transforms, derived from one 32-byte transform
 * master key with HKDF-SHA-256 (RFC 5869).
 *
 * Every (purpose, domain, length) triple gets an independent key: a token domain, an FPE
 * column and a date-shift scope never share key material, and learning one derived key says
 * nothing about the master or about another derived key.
 */
import { StrongroomError } from '../errors.js'
import { HKDF_MAX_INFO_LENGTH, hkdfSha256 } from '../lib/hkdf.js'

/** Length of a transform master key in bytes. */
export const TRANSFORM_MASTER_KEY_LENGTH = 32

/** The purposes the built-in transforms use; other kebab-case purposes are accepted too. */
export const TRANSFORM_KEY_PURPOSES = [
  'token',
  'siv',
  'fpe',
  'date-shift',
  'pseudonym',
  'subject',
] as const

/** A key purpose: one of {@link TRANSFORM_KEY_PURPOSES}, or another kebab-case name. */
export type TransformKeyPurpose = (typeof TRANSFORM_KEY_PURPOSES)[number] | (string & {})

/** What a derived key is for; see {@link deriveTransformKey}. */
export interface TransformKeySpec {
  /** The transform family, e.g. `token` or `siv`. Kebab-case. */
  readonly purpose: TransformKeyPurpose
  /**
   * The scope inside the purpose, e.g. a token domain name (`customer-email`) or a column
   * path. Values sharing a domain share the key, which is what makes tokens joinable.
   */
  readonly domain: string
  /** Key length in bytes, 16..1024 (AES-SIV wants 32, 48 or 64; HMAC and FPE 32). */
  readonly length: number
}

const PURPOSE_RE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/
/** Versioned label: a future change of encoding changes every derived key, never silently. */
const INFO_LABEL = Buffer.from('strongroom/protect/transform-key/v1', 'utf8')
/**
 * The master key is uniformly random, so extraction needs no secret salt (RFC 5869 §3.1); the
 * salt only separates this use of the master from any other HKDF use of the same bytes.
 */
const SALT = Buffer.from('strongroom/protect', 'utf8')
const MIN_LENGTH = 16
const MAX_LENGTH = 1024

function lengthPrefixed(parts: readonly Uint8Array[]): Buffer {
  const out: Uint8Array[] = []
  for (const p of parts) {
    const len = Buffer.alloc(2)
    len.writeUInt16BE(p.byteLength)
    out.push(len, p)
  }
  return Buffer.concat(out)
}

/**
 * The HKDF `info` for a spec: the label, then purpose, domain and the output length, each
 * prefixed with its 16-bit big-endian byte length. The prefixes make the encoding injective,
 * so ("a", "bc") and ("ab", "c") give different keys; the length is included so a 16-byte
 * key is not a prefix of the 32-byte key for the same purpose and domain.
 */
export function transformKeyInfo(spec: TransformKeySpec): Buffer {
  const length = Buffer.alloc(2)
  length.writeUInt16BE(spec.length)
  return lengthPrefixed([
    INFO_LABEL,
    Buffer.from(spec.purpose, 'utf8'),
    Buffer.from(spec.domain, 'utf8'),
    length,
  ])
}

/**
 * Derives the key for one purpose and domain from the transform master key.
 * Deterministic: the same master and spec always give the same key.
 *
 * Throws `ERR_PROTECT_KEY_MISSING` when the master key is absent or not 32 bytes, and
 * `ERR_PROTECT_SPEC_INVALID` for a bad purpose, domain or length.
 *
 * @example
 * ```ts
 * const master = randomBytes(32) // in practice, unwrapped from the keyring
 * const tokenKey = deriveTransformKey(master, { purpose: 'token', domain: 'email', length: 32 })
 * const sivKey = deriveTransformKey(master, { purpose: 'siv', domain: 'crm.notes', length: 64 })
 * ```
 */
export function deriveTransformKey(master: Uint8Array, spec: TransformKeySpec): Buffer {
  if (!(master instanceof Uint8Array) || master.byteLength !== TRANSFORM_MASTER_KEY_LENGTH) {
    throw new StrongroomError(
      'ERR_PROTECT_KEY_MISSING',
      `transform master key must be ${TRANSFORM_MASTER_KEY_LENGTH} bytes`,
    )
  }
  const issues: { path: string; message: string }[] = []
  if (typeof spec.purpose !== 'string' || !PURPOSE_RE.test(spec.purpose)) {
    issues.push({ path: 'purpose', message: 'purpose must be kebab-case' })
  }
  if (typeof spec.domain !== 'string' || spec.domain.length === 0) {
    issues.push({ path: 'domain', message: 'domain must be a non-empty string' })
  }
  if (!Number.isInteger(spec.length) || spec.length < MIN_LENGTH || spec.length > MAX_LENGTH) {
    issues.push({
      path: 'length',
      message: `length must be an integer in ${MIN_LENGTH}..${MAX_LENGTH}`,
    })
  }
  const info = issues.length === 0 ? transformKeyInfo(spec) : Buffer.alloc(0)
  if (info.byteLength > HKDF_MAX_INFO_LENGTH) {
    issues.push({ path: 'domain', message: 'purpose and domain are too long' })
  }
  if (issues.length > 0) {
    throw new StrongroomError('ERR_PROTECT_SPEC_INVALID', 'invalid transform key spec', {
      issues: issues.map((i) => ({ code: 'ERR_PROTECT_SPEC_INVALID', ...i })),
    })
  }
  return hkdfSha256(master, SALT, info, spec.length)
}
