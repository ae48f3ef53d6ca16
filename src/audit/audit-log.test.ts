import { generateKeyPairSync, sign, verify } from 'node:crypto'

import { describe, expect, it } from 'vitest'

import { createMemoryAuditStore } from '../../test/helpers/memory-audit-store.js'
import type { MemoryAuditStore } from '../../test/helpers/memory-audit-store.js'
import { StrongroomError, isStrongroomError } from '../errors.js'
import type { AuditEventInput } from './audit-event.js'
import { createAuditLog } from './audit-log.js'
import type { AuditLogOptions } from './audit-log.js'
import { GENESIS_HASH, checkpointHash, checkpointSigningBytes, hashRecord } from './chain.js'
import { auditKeyId } from './signing-key.js'
import type { AuditSigner } from './signing-key.js'
import { verifyAudit } from './verify.js'

function testSigner(): AuditSigner {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const publicKeyPem = publicKey.export({ format: 'pem', type: 'spki' }).toString()
  return {
    keyId: auditKeyId(publicKeyPem),
    publicKeyPem,
    sign: (b) => sign(null, b, privateKey),
  }
}

function event(i: number, extra: Partial<AuditEventInput> = {}): AuditEventInput {
  return {
    principal: 'alice',
    action: 'dataset.read',
    resources: [{ type: 'dataset', name: 'crm.customers', id: 'ds_1', version: 1 }],
    decision: 'allow',
    policyIds: [],
    requestId: `req_${i}`,
    outcome: 'success',
    client: { kind: 'cli' },
    ...extra,
  }
}

async function setup(
  options: Partial<AuditLogOptions> & { store?: MemoryAuditStore } = {},
): Promise<{
  store: MemoryAuditStore
  signer: AuditSigner
  log: ReturnType<typeof createAuditLog>
}> {
  const store = options.store ?? createMemoryAuditStore()
  await store.open()
  const signer = options.signer ?? testSigner()
  const log = createAuditLog({ ...options, store, signer })
  return { store, signer, log }
}

async function verifyStore(store: MemoryAuditStore, signer: AuditSigner) {
  return verifyAudit({
    records: store.read(1),
    checkpoints: await store.listCheckpoints(),
    publicKeyPem: signer.publicKeyPem,
  })
}

async function failure(p: Promise<unknown>): Promise<StrongroomError | string> {
  try {
    await p
  } catch (e) {
    return isStrongroomError(e) ? e : 'other error'
  }
  return 'no error'
}

