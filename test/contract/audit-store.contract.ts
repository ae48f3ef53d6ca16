/**
 * The audit store port's contract suite (see the `AuditStore` interface). Each backend
 * runs it in a few lines:
 *
 * ```ts
 * runAuditStoreContract('sqlite', {
 *   create: (storage) => Promise.resolve(createSqliteAuditStore({ path: join(dir, `${storage}.db`) })),
 * })
 * ```
 *
 * `create(storage)` must return a new, unopened store every call: over the same storage
 * for the same name (the suite reopens, and opens two at once to race them), and over a
 * new, empty one for a new name. Each test names its own storage, so no test sees
 * another's records and every assertion can be exact (an empty head, a full listing).
 */
import { createHash } from 'node:crypto'

import { afterAll, afterEach, describe, expect, it } from 'vitest'

import type { AuditCheckpoint, AuditRecord } from '../../src/audit/audit-event.js'
import type { AuditStore, ChainHead } from '../../src/audit/audit-store.js'
import { isStrongroomError } from '../../src/errors.js'
import type { ErrorCode } from '../../src/errors.js'

/** Options for {@link runAuditStoreContract}. */
export interface AuditStoreContractOptions {
  /**
   * A new, unopened store on every call: the same storage for the same `storage` name, a
   * new, empty one for a new name. Names are short lowercase identifiers (`[a-z0-9_]`).
   */
  readonly create: (storage: string) => Promise<AuditStore>
  /** Runs once after the suite, e.g. to drop the test schemas or delete the folder. */
  readonly cleanup?: () => Promise<void>
  /** A reason to skip the whole suite (printed), or `false`/absent to run it. */
  readonly skip?: string | false
}

const ZERO_HASH = '0'.repeat(64)

/** A resource name that breaks naive quoting in SQL, array literals or JSON. */
const WEIRD_DATASET = `we"ird\\ {na,me}'); --`

/** A 64-hex string standing in for a hash: the store keeps hashes, it does not check them. */
function fakeHash(tag: string): string {
  return createHash('sha256').update(tag).digest('hex')
}

/** The fixed clock of the records the suite builds: `seq` seconds after 2024-01-01. */
const EPOCH = Date.UTC(2024, 0, 1)

function timeOf(seq: number): string {
  return new Date(EPOCH + seq * 1000).toISOString()
}

/**
 * Records `start`, `start + 1`, … `start + count - 1`, linked like a real chain, with a
 * hash that also depends on `tag` so two writers' batches differ.
 */
function records(
  start: number,
  count: number,
  over: (seq: number) => Partial<AuditRecord> = () => ({}),
  tag = 'a',
): AuditRecord[] {
  const out: AuditRecord[] = []
  let prevHash = start === 1 ? ZERO_HASH : fakeHash(`${tag}:${String(start - 1)}`)
  for (let seq = start; seq < start + count; seq++) {
    const hash = fakeHash(`${tag}:${String(seq)}`)
    out.push({
      seq,
      time: timeOf(seq),
      principal: 'alice',
      action: 'dataset.read',
      resources: [{ type: 'dataset', name: 'crm.customers' }],
      decision: 'allow',
      policyIds: [],
      requestId: `req_${String(seq)}`,
      outcome: 'success',
      client: { kind: 'cli' },
      prevHash,
      hash,
      ...over(seq),
    })
    prevHash = hash
  }
  return out
}

function headOf(rs: readonly AuditRecord[]): ChainHead {
  const last = rs.at(-1)
  if (last === undefined) throw new Error('no records')
  return { seq: last.seq, hash: last.hash }
}

function checkpoint(number: number, seq: number): AuditCheckpoint {
  return {
    number,
    seq,
    hash: fakeHash(`a:${String(seq)}`),
    time: timeOf(seq),
    prevCheckpointHash: number === 1 ? ZERO_HASH : fakeHash(`cp:${String(number - 1)}`),
    keyId: 'ab'.repeat(16),
    signature: Buffer.from(fakeHash(`sig:${String(number)}`), 'hex').toString('base64'),
  }
}

async function collect(it: AsyncIterable<AuditRecord>): Promise<AuditRecord[]> {
  const out: AuditRecord[] = []
  for await (const r of it) out.push(r)
  return out
}

