/**
 * Rules every audit store backend applies the same way, whatever its SQL dialect: the
 * checks made on records, ranges, filters and checkpoints before the database is touched,
 * the errors the port contract (`audit-store.ts`) promises, and the parsing of stored JSON.
 *
 * Internal to `audit/`: the backends import it; it is not part of the public API. What
 * differs per dialect (SQL, driver error codes, column types) stays in the backend.
 */
import { StrongroomError } from '../errors.js'
import type { AuditCheckpoint, AuditQuery, AuditRecord } from './audit-event.js'
import type { ChainHead } from './audit-store.js'

/** The `audit_meta` key holding a backend's schema version; callers may not overwrite it. */
export const SCHEMA_VERSION_KEY = 'schema_version'

/** A record checked and serialized before any lock is taken. */
export interface PreparedRecord {
  readonly seq: number
  readonly hash: string
  /** The record's `time`, as given (an ISO 8601 timestamp). */
  readonly time: string
  /** The same instant in epoch milliseconds. */
  readonly timeMs: number
  readonly principal: string
  readonly action: string
  /** The dataset names the record's resources name, each once. */
  readonly datasets: readonly string[]
  /** The exact JSON text stored and read back. */
  readonly json: string
}

function invalid(message: string, details: Record<string, string | number>): StrongroomError {
  return new StrongroomError('ERR_AUDIT_INVALID', message, { details })
}

function isSeq(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0
}

/**
 * Checks that `records` continue the sequence after `expectedHead` and carry what the
 * indexes need, and serializes each one. Numbers that JSON cannot carry (NaN, ±Infinity)
 * are refused: they would read back as `null`, and the record's hash would not verify.
 */
export function prepareRecords(
  records: readonly AuditRecord[],
  expectedHead: ChainHead | undefined,
): PreparedRecord[] {
  if (expectedHead !== undefined && !isSeq(expectedHead.seq)) {
    throw invalid('The expected audit head has a bad sequence number.', {})
  }
  const first = (expectedHead?.seq ?? 0) + 1
  return records.map((r, i) => {
    const seq = first + i
    if (r.seq !== seq) {
      throw invalid(`Audit record ${String(i)} does not continue the sequence.`, {
        index: i,
        expectedSeq: seq,
      })
    }
    const timeMs = typeof r.time === 'string' ? Date.parse(r.time) : NaN
    if (
      !Number.isFinite(timeMs) ||
      typeof r.hash !== 'string' ||
      typeof r.principal !== 'string' ||
      typeof r.action !== 'string' ||
      !Array.isArray(r.resources) ||
      (r.rows !== undefined && !Number.isFinite(r.rows)) ||
      (r.bytes !== undefined && !Number.isFinite(r.bytes))
    ) {
      throw invalid(`Audit record ${String(seq)} is malformed.`, { seq })
    }
    return {
      seq,
      hash: r.hash,
      time: r.time,
      timeMs,
      principal: r.principal,
      action: r.action,
      datasets: datasetsOf(r),
      json: JSON.stringify(r),
    }
  })
}

/**
 * The datasets an event names, for the `dataset` filter: the names of its `dataset`
 * resources, each once. Column resources do not count: the event lists its dataset too.
 */
function datasetsOf(r: AuditRecord): string[] {
  const out = new Set<string>()
  for (const res of r.resources) if (res.type === 'dataset') out.add(res.name)
  return [...out]
}

/** `ERR_AUDIT_CONFLICT` unless the stored head is the one the appender built on. */
export function checkHead(actual: ChainHead | undefined, expected: ChainHead | undefined): void {
  // seq 0 is how a caller names the empty chain; its hash carries no meaning.
  const wanted = expected === undefined || expected.seq === 0 ? undefined : expected
  if (actual === undefined && wanted === undefined) return
  if (actual !== undefined && wanted !== undefined) {
    if (actual.seq === wanted.seq && actual.hash === wanted.hash) return
  }
  throw new StrongroomError('ERR_AUDIT_CONFLICT', 'The audit chain head has moved.', {
    hint: 'Another writer appended first; re-read the head and retry.',
    details: { expectedSeq: wanted?.seq ?? 0, actualSeq: actual?.seq ?? 0 },
  })
}

