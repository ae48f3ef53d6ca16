/**
 * Audit trail verification: recompute every record hash, follow the chain links, check
 * every checkpoint signature and that each checkpoint's head matches the chain, and name
 * precisely what is wrong (`docs/audit.md` "Verification problems").
 *
 * Records stream through once, in the order given; only the checkpoints (one per
 * thousand events by default) and the list of sequence gaps are held in memory.
 * `verifyAuditStore` reads them from a store, as stored JSON text where the store offers
 * it, and hashes most straight from that text (`canonical-text.ts`).
 *
 * The standalone verifier `scripts/verify-audit-export.mjs` implements the same algorithm
 * with the same messages; keep the two in step (`test/security/audit-tamper.test.ts`).
 */
import { createPublicKey, verify as verifySignature } from 'node:crypto'
import type { KeyObject } from 'node:crypto'

import { StrongroomError } from '../errors.js'
import type { AuditCheckpoint, AuditRecord } from './audit-event.js'
import type { AuditRecordText, AuditStore } from './audit-store.js'
import {
  GENESIS_HASH,
  checkpointHash,
  checkpointSigningBytes,
  hashRecord,
  hashRecordText,
} from './chain.js'
import { auditKeyId } from './signing-key.js'

/** What a verification problem is. */
export type VerifyProblemKind =
  /** A record's hash does not match its content (or a field is not what it should be). */
  | 'edited'
  /** A record's `prevHash` is not the hash of the record before it. */
  | 'broken-link'
  /** A range of sequence numbers is absent. */
  | 'missing'
  /** A record appears after a later one (its place was a gap when it came). */
  | 'reordered'
  /** A sequence number appears again. */
  | 'duplicate'
  /** A validly signed checkpoint covers events beyond the last one present. */
  | 'truncated'
  /** A checkpoint's signature does not verify with the trail's public key. */
  | 'bad-signature'
  /** A checkpoint's head hash is not the hash of the event at its `seq`. */
  | 'checkpoint-mismatch'
  /** A checkpoint whose number or seq is not after the previous one: an old one replayed. */
  | 'checkpoint-replayed'
  /** A checkpoint's `prevCheckpointHash` or number does not continue the previous one. */
  | 'checkpoint-chain'
  /** A checkpoint names a key id other than the trail's key. */
  | 'unknown-key'

/** One problem found. Messages name sequence and checkpoint numbers only. */
export interface VerifyProblem {
  readonly kind: VerifyProblemKind
  /** The event concerned (first of a range for `missing` and `truncated`). */
  readonly seq?: number
  /** The checkpoint number concerned. */
  readonly checkpoint?: number
  readonly message: string
}

/** The outcome of {@link verifyAudit}. */
export interface VerifyResult {
  /** True when no problem was found. */
  readonly ok: boolean
  /** Records within the range that were examined. */
  readonly eventsChecked: number
  /** Checkpoints examined (all given, whatever the range). */
  readonly checkpointsChecked: number
  /** The first record's seq, if any. */
  readonly firstSeq: number | undefined
  /** The highest seq seen, if any. */
  readonly lastSeq: number | undefined
  readonly problems: VerifyProblem[]
}

/** Options for {@link verifyAudit}. */
export interface VerifyAuditOptions {
  /** Records in sequence order (as stored or exported). */
  readonly records: AsyncIterable<AuditRecord> | Iterable<AuditRecord>
  /** Every checkpoint, in the order stored (number order). */
  readonly checkpoints: AsyncIterable<AuditCheckpoint> | Iterable<AuditCheckpoint>
  /** The trail's Ed25519 public key (SPKI PEM). */
  readonly publicKeyPem: string
  /**
   * Verify from this seq: records before it are skipped and the first record's `prevHash`
   * is taken as given. Default 1 (the first record must link to the genesis hash).
   */
  readonly from?: number
  /** Verify up to this seq; records after it are skipped. Default: all. */
  readonly to?: number
}

function isAsync<T>(it: AsyncIterable<T> | Iterable<T>): it is AsyncIterable<T> {
  return typeof (it as Partial<AsyncIterable<T>>)[Symbol.asyncIterator] === 'function'
}

async function collect<T>(it: AsyncIterable<T> | Iterable<T>): Promise<T[]> {
  const out: T[] = []
  if (isAsync(it)) for await (const x of it) out.push(x)
  else for (const x of it) out.push(x)
  return out
}

function range(lo: number, hi: number): string {
  return lo === hi ? `event ${lo}` : `events ${lo}-${hi}`
}