describe('AuditLog.record', () => {
  it('assigns seq, time, prevHash and hash; the first links to the genesis hash', async () => {
    const clock = () => new Date(Date.UTC(2024, 4, 1, 12, 0, 0, 7))
    const { log, store } = await setup({ clock })
    const r1 = await log.record(event(1, { purpose: 'training', rows: 10, bytes: 99 }))
    const r2 = await log.record(event(2))
    expect(r1).toMatchObject({ seq: 1, time: '2024-05-01T12:00:00.007Z', prevHash: GENESIS_HASH })
    expect(r1.hash).toBe(hashRecord(r1, GENESIS_HASH))
    expect(r2.seq).toBe(2)
    expect(r2.prevHash).toBe(r1.hash)
    expect(store.snapshot().records).toEqual([r1, r2])
  })

  it('copies the event: mutating it afterwards does not change the record', async () => {
    const { log, store, signer } = await setup()
    const e = { ...event(1), resources: [{ type: 'dataset' as const, name: 'a.b' }] }
    const p = log.record(e)
    ;(e.resources[0] as { name: string }).name = 'changed'
    expect((await p).resources[0]?.name).toBe('a.b')
    expect((await verifyStore(store, signer)).ok).toBe(true)
  })

  it('group commit: 1000 concurrent calls cost a handful of appends and form a valid chain', async () => {
    const { log, store, signer } = await setup()
    const records = await Promise.all(Array.from({ length: 1000 }, (_, i) => log.record(event(i))))
    expect(store.appendCalls).toBeLessThanOrEqual(3)
    // Call order is sequence order.
    expect(records.map((r) => r.requestId)).toEqual(records.map((_, i) => `req_${i}`))
    expect(records.map((r) => r.seq)).toEqual(records.map((_, i) => i + 1))
    const result = await verifyStore(store, signer)
    expect(result).toMatchObject({ ok: true, eventsChecked: 1000, firstSeq: 1, lastSeq: 1000 })
  })

  it('calls made while a write is in flight go together into the next single append', async () => {
    const { log, store } = await setup({ store: createMemoryAuditStore({ appendDelayMs: 200 }) })
    const first = log.record(event(0))
    await new Promise((r) => setTimeout(r, 5)) // the first append is now in flight, for 200 ms: room for a slow event loop
    expect(store.appendCalls).toBe(1)
    const rest: Promise<unknown>[] = []
    for (let i = 1; i <= 50; i++) {
      rest.push(log.record(event(i)))
      if (i % 10 === 0) await new Promise((r) => setImmediate(r))
    }
    await Promise.all([first, ...rest])
    expect(store.appendCalls).toBe(2)
    expect(store.snapshot().records).toHaveLength(51)
  })

  it('fails closed: a store that cannot write rejects with ERR_AUDIT_UNAVAILABLE and the cause', async () => {
    const { log, store, signer } = await setup()
    await log.record(event(1))
    store.failWrites()
    const results = await Promise.all([
      failure(log.record(event(2))),
      failure(log.record(event(3))),
    ])
    for (const e of results) {
      expect(e).toBeInstanceOf(StrongroomError)
      const err = e as StrongroomError
      expect(err.code).toBe('ERR_AUDIT_UNAVAILABLE')
      const cause = err.cause as StrongroomError
      expect(cause.code).toBe('ERR_AUDIT_UNAVAILABLE')
      expect((cause.cause as NodeJS.ErrnoException).code).toBe('ENOSPC')
    }
    expect(store.snapshot().records).toHaveLength(1)
    // After the disk is freed the log carries on, and the chain is intact.
    store.heal()
    expect((await log.record(event(4))).seq).toBe(2)
    expect((await verifyStore(store, signer)).ok).toBe(true)
  })

  it('fails closed when the head cannot be read', async () => {
    const store = createMemoryAuditStore()
    const log = createAuditLog({ store, signer: testSigner() }) // store never opened
    const e = await failure(log.record(event(1)))
    expect((e as StrongroomError).code).toBe('ERR_AUDIT_UNAVAILABLE')
  })

  it('retries on conflict: two logs on one store both succeed and the chain stays valid', async () => {
    const store = createMemoryAuditStore({ appendDelayMs: 1 })
    const signer = testSigner()
    const { log: a } = await setup({ store, signer })
    const { log: b } = await setup({ store, signer })
    const all: Promise<unknown>[] = []
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 10; i++) {
        all.push(a.record(event(round * 100 + i, { principal: 'a' })))
        all.push(b.record(event(round * 100 + i, { principal: 'b' })))
      }
      await new Promise((r) => setTimeout(r, 1))
    }
    await Promise.all(all)
    const { records } = store.snapshot()
    expect(records).toHaveLength(400)
    expect(records.filter((r) => r.principal === 'a')).toHaveLength(200)
    expect(store.appendCalls).toBeGreaterThan(store.commits) // conflicts happened
    expect((await verifyStore(store, signer)).ok).toBe(true)
  })

  it('gives up after bounded conflict retries, failing closed', async () => {
    const inner = createMemoryAuditStore()
    await inner.open()
    let calls = 0
    const store = {
      ...inner,
      append: () => {
        calls++
        return Promise.reject(new StrongroomError('ERR_AUDIT_CONFLICT', 'moved'))
      },
    }
    const log = createAuditLog({ store, signer: testSigner() })
    const e = await failure(log.record(event(1)))
    expect((e as StrongroomError).code).toBe('ERR_AUDIT_UNAVAILABLE')
    expect(((e as StrongroomError).cause as StrongroomError).code).toBe('ERR_AUDIT_CONFLICT')
    expect(calls).toBe(10)
  })

  it('rejects events that are not well formed, listing every issue, and writes nothing', async () => {
    const { log, store } = await setup()
    const bad = {
      ...event(1),
      principal: 'bob\u0000',
      resources: [{ type: 'dataset', name: 'x'.repeat(513) }],
      rows: -1,
      note: 'a data value',
    } as unknown as AuditEventInput
    const e = (await failure(log.record(bad))) as StrongroomError
    expect(e.code).toBe('ERR_AUDIT_INVALID')
    expect(e.issues.map((i) => i.path).sort()).toEqual(
      ['note', 'principal', 'resources[0].name', 'rows'].sort(),
    )
    // No value appears in the error.
    expect(JSON.stringify(e.toJSON())).not.toContain('xxxxxxxx')
    const cases: Partial<Record<keyof AuditEventInput, unknown>>[] = [
      { action: '' },
      { decision: 'maybe' },
      { outcome: 'ok' },
      { policyIds: ['ok', 'line\nbreak'] },
      { client: { kind: 'cli', address: 'x'.repeat(600) } },
      { resources: [{ type: 'table', name: 'a' }] },
      { requestId: 'bad\u2028' },
      { purpose: 'lone \ud800' },
    ]
    for (const c of cases) {
      const err = await failure(log.record({ ...event(1), ...c } as AuditEventInput))
      expect((err as StrongroomError).code).toBe('ERR_AUDIT_INVALID')
    }
    expect(store.appendCalls).toBe(0)
  })

  it('close() flushes pending events; later calls fail closed', async () => {
    const { log, store } = await setup()
    const pending = Array.from({ length: 5 }, (_, i) => log.record(event(i)))
    await log.close()
    expect(store.snapshot().records).toHaveLength(5)
    await Promise.all(pending)
    const e = await failure(log.record(event(9)))
    expect((e as StrongroomError).code).toBe('ERR_AUDIT_UNAVAILABLE')
  })
})

