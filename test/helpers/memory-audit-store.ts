/**
 * An in-memory {@link AuditStore} for unit tests, following the port contract
 * (`src/audit/audit-store.ts`): atomic appends guarded by the expected head, sequence
 * continuity, deep copies in and out (so a test mutating a returned record cannot change
 * the store, and vice versa), and an injectable write failure to simulate a full disk.
 *
 * Every call yields to the event loop first (`setImmediate`), like real I/O, so
 * concurrency in the code under test (group commit, conflicts) actually happens.
 */
import type { AuditCheckpoint, AuditQuery, AuditRecord } from '../../src/audit/audit-event.js'
import type { AuditStore, ChainHead } from '../../src/audit/audit-store.js'
import { StrongroomError } from '../../src/errors.js'

/** Options for {@link createMemoryAuditStore}. */
export interface MemoryAuditStoreOptions {
  /** Extra delay of each append, in ms, to widen race windows. Default 0. */
  readonly appendDelayMs?: number
}

/** The in-memory store plus test hooks. */
export interface MemoryAuditStore extends AuditStore {
  /** Number of `append` calls that reached the store (successful or not). */
  readonly appendCalls: number
  /** Number of successful `append` calls. */
  readonly commits: number
  /**
   * Makes the next `count` writes (`append`, `appendCheckpoint`, `setMeta`) fail with
   * `ERR_AUDIT_UNAVAILABLE` (cause: an `ENOSPC` error), as a full disk would.
   * `Infinity` until {@link MemoryAuditStore.heal}.
   */
  failWrites(count?: number): void
  /** Ends an injected failure. */
  heal(): void
  /** Direct access to the stored rows, for tamper tests (copies; see `replaceRecords`). */
  snapshot(): { records: AuditRecord[]; checkpoints: AuditCheckpoint[] }
  /** Replaces the stored rows wholesale, bypassing every check (an attacker with the file). */
  replaceRecords(records: AuditRecord[], checkpoints?: AuditCheckpoint[]): void
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

function copy<T>(v: T): T {
  return structuredClone(v)
}

/** Creates an empty in-memory audit store. */
export function createMemoryAuditStore(options: MemoryAuditStoreOptions = {}): MemoryAuditStore {
  let records: AuditRecord[] = []
  let checkpoints: AuditCheckpoint[] = []
  const meta = new Map<string, string>()
  let failures = 0
  let appendCalls = 0
  let commits = 0
  let open = false

  const checkOpen = (): void => {
    if (!open) throw new StrongroomError('ERR_AUDIT_UNAVAILABLE', 'audit store is not open')
  }
  const maybeFail = (): void => {
    if (failures <= 0) return
    failures--
    const cause = Object.assign(new Error('no space left on device'), { code: 'ENOSPC' })
    throw new StrongroomError('ERR_AUDIT_UNAVAILABLE', 'audit store write failed', { cause })
  }
  const head = (): ChainHead | undefined => {
    const last = records[records.length - 1]
    return last === undefined ? undefined : { seq: last.seq, hash: last.hash }
  }

  return {
    kind: 'memory',
    get appendCalls() {
      return appendCalls
    },
    get commits() {
      return commits
    },
    async open() {
      await tick()
      open = true
    },
    async close() {
      await tick()
      open = false
    },
    async head() {
      await tick()
      checkOpen()
      return head()
    },
    async append(batch, expectedHead) {
      appendCalls++
      await tick()
      if (options.appendDelayMs) await new Promise((r) => setTimeout(r, options.appendDelayMs))
      checkOpen()
      maybeFail()
      // Check and write in one synchronous step: that is this store's transaction.
      const current = head()
      if (
        (current?.seq ?? 0) !== (expectedHead?.seq ?? 0) ||
        current?.hash !== expectedHead?.hash
      ) {
        throw new StrongroomError('ERR_AUDIT_CONFLICT', 'audit head moved')
      }
      let next = (current?.seq ?? 0) + 1
      for (const r of batch) {
        if (r.seq !== next++) {
          throw new StrongroomError('ERR_AUDIT_INVALID', 'records do not continue the sequence')
        }
      }
      records = records.concat(batch.map(copy))
      commits++
    },
    async *read(fromSeq, toSeq) {
      await tick()
      checkOpen()
      // Records are dense from seq 1 here, but tamper tests may leave gaps: filter by seq.
      for (const r of records) {
        if (r.seq >= fromSeq && (toSeq === undefined || r.seq <= toSeq)) yield copy(r)
      }
    },
    async query(filter: AuditQuery) {
      await tick()
      checkOpen()
      const out = records.filter(
        (r) =>
          (filter.principal === undefined || r.principal === filter.principal) &&
          (filter.action === undefined || r.action === filter.action) &&
          (filter.dataset === undefined ||
            r.resources.some((x) => x.type === 'dataset' && x.name === filter.dataset)) &&
          (filter.since === undefined || Date.parse(r.time) >= filter.since.getTime()) &&
          (filter.until === undefined || Date.parse(r.time) < filter.until.getTime()),
      )
      return (filter.limit === undefined ? out : out.slice(-filter.limit)).map(copy)
    },
    async appendCheckpoint(checkpoint) {
      await tick()
      checkOpen()
      maybeFail()
      const last = checkpoints[checkpoints.length - 1]
      if (checkpoint.number !== (last?.number ?? 0) + 1) {
        throw new StrongroomError('ERR_AUDIT_CONFLICT', 'checkpoint number taken or out of order')
      }
      checkpoints.push(copy(checkpoint))
    },
    async listCheckpoints() {
      await tick()
      checkOpen()
      return checkpoints.map(copy)
    },
    async getMeta(key) {
      await tick()
      checkOpen()
      return meta.get(key)
    },
    async setMeta(key, value) {
      await tick()
      checkOpen()
      maybeFail()
      meta.set(key, value)
    },
    failWrites(count = Number.POSITIVE_INFINITY) {
      failures = count
    },
    heal() {
      failures = 0
    },
    snapshot() {
      return { records: records.map(copy), checkpoints: checkpoints.map(copy) }
    },
    replaceRecords(next, nextCheckpoints) {
      records = next.map(copy)
      if (nextCheckpoints !== undefined) checkpoints = nextCheckpoints.map(copy)
    },
  }
}