/** The state of one verification pass; `add` is called per record. */
class Verifier {
  readonly problems: VerifyProblem[] = []
  readonly #eventProblems: VerifyProblem[] = []
  readonly #from: number
  readonly #to: number
  readonly #linkFirst: boolean
  // Validly keyed checkpoints within the range, by the seq they cover.
  readonly #bySeq = new Map<number, AuditCheckpoint[]>()
  readonly #trusted: AuditCheckpoint[] = []
  // Pending gaps [lo, hi]: reported as missing at the end unless the records turn up.
  readonly #gaps: [number, number][] = []
  eventsChecked = 0
  checkpointsChecked = 0
  firstSeq: number | undefined
  #lastSeq = 0
  #lastHash = ''
  #started = false

  constructor(from: number | undefined, to: number | undefined) {
    this.#from = from ?? 1
    this.#to = to ?? Number.POSITIVE_INFINITY
    this.#linkFirst = from === undefined
  }

  get lastSeq(): number | undefined {
    return this.#started ? this.#lastSeq : undefined
  }

  checkpoints(list: readonly AuditCheckpoint[], publicKey: KeyObject, keyId: string): void {
    let prev: AuditCheckpoint | undefined
    let prevTrusted = true
    for (const cp of list) {
      this.checkpointsChecked++
      const n = cp.number
      let signed = false
      if (cp.keyId !== keyId) {
        this.problems.push({
          kind: 'unknown-key',
          checkpoint: n,
          message: `checkpoint ${n} names an unknown signing key`,
        })
      } else {
        signed = signatureValid(cp, publicKey)
        if (!signed) {
          this.problems.push({
            kind: 'bad-signature',
            checkpoint: n,
            message: `checkpoint ${n} has an invalid signature`,
          })
        }
        // A bad signature still names a head; comparing it tells which field changed. It
        // does not count as evidence of truncation, though: anyone can write one.
        if (cp.seq >= this.#from && cp.seq <= this.#to) {
          const at = this.#bySeq.get(cp.seq)
          if (at === undefined) this.#bySeq.set(cp.seq, [cp])
          else at.push(cp)
          if (signed) this.#trusted.push(cp)
        }
      }
      if (prev === undefined) {
        if (n !== 1) {
          this.problems.push({
            kind: 'checkpoint-chain',
            checkpoint: n,
            message: `checkpoint ${n} is first, expected checkpoint 1`,
          })
        } else if (cp.prevCheckpointHash !== GENESIS_HASH) {
          this.problems.push({
            kind: 'checkpoint-chain',
            checkpoint: n,
            message: `checkpoint ${n} does not start the checkpoint chain`,
          })
        }
      } else if (n <= prev.number || cp.seq < prev.seq) {
        this.problems.push({
          kind: 'checkpoint-replayed',
          checkpoint: n,
          message: `checkpoint ${n} (event ${cp.seq}) appears after checkpoint ${prev.number} (event ${prev.seq}): replayed`,
        })
        // Keep the newest as `prev`: what follows must continue from it.
        continue
      } else if (n !== prev.number + 1) {
        this.problems.push({
          kind: 'checkpoint-chain',
          checkpoint: n,
          message: `checkpoint ${n} follows checkpoint ${prev.number}: ${
            n - prev.number === 2
              ? `checkpoint ${prev.number + 1}`
              : `checkpoints ${prev.number + 1}-${n - 1}`
          } missing`,
        })
      } else if (prevTrusted && cp.prevCheckpointHash !== checkpointHash(prev)) {
        // After a bad previous signature the mismatch is the same fault; report it once.
        this.problems.push({
          kind: 'checkpoint-chain',
          checkpoint: n,
          message: `checkpoint ${n} does not link to checkpoint ${prev.number}`,
        })
      }
      prev = cp
      prevTrusted = signed
    }
  }

