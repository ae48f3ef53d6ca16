/**
 * The audit log: turns events into hash-chained, durable records and writes signed
 * checkpoints over them.
 *
 * Fail closed: `record()` resolves only after the store has committed the record; if the
 * store cannot write, it rejects with `ERR_AUDIT_UNAVAILABLE` and the caller must fail the
 * operation it was auditing. An operation never succeeds without its audit record.
 *
 * Group commit: events recorded while a write is in flight wait and go, together, into
 * the next single `store.append` (one transaction, one fsync). Sequence numbers and hashes
 * are assigned at write time from the store head, so several processes can share a store:
 * when another one appended first (`ERR_AUDIT_CONFLICT`), the batch is re-read, re-hashed
 * and retried.
 */
import { StrongroomError, isStrongroomError } from '../errors.js'
import type { ErrorIssue } from '../errors.js'
import type {
  AuditCheckpoint,
  AuditClient,
  AuditEventInput,
  AuditRecord,
  AuditResource,
} from './audit-event.js'
import type { AuditStore, ChainHead } from './audit-store.js'
import { GENESIS_HASH, checkpointHash, checkpointSigningBytes, hashRecord } from './chain.js'
import type { AuditSigner } from './signing-key.js'

/** Options for {@link createAuditLog}. */
export interface AuditLogOptions {
  /** The store; opened by the caller, who also closes it. */
  readonly store: AuditStore
  /** Signs checkpoints; see `loadOrCreateSigningKey`. */
  readonly signer: AuditSigner
  /** Write a checkpoint once this many events follow the last one. Default 1000. */
  readonly checkpointEvery?: number
  /** The time source. Default `() => new Date()`. */
  readonly clock?: () => Date
  /**
   * Called when an automatic checkpoint fails. The records it would have covered are
   * already durable, so their `record()` calls still succeed; the checkpoint is retried
   * after the next write. Default: ignore (the next successful checkpoint covers them).
   */
  readonly onCheckpointError?: (error: StrongroomError) => void
}

/** The audit log. Create with {@link createAuditLog}. */
export interface AuditLog {
  /**
   * Records one event. Resolves with the stored record once it is durable.
   *
   * @throws StrongroomError `ERR_AUDIT_INVALID` for an event that is not well formed (the
   * issues list every problem); `ERR_AUDIT_UNAVAILABLE` (cause chained) when the store
   * could not write it. Either way the caller must fail its operation.
   */
  record(event: AuditEventInput): Promise<AuditRecord>
  /** Waits until every event recorded so far is durable (or has failed). */
  flush(): Promise<void>
  /**
   * Writes a signed checkpoint over the current head now. Resolves `undefined` when no
   * event follows the last checkpoint.
   *
   * @throws StrongroomError `ERR_AUDIT_UNAVAILABLE` when the store cannot write it.
   */
  checkpoint(): Promise<AuditCheckpoint | undefined>
  /** Flushes; later `record()` calls reject with `ERR_AUDIT_UNAVAILABLE`. */
  close(): Promise<void>
}

// Bounds that keep an input event an audit event: names and ids, never data values.
const MAX_ID = 512
const MAX_ACTION = 128
const MAX_PURPOSE = 1024
const MAX_LIST = 1000
// A transaction of at most this many records bounds the size of a single append.
const MAX_BATCH = 10_000
// Retries on ERR_AUDIT_CONFLICT: enough for a handful of busy writers; beyond that the
// store is contended by something unexpected and failing closed is the honest answer.
const MAX_ATTEMPTS = 10
const BACKOFF_MS = 5
// C0 and C1 control characters and the line/paragraph separators: they never occur in an
// id and could forge line breaks in a text rendering of the log.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/

const RESOURCE_TYPES: ReadonlySet<string> = new Set(['dataset', 'column', 'key', 'lake', 'audit'])
const CLIENT_KINDS: ReadonlySet<string> = new Set(['cli', 'library', 'server'])
const DECISIONS: ReadonlySet<string> = new Set(['allow', 'deny'])
const OUTCOMES: ReadonlySet<string> = new Set(['success', 'failure', 'started'])
const EVENT_KEYS: ReadonlySet<string> = new Set([
  'principal',
  'action',
  'resources',
  'purpose',
  'decision',
  'policyIds',
  'requestId',
  'outcome',
  'errorCode',
  'rows',
  'bytes',
  'client',
])
const RESOURCE_KEYS: ReadonlySet<string> = new Set(['type', 'name', 'id', 'version'])
const CLIENT_KEYS: ReadonlySet<string> = new Set(['kind', 'address'])