/** `ERR_AUDIT_QUERY_INVALID` unless both ends of a read range are sequence numbers. */
export function checkRange(fromSeq: number, toSeq: number | undefined): void {
  if (!isSeq(fromSeq) || (toSeq !== undefined && !isSeq(toSeq))) {
    throw new StrongroomError('ERR_AUDIT_QUERY_INVALID', 'An audit read range is not valid.', {
      hint: 'Sequence numbers are non-negative integers.',
    })
  }
}

/**
 * Checks a filter and returns it. `since` is inclusive and `until` exclusive, so
 * consecutive windows neither overlap nor leave a gap.
 */
export function checkQuery(filter: AuditQuery): AuditQuery {
  const bad = (field: string): StrongroomError =>
    new StrongroomError('ERR_AUDIT_QUERY_INVALID', `The audit filter ${field} is not valid.`, {
      details: { field },
    })
  const since = filter.since?.getTime()
  const until = filter.until?.getTime()
  if (since !== undefined && !Number.isFinite(since)) throw bad('since')
  if (until !== undefined && !Number.isFinite(until)) throw bad('until')
  if (since !== undefined && until !== undefined && since > until) throw bad('since')
  if (filter.limit !== undefined && !isSeq(filter.limit)) throw bad('limit')
  return filter
}

/** A checkpoint's JSON text; `ERR_AUDIT_INVALID` on a bad number or sequence. */
export function serializeCheckpoint(c: AuditCheckpoint): string {
  if (!isSeq(c.number) || c.number < 1 || !isSeq(c.seq)) {
    throw invalid('An audit checkpoint has a bad number or sequence.', {})
  }
  return JSON.stringify(c)
}

/** Checkpoints are numbered 1, 2, 3, …: a taken number is a lost race, a gap a bug. */
export function checkCheckpointNumber(number: number, last: number): void {
  if (number <= last) {
    throw new StrongroomError(
      'ERR_AUDIT_CONFLICT',
      `Audit checkpoint ${String(number)} already exists.`,
      {
        hint: 'Another writer added a checkpoint first; re-read the checkpoints and retry.',
        details: { number, lastNumber: last },
      },
    )
  }
  if (number !== last + 1) {
    throw invalid(`Audit checkpoint ${String(number)} skips a number.`, {
      number,
      lastNumber: last,
    })
  }
}

/** `ERR_USAGE_INVALID_ARGUMENT` for the reserved {@link SCHEMA_VERSION_KEY}. */
export function checkMetaKey(key: string): void {
  if (key === SCHEMA_VERSION_KEY) {
    throw new StrongroomError('ERR_USAGE_INVALID_ARGUMENT', 'This audit meta key is reserved.', {
      details: { key },
    })
  }
}

/** `ERR_AUDIT_UNAVAILABLE` for a store whose schema version `found` is not `supported`. */
export function unsupportedVersion(found: string, supported: number): StrongroomError {
  return new StrongroomError(
    'ERR_AUDIT_UNAVAILABLE',
    'The audit store was written by a newer Strongroom.',
    {
      hint: 'Upgrade Strongroom to read this audit store.',
      details: { supportedVersion: supported, foundVersion: found.slice(0, 16) },
    },
  )
}

/** Parses stored JSON; a row that is not JSON is damage, reported without its content. */
export function parseRecord(json: unknown, seq: number): AuditRecord {
  try {
    return JSON.parse(String(json)) as AuditRecord
  } catch (cause) {
    throw new StrongroomError('ERR_AUDIT_UNAVAILABLE', `Audit record ${String(seq)} is damaged.`, {
      cause,
      hint: 'Run `strongroom audit verify` to find the damage.',
      details: { seq },
    })
  }
}

/** Parses a stored checkpoint; like {@link parseRecord}, damage is reported without content. */
export function parseCheckpoint(json: unknown, number: number): AuditCheckpoint {
  try {
    return JSON.parse(String(json)) as AuditCheckpoint
  } catch (cause) {
    throw new StrongroomError(
      'ERR_AUDIT_UNAVAILABLE',
      `Audit checkpoint ${String(number)} is damaged.`,
      { cause, details: { number } },
    )
  }
}