  add(r: AuditRecord): void {
    const seq = r.seq
    if (!Number.isSafeInteger(seq) || seq < 1) {
      this.eventsChecked++
      this.#eventProblems.push({
        kind: 'edited',
        message: 'a record has an invalid sequence number',
      })
      return
    }
    if (seq < this.#from || seq > this.#to) return
    let computed: string | undefined
    try {
      computed = hashRecord(r, r.prevHash)
    } catch {
      // Not canonicalizable or prevHash not a hash: content was altered.
      computed = undefined
    }
    this.#check(seq, r.prevHash, r.hash, computed)
  }

  /**
   * `add(JSON.parse(json))`, hashing straight from the text when `hashRecordText` can
   * (`canonical-text.ts`), which gives the same hash, seq and links as the record would.
   */
  addText(row: AuditRecordText): void {
    const json = row[1]
    const h = hashRecordText(json)
    if (h === undefined) {
      this.add(parseStoredRecord(json, row[0]))
      return
    }
    if (h.seq < this.#from || h.seq > this.#to) return
    this.#check(h.seq, h.prevHash, h.hash, h.computed)
  }

  /** The checks on one in-range record with a valid seq, given its recomputed hash. */
  #check(seq: number, prevHash: string, hash: string, computed: string | undefined): void {
    this.eventsChecked++
    if (computed !== hash) {
      this.#eventProblems.push({
        kind: 'edited',
        seq,
        message: `event ${seq} does not match its hash: edited`,
      })
    }
    if (!this.#started) {
      this.#started = true
      this.firstSeq = seq
      if (seq > this.#from) this.#gaps.push([this.#from, seq - 1])
      else if (this.#linkFirst && prevHash !== GENESIS_HASH) this.#brokenLink(seq)
      this.#lastSeq = seq
      this.#lastHash = hash
    } else if (seq === this.#lastSeq + 1) {
      if (prevHash !== this.#lastHash) this.#brokenLink(seq)
      this.#lastSeq = seq
      this.#lastHash = hash
    } else if (seq > this.#lastSeq) {
      // Cannot check the link across a gap; the gap is reported (or explained) later.
      this.#gaps.push([this.#lastSeq + 1, seq - 1])
      this.#lastSeq = seq
      this.#lastHash = hash
    } else if (this.#fillGap(seq)) {
      this.#eventProblems.push({
        kind: 'reordered',
        seq,
        message: `event ${seq} appears after event ${this.#lastSeq}: reordered`,
      })
    } else {
      this.#eventProblems.push({
        kind: 'duplicate',
        seq,
        message: `event ${seq} appears again after event ${this.#lastSeq}: duplicate`,
      })
      return
    }
    const cps = this.#bySeq.get(seq)
    if (cps !== undefined) {
      for (const cp of cps) {
        if (cp.hash !== hash) {
          this.#eventProblems.push({
            kind: 'checkpoint-mismatch',
            seq,
            checkpoint: cp.number,
            message: `checkpoint ${cp.number} does not match the hash of event ${seq}`,
          })
        }
      }
    }
  }

  #brokenLink(seq: number): void {
    this.#eventProblems.push({
      kind: 'broken-link',
      seq,
      message:
        seq === 1
          ? 'event 1 does not start the chain: broken link'
          : `event ${seq} does not link to event ${seq - 1}: broken link`,
    })
  }

  /** Removes `seq` from the pending gaps; false if it was not in one (seen before). */
  #fillGap(seq: number): boolean {
    for (let i = 0; i < this.#gaps.length; i++) {
      const g = this.#gaps[i] as [number, number]
      const [lo, hi] = g
      if (seq < lo || seq > hi) continue
      if (lo === hi) this.#gaps.splice(i, 1)
      else if (seq === lo) g[0] = lo + 1
      else if (seq === hi) g[1] = hi - 1
      else this.#gaps.splice(i, 1, [lo, seq - 1], [seq + 1, hi])
      return true
    }
    return false
  }

  finish(): void {
    this.problems.push(...this.#eventProblems)
    for (const [lo, hi] of this.#gaps) {
      this.problems.push({ kind: 'missing', seq: lo, message: `${range(lo, hi)} missing` })
    }
    // The validly signed checkpoint reaching furthest beyond the last event proves the most.
    let beyond: AuditCheckpoint | undefined
    for (const cp of this.#trusted) {
      if (cp.seq > this.#lastSeq && (beyond === undefined || cp.seq > beyond.seq)) beyond = cp
    }
    if (beyond !== undefined) {
      const lo = this.#started ? this.#lastSeq + 1 : this.#from
      this.problems.push({
        kind: 'truncated',
        seq: lo,
        checkpoint: beyond.number,
        message: `${range(lo, beyond.seq)} missing: checkpoint ${beyond.number} covers event ${beyond.seq} but the trail ends before it (truncated)`,
      })
    }
  }
}

function signatureValid(cp: AuditCheckpoint, publicKey: KeyObject): boolean {
  try {
    const sig = Buffer.from(cp.signature, 'base64')
    // Ed25519 signatures are 64 bytes; the length check also refuses non-canonical base64
    // that decodes to something else.
    if (sig.length !== 64 || sig.toString('base64') !== cp.signature) return false
    return verifySignature(null, checkpointSigningBytes(cp), publicKey, sig)
  } catch {
    return false
  }
}

/**
 * Verifies an audit trail (or the range `from`–`to` of one) and lists every problem.
 *
 * Problem order: checkpoint problems (key, signature, chain) in checkpoint order; event
 * problems in record order; missing ranges; truncation.
 *
 * Deleting events after the last checkpoint cannot be detected from the trail alone:
 * nothing signed says they existed. Checkpoint often (`checkpointEvery`) to narrow that.
 *
 * @throws StrongroomError `ERR_AUDIT_INVALID` if `publicKeyPem` is not an Ed25519 key.
 *
 * @example
 * ```ts
 * const result = await verifyAudit({
 *   records: store.read(1),
 *   checkpoints: await store.listCheckpoints(),
 *   publicKeyPem: (await store.getMeta('public_key')) ?? '',
 * })
 * for (const p of result.problems) console.log(p.kind, p.message)
 * ```
 */
export async function verifyAudit(options: VerifyAuditOptions): Promise<VerifyResult> {
  const v = await start(options)
  const records = options.records
  // A sync iterable is walked without `for await`, which would add a microtask per record.
  if (isAsync(records)) for await (const r of records) v.add(r)
  else for (const r of records) v.add(r)
  return finish(v)
}

/** Options for {@link verifyAuditStore}. */
export interface VerifyAuditStoreOptions {
  /** The store holding the trail (open). */
  readonly store: AuditStore
  /**
   * The trail's Ed25519 public key (SPKI PEM). Pass the key you expect, not one read from
   * the store itself: whoever can rewrite the store can replace that too.
   */
  readonly publicKeyPem: string
  /** As for {@link verifyAudit}: verify from this seq, its `prevHash` taken as given. */
  readonly from?: number
  /** As for {@link verifyAudit}: verify up to this seq. */
  readonly to?: number
  /** Stops the verification between pages of records (rejecting with the signal's reason). */
  readonly signal?: AbortSignal
}

/**
 * Verifies the trail in a store, or the range `from`–`to` of it: the same checks and
 * result as {@link verifyAudit} over `store.read(from ?? 1, to)` and
 * `store.listCheckpoints()`, reading the records as stored JSON text when the store offers
 * `readText`. Most records are then hashed straight from their text (`canonical-text.ts`:
 * provably the same bytes as canonicalizing the parsed record, else it is parsed), about
 * twice as fast as building every record.
 *
 * @throws StrongroomError `ERR_AUDIT_INVALID` if `publicKeyPem` is not an Ed25519 key;
 * `ERR_AUDIT_UNAVAILABLE` if the store cannot be read or a stored record is not JSON.
 *
 * @example
 * ```ts
 * const result = await verifyAuditStore({ store, publicKeyPem: trustedPublicKeyPem })
 * if (!result.ok) for (const p of result.problems) console.log(p.kind, p.message)
 * ```
 */
export async function verifyAuditStore(options: VerifyAuditStoreOptions): Promise<VerifyResult> {
  const { store, signal } = options
  signal?.throwIfAborted()
  const range = {
    ...(options.from === undefined ? {} : { from: options.from }),
    ...(options.to === undefined ? {} : { to: options.to }),
  }
  const checkpoints = await store.listCheckpoints()
  const from = options.from ?? 1
  if (store.readText === undefined) {
    return verifyAudit({
      records: abortable(store.read(from, options.to), signal),
      checkpoints,
      publicKeyPem: options.publicKeyPem,
      ...range,
    })
  }
  const v = await start({ checkpoints, publicKeyPem: options.publicKeyPem, ...range })
  for await (const page of store.readText(from, options.to)) {
    signal?.throwIfAborted()
    for (let i = 0; i < page.length; i++) v.addText(page[i] as AuditRecordText)
  }
  return finish(v)
}

async function* abortable<T>(it: AsyncIterable<T>, signal: AbortSignal | undefined) {
  for await (const x of it) {
    signal?.throwIfAborted()
    yield x
  }
}

/** A verifier with the checkpoints checked, ready for records. */
async function start(options: Omit<VerifyAuditOptions, 'records'>): Promise<Verifier> {
  const keyId = auditKeyId(options.publicKeyPem)
  const publicKey = createPublicKey(options.publicKeyPem)
  const v = new Verifier(options.from, options.to)
  v.checkpoints(await collect(options.checkpoints), publicKey, keyId)
  return v
}

function finish(v: Verifier): VerifyResult {
  v.finish()
  return {
    ok: v.problems.length === 0,
    eventsChecked: v.eventsChecked,
    checkpointsChecked: v.checkpointsChecked,
    firstSeq: v.firstSeq,
    lastSeq: v.lastSeq,
    problems: v.problems,
  }
}

/**
 * Parses a record's stored text. Text that is not JSON is damage to the store, reported as
 * `read` reports it (the SQLite store's `parseRecord`), without the text.
 */
function parseStoredRecord(json: string, seq: number): AuditRecord {
  try {
    return JSON.parse(json) as AuditRecord
  } catch (cause) {
    throw new StrongroomError('ERR_AUDIT_UNAVAILABLE', `Audit record ${String(seq)} is damaged.`, {
      cause,
      hint: 'The record is not JSON: the audit store was damaged or edited.',
      details: { seq },
    })
  }
}