function wellFormed(s: string): boolean {
  try {
    // Throws URIError on a lone surrogate only; canonical JSON refuses those (canonical.ts).
    encodeURIComponent(s)
    return true
  } catch {
    return false
  }
}

class Validator {
  readonly issues: ErrorIssue[] = []

  problem(path: string, message: string): void {
    this.issues.push({ code: 'ERR_AUDIT_INVALID', path, message })
  }

  text(v: unknown, path: string, max: number): string {
    if (typeof v !== 'string' || v.length === 0) {
      this.problem(path, 'must be a non-empty string')
      return ''
    }
    if (v.length > max) this.problem(path, `longer than ${max} characters`)
    else if (CONTROL.test(v)) this.problem(path, 'contains a control character')
    else if (!wellFormed(v)) this.problem(path, 'contains a lone surrogate')
    return v
  }

  count(v: unknown, path: string): number {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
      this.problem(path, 'must be a non-negative integer')
      return 0
    }
    return v
  }

  oneOf(v: unknown, path: string, allowed: ReadonlySet<string>): string {
    if (typeof v !== 'string' || !allowed.has(v)) {
      this.problem(path, `must be one of ${[...allowed].join(', ')}`)
      return ''
    }
    return v
  }

  plain(v: unknown, path: string, keys: ReadonlySet<string>): Record<string, unknown> {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      this.problem(path, 'must be an object')
      return {}
    }
    // Unknown members are refused, not dropped: they would be a place to smuggle values.
    for (const k of Object.keys(v)) {
      if (!keys.has(k)) this.problem(path === '' ? k : `${path}.${k}`, 'unknown field')
    }
    return v as Record<string, unknown>
  }

  list(v: unknown, path: string): readonly unknown[] {
    if (!Array.isArray(v)) {
      this.problem(path, 'must be an array')
      return []
    }
    if (v.length > MAX_LIST) this.problem(path, `more than ${MAX_LIST} entries`)
    return v as unknown[]
  }
}

/**
 * Checks an event and returns a copy holding only its known fields, so a caller mutating
 * its object afterwards cannot change what gets hashed.
 */
function validateEvent(input: AuditEventInput): AuditEventInput {
  const v = new Validator()
  const e = v.plain(input, '', EVENT_KEYS)
  const resources: AuditResource[] = v.list(e.resources, 'resources').map((r, i) => {
    const path = `resources[${i}]`
    const o = v.plain(r, path, RESOURCE_KEYS)
    return {
      type: v.oneOf(o.type, `${path}.type`, RESOURCE_TYPES) as AuditResource['type'],
      name: v.text(o.name, `${path}.name`, MAX_ID),
      ...(o.id === undefined ? {} : { id: v.text(o.id, `${path}.id`, MAX_ID) }),
      ...(o.version === undefined ? {} : { version: v.count(o.version, `${path}.version`) }),
    }
  })
  const c = v.plain(e.client, 'client', CLIENT_KEYS)
  const client: AuditClient = {
    kind: v.oneOf(c.kind, 'client.kind', CLIENT_KINDS) as AuditClient['kind'],
    ...(c.address === undefined ? {} : { address: v.text(c.address, 'client.address', MAX_ID) }),
  }
  const event: AuditEventInput = {
    principal: v.text(e.principal, 'principal', MAX_ID),
    action: v.text(e.action, 'action', MAX_ACTION),
    resources,
    ...(e.purpose === undefined ? {} : { purpose: v.text(e.purpose, 'purpose', MAX_PURPOSE) }),
    decision: v.oneOf(e.decision, 'decision', DECISIONS) as AuditEventInput['decision'],
    policyIds: v.list(e.policyIds, 'policyIds').map((p, i) => v.text(p, `policyIds[${i}]`, MAX_ID)),
    requestId: v.text(e.requestId, 'requestId', MAX_ID),
    outcome: v.oneOf(e.outcome, 'outcome', OUTCOMES) as AuditEventInput['outcome'],
    ...(e.errorCode === undefined
      ? {}
      : { errorCode: v.text(e.errorCode, 'errorCode', MAX_ACTION) }),
    ...(e.rows === undefined ? {} : { rows: v.count(e.rows, 'rows') }),
    ...(e.bytes === undefined ? {} : { bytes: v.count(e.bytes, 'bytes') }),
    client,
  }
  if (v.issues.length > 0) {
    throw new StrongroomError('ERR_AUDIT_INVALID', 'audit event is not well formed', {
      issues: v.issues,
      hint: 'audit events name resources by id; they never carry data values',
    })
  }
  return event
}

