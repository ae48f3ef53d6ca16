/**
 * The audit export: a JSON Lines file anyone can verify offline with only the public key
 * it carries (`docs/audit.md` "Export format"; standalone checker
 * `scripts/verify-audit-export.mjs`).
 *
 * ```text
 * {"format":"strongroom-audit-export","version":1,"publicKey":"-----BEGIN PUBLIC KEY-----…","keyId":"…"}
 * {"type":"event","record":{…}}          one per record, in seq order
 * {"type":"checkpoint","checkpoint":{…}} each right after the event it covers
 * ```
 *
 * Records and checkpoints are written as canonical JSON (canonical.ts) inside a fixed
 * envelope, so exporting the same trail twice gives the same bytes.
 */
import { StrongroomError } from '../errors.js'
import type { AuditCheckpoint, AuditRecord } from './audit-event.js'
import type { AuditStore } from './audit-store.js'
import { canonicalize } from './canonical.js'
import { PUBLIC_KEY_META, auditKeyId } from './signing-key.js'

/** The `format` marker of the header line. */
export const AUDIT_EXPORT_FORMAT = 'strongroom-audit-export'
/** The export version this module writes and reads. */
export const AUDIT_EXPORT_VERSION = 1

/** Options for {@link exportAudit}. */
export interface ExportAuditOptions {
  /** First seq to export. Default 1. */
  readonly from?: number
  /** Last seq to export. Default: the head. */
  readonly to?: number
}

/** Counts of what {@link exportAudit} wrote. */
export interface ExportAuditResult {
  readonly events: number
  readonly checkpoints: number
}

/** A parsed export. */
export interface ParsedAuditExport {
  readonly publicKeyPem: string
  readonly keyId: string
  /** The range of a range export (header `from`/`to`); pass both to `verifyAudit`. */
  readonly from?: number
  readonly to?: number
  readonly records: AuditRecord[]
  readonly checkpoints: AuditCheckpoint[]
}

/**
 * Writes the trail (or the range `from`–`to`) as JSON Lines through `out`, one call per
 * line without the newline. All checkpoints are written, whatever the range: each right
 * after the event it covers, those before the range right after the header, the rest at
 * the end. `out` may return a promise (for back-pressure); it is awaited.
 *
 * @throws StrongroomError `ERR_AUDIT_INVALID` if the store has no public key (nothing
 * was ever recorded with a signer), or what the store or `out` throws.
 *
 * @example
 * ```ts
 * const file = createWriteStream('audit.jsonl')
 * await exportAudit(store, (line) => void file.write(line + '\n'))
 * ```
 */
export async function exportAudit(
  store: AuditStore,
  out: (line: string) => Promise<void> | void,
  options: ExportAuditOptions = {},
): Promise<ExportAuditResult> {
  const publicKeyPem = await store.getMeta(PUBLIC_KEY_META)
  if (publicKeyPem === undefined) {
    throw new StrongroomError('ERR_AUDIT_INVALID', 'the audit store has no public key', {
      hint: 'nothing to export: no audit signing key was ever created',
    })
  }
  const checkpoints = await store.listCheckpoints()
  // JSON.stringify keeps this member order, so the format marker comes first.
  await out(
    JSON.stringify({
      format: AUDIT_EXPORT_FORMAT,
      version: AUDIT_EXPORT_VERSION,
      publicKey: publicKeyPem,
      keyId: auditKeyId(publicKeyPem),
      // A range export says so, or a verifier would report the events before it missing.
      ...(options.from === undefined ? {} : { from: options.from }),
      ...(options.to === undefined ? {} : { to: options.to }),
    }),
  )
  let i = 0
  let events = 0
  const writeCheckpointsWhile = async (covers: (seq: number) => boolean): Promise<void> => {
    for (let c = checkpoints[i]; c !== undefined && covers(c.seq); c = checkpoints[++i]) {
      await out(`{"type":"checkpoint","checkpoint":${canonicalize(c)}}`)
    }
  }
  for await (const record of store.read(options.from ?? 1, options.to)) {
    await writeCheckpointsWhile((seq) => seq < record.seq)
    await out(`{"type":"event","record":${canonicalize(record)}}`)
    events++
    await writeCheckpointsWhile((seq) => seq <= record.seq)
  }
  await writeCheckpointsWhile(() => true)
  return { events, checkpoints: checkpoints.length }
}