/** Asserts that `promise` rejects with a StrongroomError of `code`. */
async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err, `expected ${code}`).toBeDefined()
  if (!isStrongroomError(err)) throw err
  expect(err.code).toBe(code)
}

/**
 * Registers the audit store contract suite with vitest.
 *
 * @example
 * ```ts
 * runAuditStoreContract('sqlite', {
 *   create: (storage) =>
 *     Promise.resolve(createSqliteAuditStore({ path: join(dir, `${storage}.db`) })),
 *   cleanup: () => rm(dir, { recursive: true, force: true }),
 * })
 * ```
 */
export function runAuditStoreContract(name: string, opts: AuditStoreContractOptions): void {
  if (opts.skip !== undefined && opts.skip !== false) {
    const reason = opts.skip
    console.warn(`[audit store contract] skipping ${name}: ${reason}`)
    describe.skip(`audit store contract: ${name} (skipped: ${reason})`, () => {
      it('runs the audit store contract', () => undefined)
    })
    return
  }

  describe(`audit store contract: ${name}`, () => {
    const opened: AuditStore[] = []
    let counter = 0

    /** A name for a new, empty storage. */
    function fresh(): string {
      counter += 1
      return `t${String(counter)}`
    }

    async function open(storage: string): Promise<AuditStore> {
      const s = await opts.create(storage)
      opened.push(s)
      await s.open()
      return s
    }

    afterEach(async () => {
      for (const s of opened.splice(0)) await s.close()
    })

    afterAll(async () => {
      await opts.cleanup?.()
    })

    it('starts empty', async () => {
      const s = await open(fresh())
      expect(s.kind).toBeTypeOf('string')
      expect(await s.head()).toBeUndefined()
      expect(await collect(s.read(0))).toEqual([])
      expect(await s.query({})).toEqual([])
      expect(await s.listCheckpoints()).toEqual([])
      expect(await s.getMeta('signing-key')).toBeUndefined()
    })

    it('appends one record, then a batch of 1000, and moves the head', async () => {
      const s = await open(fresh())
      const one = records(1, 1)
      await s.append(one, undefined)
      expect(await s.head()).toEqual(headOf(one))

      const batch = records(2, 1000)
      await s.append(batch, headOf(one))
      expect(await s.head()).toEqual({ seq: 1001, hash: fakeHash('a:1001') })
      const all = await collect(s.read(1))
      expect(all.map((r) => r.seq)).toEqual(Array.from({ length: 1001 }, (_, i) => i + 1))
      expect(all).toEqual([...one, ...batch])
    })

    it('accepts { seq: 0 } as the empty head, and an empty batch as a no-op', async () => {
      const s = await open(fresh())
      await s.append([], undefined)
      expect(await s.head()).toBeUndefined()
      const rs = records(1, 3)
      await s.append(rs, { seq: 0, hash: ZERO_HASH })
      await s.append([], headOf(rs))
      expect(await s.head()).toEqual(headOf(rs))
      // An empty batch still checks the head: a stale writer learns it is stale.
      await expectCode(s.append([], undefined), 'ERR_AUDIT_CONFLICT')
    })

    it('reads closed, open-ended and empty ranges in sequence order', async () => {
      const s = await open(fresh())
      const rs = records(1, 2500)
      await s.append(rs, undefined)
      const seqs = async (from: number, to?: number): Promise<number[]> =>
        (await collect(s.read(from, to))).map((r) => r.seq)
      const range = (a: number, b: number): number[] =>
        Array.from({ length: b - a + 1 }, (_, i) => a + i)

      expect(await seqs(10, 20)).toEqual(range(10, 20))
      expect(await seqs(7, 7)).toEqual([7])
      // Crosses the backends' read page boundaries (1000).
      expect(await seqs(999, 2001)).toEqual(range(999, 2001))
      expect(await seqs(2490)).toEqual(range(2490, 2500))
      expect(await seqs(0, 3)).toEqual([1, 2, 3])
      expect(await seqs(1)).toEqual(range(1, 2500))
      expect(await seqs(2498, 9999)).toEqual([2498, 2499, 2500])
      expect(await seqs(2501)).toEqual([])
      expect(await seqs(20, 10)).toEqual([])
      expect(await collect(s.read(42, 43))).toEqual(rs.slice(41, 43))
    })

    it('returns records field for field, optional fields absent or present', async () => {
      const s = await open(fresh())
      const [a, b, c, d] = records(1, 4, (seq) => {
        switch (seq) {
          case 1:
            // Only the required fields.
            return {}
          case 2:
            return {
              principal: 'Zoë 山田 🔐 "quoted" \\ back\nline',
              action: 'dataset.export',
              resources: [
                { type: 'dataset', name: 'crm.customers', id: 'ds_01', version: 7 },
                { type: 'column', name: 'crm.customers.email' },
                { type: 'key', name: 'kek', id: 'k_1', version: 0 },
                // Quotes, backslashes, braces, commas and a bare NULL: array and SQL syntax.
                { type: 'dataset', name: WEIRD_DATASET },
                { type: 'dataset', name: 'NULL' },
              ],
              // JSON escapes a NUL; only the record text holds this field.
              purpose: 'model training — café \u0000 \u2028',
              decision: 'deny',
              policyIds: ['p1', 'p2'],
              outcome: 'failure',
              errorCode: 'ERR_AUTHZ_DENIED',
              rows: 0,
              bytes: Number.MAX_SAFE_INTEGER,
              client: { kind: 'server', address: '::ffff:10.0.0.1' },
            }
          case 3:
            return { rows: 12345, bytes: 1.5, outcome: 'started', resources: [] }
          default:
            return { client: { kind: 'library' }, purpose: '' }
        }
      })
      const input = [a, b, c, d].filter((r): r is AuditRecord => r !== undefined)
      await s.append(input, undefined)
      const back = await collect(s.read(1))
      expect(back).toStrictEqual(input)
      // Same keys in the same order, same values: what canonical hashing sees.
      expect(back.map((r) => JSON.stringify(r))).toEqual(input.map((r) => JSON.stringify(r)))
      expect(Object.keys(back[0] ?? {})).not.toContain('purpose')
      expect(await s.query({ principal: b?.principal ?? '' })).toStrictEqual([b])
      expect(await s.query({ dataset: WEIRD_DATASET })).toStrictEqual([b])
      expect(await s.query({ dataset: 'NULL' })).toStrictEqual([b])
    })

    it('refuses a stale expected head with ERR_AUDIT_CONFLICT and writes nothing', async () => {
      const s = await open(fresh())
      const first = records(1, 5)
      await s.append(first, undefined)
      const before = await s.head()

      // The chain is not empty any more.
      await expectCode(
        s.append(
          records(1, 2, () => ({}), 'b'),
          undefined,
        ),
        'ERR_AUDIT_CONFLICT',
      )
      // Right sequence number, wrong hash: a fork.
      await expectCode(
        s.append(records(6, 2), { seq: 5, hash: fakeHash('other') }),
        'ERR_AUDIT_CONFLICT',
      )
      // An older head.
      await expectCode(s.append(records(4, 2), headOf(first.slice(0, 3))), 'ERR_AUDIT_CONFLICT')
      // A head from the future.
      await expectCode(
        s.append(records(10, 1), { seq: 9, hash: fakeHash('a:9') }),
        'ERR_AUDIT_CONFLICT',
      )

      expect(await s.head()).toEqual(before)
      expect(await collect(s.read(1))).toEqual(first)
    })

    it('refuses records that do not continue the sequence with ERR_AUDIT_INVALID', async () => {
      const s = await open(fresh())
      await expectCode(s.append(records(2, 3), undefined), 'ERR_AUDIT_INVALID')
      const first = records(1, 3)
      await s.append(first, undefined)
      // A gap after the head.
      await expectCode(s.append(records(5, 2), headOf(first)), 'ERR_AUDIT_INVALID')
      // A gap inside the batch: the valid records before it are not written either.
      const gappy = [...records(4, 2), ...records(7, 2)]
      await expectCode(s.append(gappy, headOf(first)), 'ERR_AUDIT_INVALID')
      // A repeated sequence number inside the batch.
      const repeated = [...records(4, 2), ...records(5, 1)]
      await expectCode(s.append(repeated, headOf(first)), 'ERR_AUDIT_INVALID')

      expect(await s.head()).toEqual(headOf(first))
      expect(await collect(s.read(1))).toEqual(first)
    })

    it('lets exactly one of two concurrent appenders with the same head win', async () => {
      const storage = fresh()
      const s1 = await open(storage)
      const s2 = await open(storage)
      const base = records(1, 10)
      await s1.append(base, undefined)
      const head = headOf(base)
      const batchA = records(11, 500, () => ({ principal: 'writer-a' }), 'a')
      const batchB = records(11, 500, () => ({ principal: 'writer-b' }), 'b')

      const results = await Promise.allSettled([s1.append(batchA, head), s2.append(batchB, head)])
      const won = results.filter((r) => r.status === 'fulfilled')
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
      expect(won).toHaveLength(1)
      expect(lost).toHaveLength(1)
      expect(isStrongroomError(lost[0]?.reason, 'ERR_AUDIT_CONFLICT')).toBe(true)

      const winner = results[0]?.status === 'fulfilled' ? batchA : batchB
      for (const s of [s1, s2]) {
        expect(await s.head()).toEqual(headOf(winner))
        expect(await collect(s.read(1))).toEqual([...base, ...winner])
      }
    })

    it('queries by principal, dataset, action and time, newest last, with a limit', async () => {
      const s = await open(fresh())
      // 30 records, seq n at EPOCH + n s; three principals, actions and datasets in turn.
      const rs = records(1, 30, (seq) => ({
        principal: ['alice', 'bob', 'carol'][seq % 3] ?? 'alice',
        action: seq % 2 === 0 ? 'dataset.read' : 'dataset.ingest',
        resources:
          seq % 5 === 0
            ? [{ type: 'column', name: 'hr.staff.salary' }]
            : seq % 5 === 1
              ? [
                  { type: 'dataset', name: 'crm.customers' },
                  { type: 'dataset', name: 'hr.staff' },
                ]
              : [{ type: 'dataset', name: 'crm.customers' }],
      }))
      await s.append(rs, undefined)
      const seqs = (got: AuditRecord[]): number[] => got.map((r) => r.seq)
      const want = (pred: (r: AuditRecord) => boolean): number[] => seqs(rs.filter(pred))

      expect(await s.query({})).toEqual(rs)
      expect(seqs(await s.query({ principal: 'bob' }))).toEqual(want((r) => r.principal === 'bob'))
      expect(await s.query({ principal: 'nobody' })).toEqual([])
      expect(seqs(await s.query({ action: 'dataset.ingest' }))).toEqual(
        want((r) => r.seq % 2 === 1),
      )
      // Only dataset resources count; a column resource's name is not a dataset name.
      expect(seqs(await s.query({ dataset: 'hr.staff' }))).toEqual(want((r) => r.seq % 5 === 1))
      expect(await s.query({ dataset: 'hr.staff.salary' })).toEqual([])
      expect(seqs(await s.query({ dataset: 'crm.customers' }))).toEqual(
        want((r) => r.seq % 5 !== 0),
      )
      expect(await s.query({ dataset: 'crm' })).toEqual([])
      // since is inclusive, until exclusive.
      const since = new Date(EPOCH + 10_000)
      const until = new Date(EPOCH + 20_000)
      expect(seqs(await s.query({ since }))).toEqual(want((r) => r.seq >= 10))
      expect(seqs(await s.query({ until }))).toEqual(want((r) => r.seq < 20))
      expect(seqs(await s.query({ since, until }))).toEqual(want((r) => r.seq >= 10 && r.seq < 20))
      // The limit keeps the newest matches, still newest last.
      expect(seqs(await s.query({ limit: 4 }))).toEqual([27, 28, 29, 30])
      expect(seqs(await s.query({ principal: 'alice', limit: 3 }))).toEqual([24, 27, 30])
      expect(await s.query({ limit: 0 })).toEqual([])
      expect(seqs(await s.query({ limit: 1000 }))).toEqual(want(() => true))
      // All filters together: alice (seq % 3 = 0), reads (even), crm.customers
      // (seq % 5 ≠ 0), seq 10 to 30 by time: 12, 18, 24; the limit keeps the newest two.
      expect(
        seqs(
          await s.query({
            principal: 'alice',
            action: 'dataset.read',
            dataset: 'crm.customers',
            since,
            until: new Date(EPOCH + 31_000),
            limit: 2,
          }),
        ),
      ).toEqual([18, 24])
    })

    it('rejects an invalid query with ERR_AUDIT_QUERY_INVALID', async () => {
      const s = await open(fresh())
      await expectCode(s.query({ limit: -1 }), 'ERR_AUDIT_QUERY_INVALID')
      await expectCode(s.query({ limit: 1.5 }), 'ERR_AUDIT_QUERY_INVALID')
      await expectCode(s.query({ since: new Date('nonsense') }), 'ERR_AUDIT_QUERY_INVALID')
      await expectCode(
        s.query({ since: new Date(EPOCH + 1000), until: new Date(EPOCH) }),
        'ERR_AUDIT_QUERY_INVALID',
      )
    })

    it('appends checkpoints in number order and refuses a duplicate or a gap', async () => {
      const s = await open(fresh())
      await s.append(records(1, 30), undefined)
      const cps = [checkpoint(1, 10), checkpoint(2, 20), checkpoint(3, 30)]
      for (const cp of cps) await s.appendCheckpoint(cp)
      expect(await s.listCheckpoints()).toStrictEqual(cps)

      await expectCode(s.appendCheckpoint(checkpoint(3, 30)), 'ERR_AUDIT_CONFLICT')
      await expectCode(s.appendCheckpoint(checkpoint(2, 25)), 'ERR_AUDIT_CONFLICT')
      await expectCode(s.appendCheckpoint(checkpoint(5, 30)), 'ERR_AUDIT_INVALID')
      expect(await s.listCheckpoints()).toStrictEqual(cps)
    })

    it('gets, sets and overwrites metadata', async () => {
      const s = await open(fresh())
      expect(await s.getMeta('public-key')).toBeUndefined()
      await s.setMeta('public-key', 'MCowBQYDK2VwAyEA')
      await s.setMeta('wrapped-key', '{"v":1,"ct":"…"}')
      expect(await s.getMeta('public-key')).toBe('MCowBQYDK2VwAyEA')
      await s.setMeta('public-key', 'second')
      expect(await s.getMeta('public-key')).toBe('second')
      expect(await s.getMeta('wrapped-key')).toBe('{"v":1,"ct":"…"}')
      await s.setMeta('empty', '')
      expect(await s.getMeta('empty')).toBe('')
    })

    it('keeps records, checkpoints and metadata across close and reopen', async () => {
      const storage = fresh()
      const s1 = await open(storage)
      const rs = records(1, 50)
      await s1.append(rs, undefined)
      await s1.appendCheckpoint(checkpoint(1, 50))
      await s1.setMeta('public-key', 'pk')
      await s1.close()

      const s2 = await open(storage)
      expect(await s2.head()).toEqual(headOf(rs))
      expect(await collect(s2.read(1))).toEqual(rs)
      expect(await s2.listCheckpoints()).toEqual([checkpoint(1, 50)])
      expect(await s2.getMeta('public-key')).toBe('pk')
      // And the chain continues from where it was.
      const more = records(51, 5)
      await s2.append(more, headOf(rs))
      expect(await s2.head()).toEqual(headOf(more))
    })

    it('fails every call with ERR_AUDIT_UNAVAILABLE before open and after close', async () => {
      const storage = fresh()
      const never = await opts.create(storage)
      await expectCode(never.head(), 'ERR_AUDIT_UNAVAILABLE')

      const s = await open(storage)
      await s.append(records(1, 2), undefined)
      await s.close()
      await expectCode(s.head(), 'ERR_AUDIT_UNAVAILABLE')
      await expectCode(s.append(records(3, 1), headOf(records(1, 2))), 'ERR_AUDIT_UNAVAILABLE')
      await expectCode(collect(s.read(1)), 'ERR_AUDIT_UNAVAILABLE')
      await expectCode(s.query({}), 'ERR_AUDIT_UNAVAILABLE')
      await expectCode(s.appendCheckpoint(checkpoint(1, 2)), 'ERR_AUDIT_UNAVAILABLE')
      await expectCode(s.listCheckpoints(), 'ERR_AUDIT_UNAVAILABLE')
      await expectCode(s.getMeta('k'), 'ERR_AUDIT_UNAVAILABLE')
      await expectCode(s.setMeta('k', 'v'), 'ERR_AUDIT_UNAVAILABLE')
    })
  })
}