describe('AuditLog checkpoints', () => {
  it('writes a signed checkpoint every N events, chained to the previous one', async () => {
    const { log, store, signer } = await setup({ checkpointEvery: 10 })
    for (let i = 0; i < 25; i++) await log.record(event(i))
    let cps = await store.listCheckpoints()
    expect(cps.map((c) => [c.number, c.seq])).toEqual([
      [1, 10],
      [2, 20],
    ])
    const manual = await log.checkpoint()
    expect(manual).toMatchObject({ number: 3, seq: 25, keyId: signer.keyId })
    expect(await log.checkpoint()).toBeUndefined() // nothing new since
    cps = await store.listCheckpoints()
    const records = store.snapshot().records
    for (const [i, c] of cps.entries()) {
      expect(c.hash).toBe(records[c.seq - 1]?.hash)
      expect(c.prevCheckpointHash).toBe(i === 0 ? GENESIS_HASH : checkpointHash(cps[i - 1]!))
      expect(c.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
      const sig = Buffer.from(c.signature, 'base64')
      expect(verify(null, checkpointSigningBytes(c), signer.publicKeyPem, sig)).toBe(true)
    }
    const result = await verifyStore(store, signer)
    expect(result).toMatchObject({ ok: true, eventsChecked: 25, checkpointsChecked: 3 })
  })

  it('a batch crossing the threshold gets one checkpoint at its head', async () => {
    const { log, store } = await setup({ checkpointEvery: 100 })
    await Promise.all(Array.from({ length: 250 }, (_, i) => log.record(event(i))))
    // Records resolve once durable; the checkpoint follows in the same flush.
    await log.flush()
    const cps = await store.listCheckpoints()
    expect(cps.map((c) => c.seq)).toEqual([250])
  })

  it('checkpoint() covers events recorded just before it', async () => {
    const { log } = await setup()
    const p = log.record(event(1))
    const cp = await log.checkpoint()
    await p
    expect(cp?.seq).toBe(1)
  })

  it('an automatic checkpoint failure does not fail the durable records; it is reported', async () => {
    const inner = createMemoryAuditStore()
    const errors: StrongroomError[] = []
    let failCheckpoint = true
    const store: MemoryAuditStore = {
      ...inner,
      appendCheckpoint: (c) =>
        failCheckpoint
          ? Promise.reject(new StrongroomError('ERR_AUDIT_UNAVAILABLE', 'disk full'))
          : inner.appendCheckpoint(c),
    }
    const { log } = await setup({
      store,
      checkpointEvery: 5,
      onCheckpointError: (e) => errors.push(e),
    })
    for (let i = 0; i < 5; i++) await log.record(event(i))
    await log.flush()
    expect(errors.map((e) => e.code)).toEqual(['ERR_AUDIT_UNAVAILABLE'])
    failCheckpoint = false
    await log.record(event(6)) // retried after the next write
    await log.flush()
    expect((await inner.listCheckpoints()).map((c) => c.seq)).toEqual([6])
  })

  it('two logs on one store keep a single checkpoint chain', async () => {
    const store = createMemoryAuditStore()
    const signer = testSigner()
    const { log: a } = await setup({ store, signer, checkpointEvery: 7 })
    const { log: b } = await setup({ store, signer, checkpointEvery: 7 })
    for (let i = 0; i < 30; i++) {
      await Promise.all([a.record(event(i)), b.record(event(i))])
    }
    await Promise.all([a.checkpoint(), b.checkpoint()])
    const result = await verifyStore(store, signer)
    expect(result.ok).toBe(true)
    expect(result.checkpointsChecked).toBeGreaterThanOrEqual(4)
  })
})