function malformed(line: number, message: string, cause?: unknown): StrongroomError {
  return new StrongroomError(
    'ERR_AUDIT_EXPORT_MALFORMED',
    `audit export line ${line}: ${message}`,
    {
      ...(cause === undefined ? {} : { cause }),
      details: { line },
    },
  )
}

type Json = Record<string, unknown>

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function isSeq(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 1
}

// Structure only: values of the right type pass even if they were altered, so that
// verification (not parsing) names the alteration (`edited`, `bad-signature`, …).
function checkRecord(v: unknown, line: number): AuditRecord {
  if (!isObject(v)) throw malformed(line, 'record is not an object')
  if (!isSeq(v.seq)) throw malformed(line, 'record seq is not a positive integer')
  for (const k of ['time', 'prevHash', 'hash'] as const) {
    if (typeof v[k] !== 'string') throw malformed(line, `record ${k} is not a string`)
  }
  return v as unknown as AuditRecord
}

function checkCheckpoint(v: unknown, line: number): AuditCheckpoint {
  if (!isObject(v)) throw malformed(line, 'checkpoint is not an object')
  for (const k of ['number', 'seq'] as const) {
    if (!isSeq(v[k])) throw malformed(line, `checkpoint ${k} is not a positive integer`)
  }
  for (const k of ['hash', 'time', 'prevCheckpointHash', 'keyId', 'signature'] as const) {
    if (typeof v[k] !== 'string') throw malformed(line, `checkpoint ${k} is not a string`)
  }
  return v as unknown as AuditCheckpoint
}

/**
 * Parses an export produced by {@link exportAudit}. Empty lines are skipped; a trailing
 * `\r` is tolerated (JSON whitespace).
 *
 * @throws StrongroomError `ERR_AUDIT_EXPORT_MALFORMED` with `details.line` (1-based) for
 * a line that is not JSON, a missing or wrong header, an unknown line type, or a record or
 * checkpoint missing a structural field; also when the header's key id does not match
 * its public key.
 */
export async function parseAuditExport(
  lines: AsyncIterable<string> | Iterable<string>,
): Promise<ParsedAuditExport> {
  let header: { publicKeyPem: string; keyId: string; from?: number; to?: number } | undefined
  const records: AuditRecord[] = []
  const checkpoints: AuditCheckpoint[] = []
  let n = 0
  for await (const text of lines) {
    n++
    if (text.length === 0) continue
    let v: unknown
    try {
      v = JSON.parse(text)
    } catch (cause) {
      throw malformed(n, 'not JSON', cause)
    }
    if (!isObject(v)) throw malformed(n, 'not a JSON object')
    if (header === undefined) {
      if (v.format !== AUDIT_EXPORT_FORMAT) throw malformed(n, 'not an audit export header')
      if (v.version !== AUDIT_EXPORT_VERSION) throw malformed(n, 'unsupported export version')
      if (typeof v.publicKey !== 'string' || typeof v.keyId !== 'string') {
        throw malformed(n, 'header lacks publicKey or keyId')
      }
      let keyId: string
      try {
        keyId = auditKeyId(v.publicKey)
      } catch (cause) {
        throw malformed(n, 'header publicKey is not an Ed25519 public key', cause)
      }
      if (keyId !== v.keyId) throw malformed(n, 'header keyId does not match its publicKey')
      for (const k of ['from', 'to'] as const) {
        if (v[k] !== undefined && !isSeq(v[k])) {
          throw malformed(n, `header ${k} is not a positive integer`)
        }
      }
      header = {
        publicKeyPem: v.publicKey,
        keyId,
        ...(isSeq(v.from) ? { from: v.from } : {}),
        ...(isSeq(v.to) ? { to: v.to } : {}),
      }
      continue
    }
    if (v.type === 'event') records.push(checkRecord(v.record, n))
    else if (v.type === 'checkpoint') checkpoints.push(checkCheckpoint(v.checkpoint, n))
    else throw malformed(n, 'unknown line type')
  }
  if (header === undefined) throw malformed(n + 1, 'no header line')
  return { ...header, records, checkpoints }
}
