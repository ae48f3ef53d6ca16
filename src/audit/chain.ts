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
import { PREFIX_ROOM, canonicalRecordText, recordTextRoom } from './canonical-text.js'
import type { RecordText } from './canonical-text.js'
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

/** What {@link hashRecordText} found in a record's stored JSON text. */
export interface RecordTextHash {
  readonly seq: number
  readonly prevHash: string
  /** The `hash` member as stored. */
  readonly hash: string
  /** {@link hashRecord} of the record the text parses to. */
  readonly computed: string
}

const found: RecordText = { seq: 0, prevHash: '', hash: '', start: 0, length: 0 }

/** Writes the 32 bytes of a lowercase hex hash at `at`; false if it is not one. */
function decodeHash(hex: string, out: Buffer, at: number): boolean {
  if (hex.length !== 64) return false
  for (let i = 0; i < 32; i++) {
    const hi = nibble(hex.charCodeAt(2 * i))
    const lo = nibble(hex.charCodeAt(2 * i + 1))
    if (hi < 0 || lo < 0) return false
    out[at + i] = (hi << 4) | lo
  }
  return true
}

function nibble(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30 // '0'-'9'
  if (c >= 0x61 && c <= 0x66) return c - 0x57 // 'a'-'f'
  return -1
}

/**
 * `hashRecord(JSON.parse(text), prevHash)` with the text's own `seq`, `prevHash` and
 * `hash`, computed from the text without parsing it, when that is provably the same
 * (`canonical-text.ts`). `undefined` when the text is outside that restricted form or its
 * `prevHash` is not 64 lowercase hex digits: parse it and use {@link hashRecord}, which
 * gives the exact answer (or the error) for any text.
 */
export function hashRecordText(text: string): RecordTextHash | undefined {
  const need = recordTextRoom(text.length)
  if (scratch.length < need) scratch = Buffer.allocUnsafe(Math.max(need, scratch.length * 2))
  if (!canonicalRecordText(text, scratch, found)) return undefined
  // P goes in the room left before the canonical form: P ‖ C is one contiguous run.
  const at = found.start - PREFIX_ROOM
  if (!decodeHash(found.prevHash, scratch, at)) return undefined
  const input = new Uint8Array(scratch.buffer, scratch.byteOffset + at, 32 + found.length)
  return {
    seq: found.seq,
    prevHash: found.prevHash,
    hash: found.hash,
    computed: sha256Hex(input),
  }
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