function unavailable(message: string, cause?: unknown): StrongroomError {
  return new StrongroomError('ERR_AUDIT_UNAVAILABLE', message, {
    ...(cause === undefined ? {} : { cause }),
    hint: 'the operation was not performed because it could not be audited; check the audit store (disk space, database)',
  })
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

interface Pending {
  readonly event: AuditEventInput
  readonly time: string
  readonly resolve: (r: AuditRecord) => void
  readonly reject: (e: unknown) => void
}

/** The head as last known: `undefined` = must be read from the store. */
interface KnownHead {
  readonly head: ChainHead | undefined
}

class GroupCommitAuditLog implements AuditLog {
  readonly #store: AuditStore
  readonly #signer: AuditSigner
  readonly #every: number
  readonly #clock: () => Date
  readonly #onCheckpointError: ((e: StrongroomError) => void) | undefined

  #pending: Pending[] = []
  #flushQueued = false
  #closed = false
  // Every store write runs through this chain, one at a time, in call order: appends and
  // checkpoints never interleave within a process.
  #chain: Promise<unknown> = Promise.resolve()
  #head: KnownHead | undefined
  #lastCheckpoint: { readonly value: AuditCheckpoint | undefined } | undefined

  constructor(options: AuditLogOptions) {
    const every = options.checkpointEvery ?? 1000
    if (!Number.isSafeInteger(every) || every < 1) {
      throw new StrongroomError('ERR_CONFIG_INVALID', 'checkpointEvery must be a positive integer')
    }
    this.#store = options.store
    this.#signer = options.signer
    this.#every = every
    this.#clock = options.clock ?? (() => new Date())
    this.#onCheckpointError = options.onCheckpointError
  }

  record(input: AuditEventInput): Promise<AuditRecord> {
    if (this.#closed) return Promise.reject(unavailable('audit log is closed'))
    let event: AuditEventInput
    try {
      event = validateEvent(input)
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error('invalid audit event'))
    }
    // The time the event happened, not the time its batch was written.
    const time = this.#clock().toISOString()
    return new Promise<AuditRecord>((resolve, reject) => {
      this.#pending.push({ event, time, resolve, reject })
      this.#queueFlush()
    })
  }

  flush(): Promise<void> {
    return this.#exclusive(() => Promise.resolve())
  }

  checkpoint(): Promise<AuditCheckpoint | undefined> {
    // Queued behind any flush already queued, so it covers every event recorded before.
    return this.#exclusive(() => this.#writeCheckpoint())
  }

  async close(): Promise<void> {
    this.#closed = true
    await this.flush()
  }

  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#chain.then(fn)
    this.#chain = run.catch(() => undefined)
    return run
  }

  #queueFlush(): void {
    if (this.#flushQueued) return
    this.#flushQueued = true
    // The flush starts in a later microtask at the earliest, so every record() made in
    // the same tick, and every one made while an earlier write is in flight, joins it.
    void this.#exclusive(() => this.#flushOnce())
  }

  async #flushOnce(): Promise<void> {
    this.#flushQueued = false
    const batch = this.#pending.splice(0, MAX_BATCH)
    if (this.#pending.length > 0) this.#queueFlush()
    if (batch.length === 0) return
    const ok = await this.#append(batch)
    if (ok) await this.#autoCheckpoint()
  }

  async #readHead(): Promise<ChainHead | undefined> {
    if (this.#head === undefined) this.#head = { head: await this.#store.head() }
    return this.#head.head
  }

  /** Appends a batch, retrying on conflicts. Settles every item; never throws. */
  async #append(batch: readonly Pending[]): Promise<boolean> {
    let lastError: unknown
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      let head: ChainHead | undefined
      try {
        head = await this.#readHead()
      } catch (e) {
        this.#head = undefined
        return this.#failAll(batch, unavailable('audit store head could not be read', e))
      }
      const records = new Array<AuditRecord>(batch.length)
      let seq = head?.seq ?? 0
      let prevHash = head?.hash ?? GENESIS_HASH
      try {
        for (let i = 0; i < batch.length; i++) {
          const item = batch[i] as Pending
          const body = { ...item.event, seq: ++seq, time: item.time, prevHash }
          const hash = hashRecord(body, prevHash)
          records[i] = { ...body, hash }
          prevHash = hash
        }
      } catch (e) {
        // Only a store head that is not a hash gets here (events were validated).
        this.#head = undefined
        return this.#failAll(batch, unavailable('audit store head is malformed', e))
      }
      try {
        await this.#store.append(records, head)
      } catch (e) {
        // Unknown head from here on: the next attempt (or the next batch) re-reads it.
        this.#head = undefined
        if (isStrongroomError(e, 'ERR_AUDIT_CONFLICT')) {
          lastError = e
          // Jittered backoff so two writers that collided do not collide again in step.
          await sleep(Math.random() * BACKOFF_MS * attempt)
          continue
        }
        return this.#failAll(batch, unavailable('audit records could not be written', e))
      }
      this.#head = { head: { seq, hash: prevHash } }
      for (let i = 0; i < batch.length; i++)
        (batch[i] as Pending).resolve(records[i] as AuditRecord)
      return true
    }
    return this.#failAll(
      batch,
      unavailable('audit records could not be written: store kept changing', lastError),
    )
  }

  #failAll(batch: readonly Pending[], error: StrongroomError): false {
    for (const item of batch) item.reject(error)
    return false
  }

  async #autoCheckpoint(): Promise<void> {
    try {
      const head = this.#head?.head
      if (head === undefined) return
      const last = await this.#readLastCheckpoint()
      if (head.seq - (last?.seq ?? 0) < this.#every) return
      await this.#writeCheckpoint()
    } catch (e) {
      this.#onCheckpointError?.(
        isStrongroomError(e) ? e : unavailable('audit checkpoint could not be written', e),
      )
    }
  }

  async #readLastCheckpoint(): Promise<AuditCheckpoint | undefined> {
    if (this.#lastCheckpoint === undefined) {
      let last: AuditCheckpoint | undefined
      for (const c of await this.#store.listCheckpoints()) {
        if (last === undefined || c.number > last.number) last = c
      }
      this.#lastCheckpoint = { value: last }
    }
    return this.#lastCheckpoint.value
  }

  async #writeCheckpoint(): Promise<AuditCheckpoint | undefined> {
    let lastError: unknown
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      let head: ChainHead | undefined
      let last: AuditCheckpoint | undefined
      try {
        // The store's head, not ours: another process may have appended since.
        head = await this.#store.head()
        last = await this.#readLastCheckpoint()
      } catch (e) {
        this.#lastCheckpoint = undefined
        throw unavailable('audit checkpoint could not be written', e)
      }
      if (head === undefined || (last !== undefined && last.seq >= head.seq)) return undefined
      const known = this.#head?.head
      if (known !== undefined && known.seq === head.seq && known.hash !== head.hash) {
        // The store reports a different hash for the record we wrote: it was altered.
        // Signing it would vouch for the alteration.
        throw new StrongroomError(
          'ERR_AUDIT_CHAIN_BROKEN',
          'audit store head differs from the record written',
          { details: { seq: head.seq }, hint: 'run audit verify' },
        )
      }
      const body: Omit<AuditCheckpoint, 'signature'> = {
        number: (last?.number ?? 0) + 1,
        seq: head.seq,
        hash: head.hash,
        time: this.#clock().toISOString(),
        prevCheckpointHash: last === undefined ? GENESIS_HASH : checkpointHash(last),
        keyId: this.#signer.keyId,
      }
      const checkpoint: AuditCheckpoint = {
        ...body,
        signature: this.#signer.sign(checkpointSigningBytes(body)).toString('base64'),
      }
      try {
        await this.#store.appendCheckpoint(checkpoint)
      } catch (e) {
        this.#lastCheckpoint = undefined
        if (isStrongroomError(e, 'ERR_AUDIT_CONFLICT')) {
          // Another process wrote checkpoint `number` first: re-read and decide again.
          lastError = e
          await sleep(Math.random() * BACKOFF_MS * attempt)
          continue
        }
        throw unavailable('audit checkpoint could not be written', e)
      }
      this.#lastCheckpoint = { value: checkpoint }
      return checkpoint
    }
    throw unavailable('audit checkpoint could not be written: store kept changing', lastError)
  }
}

/**
 * Creates an audit log over a store.
 *
 * @example
 * ```ts
 * const signer = await loadOrCreateSigningKey(store, provider)
 * const log = createAuditLog({ store, signer })
 * await log.record({
 *   principal: 'alice', action: 'dataset.read', requestId: 'r1',
 *   resources: [{ type: 'dataset', name: 'crm.customers' }],
 *   decision: 'allow', policyIds: [], outcome: 'started', client: { kind: 'cli' },
 * })
 * await log.close()
 * ```
 */
export function createAuditLog(options: AuditLogOptions): AuditLog {
  return new GroupCommitAuditLog(options)
}
