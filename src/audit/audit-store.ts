/**
 * The audit store port: an append-only sequence of hash-chained audit records and the
 * signed checkpoints over it. The store persists; the chain is computed and checked by
 * the domain (`audit-log.ts`, `verify.ts`), so a store cannot forge a valid chain.
 *
 * Backends: `sqlite/` (embedded default, its own database file) and `postgres/`.
 */
import type { AuditCheckpoint, AuditQuery, AuditRecord } from './audit-event.js'

/** The last record's sequence number and hash. */
export interface ChainHead {
  readonly seq: number
  readonly hash: string
}

/**
 * One stored record as {@link AuditStore.readText} yields it: the row's `seq` and the
 * exact JSON text that `read` parses into the record.
 */
export type AuditRecordText = readonly [seq: number, json: string]

/**
 * An audit store backend. Contract (`test/contract/audit-store.contract.ts`):
 * - `append` writes all records or none, in one durable transaction (synchronous
 *   commit), and only if the stored head is still `expectedHead` (seq 0 = empty): else
 *   `ERR_AUDIT_CONFLICT` and nothing is written. Records must continue the sequence
 *   (`expectedHead.seq + 1`, …) or `ERR_AUDIT_INVALID` is thrown.
 * - records read back are field-for-field what was appended (the canonical form of a
 *   record must survive a round trip, or verification would fail);
 * - `read(from, to)` yields records with `from ≤ seq ≤ to` in sequence order;
 * - `appendCheckpoint` stores checkpoints in number order; duplicates fail;
 * - a failure to write (disk full, database gone) is `ERR_AUDIT_UNAVAILABLE`.
 */
export interface AuditStore {
  readonly kind: string
  open(): Promise<void>
  close(): Promise<void>
  head(): Promise<ChainHead | undefined>
  append(records: readonly AuditRecord[], expectedHead: ChainHead | undefined): Promise<void>
  read(fromSeq: number, toSeq?: number): AsyncIterable<AuditRecord>
  /**
   * Optional, for a backend that keeps each record as JSON text: the records
   * `fromSeq ≤ seq ≤ toSeq` as that text, in pages (arrays), in sequence order, where
   * `JSON.parse(json)` is exactly the record `read` yields for the row. Verification
   * (`verifyAuditStore`) hashes most records straight from their text, which is several
   * times cheaper than building each one; it reads with `read` when this is absent.
   */
  readText?(fromSeq: number, toSeq?: number): AsyncIterable<readonly AuditRecordText[]>
  query(filter: AuditQuery): Promise<AuditRecord[]>
  appendCheckpoint(checkpoint: AuditCheckpoint): Promise<void>
  listCheckpoints(): Promise<AuditCheckpoint[]>
  /** Small metadata: the wrapped signing key, its public key. */
  getMeta(key: string): Promise<string | undefined>
  setMeta(key: string, value: string): Promise<void>
}
