/**
 * The hash chain over audit records and the byte strings checkpoints sign.
 *
 * Record hash (`docs/audit.md` "Hash chain"):
 *
 * ```text
 * hash = lowercase hex( SHA-256( P ‖ C ) )
 *   P = the 32 bytes the previous record's hash (64 hex digits) decodes to;
 *       32 zero bytes for the first record (GENESIS_HASH)
 *   C = UTF-8 bytes of canonical JSON (canonical.ts) of the record without its `hash`
 *       member (so `seq`, `time` and `prevHash` itself are covered)
 * ```
 *
 * `prevHash` is also inside `C`; prefixing its raw bytes keeps the chain link explicit in
 * the hash input (CloudTrail digest style), so a verifier need not parse `C` to follow it.
 *
 * Checkpoint signature input: UTF-8 canonical JSON of the checkpoint without `signature`.
 * Checkpoint hash (what the next checkpoint's `prevCheckpointHash` names): hex SHA-256 of
 * UTF-8 canonical JSON of the whole checkpoint, signature included, so replacing a
 * signature also breaks the checkpoint chain.
 */
import * as crypto from 'node:crypto'

import { StrongroomError } from '../errors.js'
import type { AuditCheckpoint, AuditRecord } from './audit-event.js'
import { canonicalize, canonicalizeWithout } from './canonical.js'

/** The `prevHash` of record 1 and `prevCheckpointHash` of checkpoint 1: 64 zeros. */
export const GENESIS_HASH = '0'.repeat(64)

const HEX64 = /^[0-9a-f]{64}$/

let scratch = Buffer.allocUnsafe(4096)

// crypto.hash (one-shot, no Hash object) exists from Node 20.12; older 20.x falls back.
const sha256Hex: (data: Uint8Array | string) => string =
  typeof crypto.hash === 'function'
    ? (data) => crypto.hash('sha256', data, 'hex')
    : (data) => crypto.createHash('sha256').update(data).digest('hex')

function hasUpperHex(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c >= 0x41 && c <= 0x46) return true // 'A'-'F'
  }
  return false
}

/** True when `s` is a hash as this module prints it: 64 lowercase hex digits. */
export function isHash(s: unknown): s is string {
  return typeof s === 'string' && HEX64.test(s)
}

/**
 * The hash of a record: hex SHA-256 over the 32 bytes of `prevHash` followed by the
 * canonical JSON of the record without `hash` (layout in the module comment).
 *
 * A `hash` member present on `record` is ignored, so a stored record can be re-hashed
 * as is. `prevHash` is passed separately so a writer can hash before the record is final;
 * for a stored record pass `record.prevHash`.
 *
 * @throws StrongroomError `ERR_AUDIT_INVALID` if `prevHash` is not 64 lowercase hex digits
 * or the record cannot be canonicalized.
 *
 * @example
 * ```ts
 * const hash = hashRecord({ ...event, seq: 1, time, prevHash: GENESIS_HASH }, GENESIS_HASH)
 * ```
 */
export function hashRecord(
  record: Omit<AuditRecord, 'hash'> | AuditRecord,
  prevHash: string,
): string {
  const body = canonicalizeWithout(record, 'hash')
  // Assemble P ‖ C in a reused buffer and hash it in one call: creating a Hash object and
  // a Buffer per record costs more than the hashing itself (verify.ts speed target).
  const need = 32 + body.length * 3 // UTF-8 needs at most 3 bytes per UTF-16 code unit
  if (scratch.length < need) scratch = Buffer.allocUnsafe(Math.max(need, scratch.length * 2))
  // Hex decoding stops at the first non-hex pair, so 32 bytes written means 64 hex digits;
  // cheaper per record than a regular expression. Upper case is refused separately.
  if (
    typeof prevHash !== 'string' ||
    prevHash.length !== 64 ||
    scratch.write(prevHash, 0, 'hex') !== 32 ||
    hasUpperHex(prevHash)
  ) {
    throw new StrongroomError('ERR_AUDIT_INVALID', 'previous hash is not 64 lowercase hex digits')
  }
  const n = scratch.write(body, 32, 'utf8')
  return sha256Hex(scratch.subarray(0, 32 + n))
}

/**
 * The bytes a checkpoint's Ed25519 signature covers: UTF-8 canonical JSON of the
 * checkpoint without `signature` (a `signature` member present is ignored).
 */
export function checkpointSigningBytes(
  checkpoint: Omit<AuditCheckpoint, 'signature'> | AuditCheckpoint,
): Buffer {
  return Buffer.from(canonicalizeWithout(checkpoint, 'signature'), 'utf8')
}

/**
 * The hash the next checkpoint names in `prevCheckpointHash`: hex SHA-256 of the UTF-8
 * canonical JSON of the whole checkpoint, signature included.
 */
export function checkpointHash(checkpoint: AuditCheckpoint): string {
  return sha256Hex(canonicalize(checkpoint))
}
