import { generateKeyPairSync, sign } from 'node:crypto'

import { beforeAll, describe, expect, it } from 'vitest'

import { createMemoryAuditStore } from '../../test/helpers/memory-audit-store.js'
import { isStrongroomError } from '../errors.js'
import type { AuditCheckpoint, AuditRecord } from './audit-event.js'
import { createAuditLog } from './audit-log.js'
import { GENESIS_HASH, hashRecord } from './chain.js'
import { auditKeyId } from './signing-key.js'
import type { AuditSigner } from './signing-key.js'
import { verifyAudit } from './verify.js'
import type { VerifyResult } from './verify.js'

function testSigner(): AuditSigner {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const publicKeyPem = publicKey.export({ format: 'pem', type: 'spki' }).toString()
  return { keyId: auditKeyId(publicKeyPem), publicKeyPem, sign: (b) => sign(null, b, privateKey) }
}

let signer: AuditSigner
let records: AuditRecord[]
let checkpoints: AuditCheckpoint[]

beforeAll(async () => {
  signer = testSigner()
  const store = createMemoryAuditStore()
  await store.open()
  const log = createAuditLog({ store, signer, checkpointEvery: 20 })
  for (let i = 0; i < 100; i += 5) {
    await Promise.all(
      Array.from({ length: 5 }, (_, j) =>
        log.record({
          principal: 'svc',
          action: 'dataset.ingest',
          resources: [{ type: 'dataset', name: 'a.b' }],
          decision: 'allow',
          policyIds: [],
          requestId: `r${i + j}`,
          outcome: 'success',
          client: { kind: 'library' },
        }),
      ),
    )
  }
  await log.close()
  ;({ records, checkpoints } = store.snapshot())
})

const run = (
  r: Iterable<AuditRecord> | AsyncIterable<AuditRecord>,
  c: AuditCheckpoint[] = checkpoints,
  range: { from?: number; to?: number } = {},
): Promise<VerifyResult> =>
  verifyAudit({ records: r, checkpoints: c, publicKeyPem: signer.publicKeyPem, ...range })

const brief = (r: VerifyResult) => r.problems.map((p) => [p.kind, p.seq, p.checkpoint])

describe('verifyAudit', () => {
  it('accepts an intact trail from an array or an async iterable', async () => {
    expect(checkpoints.map((c) => c.seq)).toEqual([20, 40, 60, 80, 100])
    const expected = {
      ok: true,
      eventsChecked: 100,
      checkpointsChecked: 5,
      firstSeq: 1,
      lastSeq: 100,
      problems: [],
    }
    expect(await run(records)).toEqual(expected)
    async function* stream() {
      for (const r of records) yield await Promise.resolve(r)
    }
    expect(await run(stream())).toEqual(expected)
  })

  it('an empty trail verifies; checkpoints without events are a truncation', async () => {
    expect(await run([], [])).toMatchObject({ ok: true, eventsChecked: 0, firstSeq: undefined })
    const r = await run([], checkpoints)
    expect(brief(r)).toEqual([['truncated', 1, 5]])
  })

  it('names a missing range as "events 40-59 missing"', async () => {
    const r = await run(records.filter((x) => x.seq < 40 || x.seq > 59))
    expect(r.problems).toEqual([{ kind: 'missing', seq: 40, message: 'events 40-59 missing' }])
  })

  it('verifies a range: first prevHash taken as given, inside checkpoints still matched', async () => {
    const slice = records.filter((x) => x.seq >= 30 && x.seq <= 70)
    expect(await run(slice, checkpoints, { from: 30, to: 70 })).toMatchObject({
      ok: true,
      eventsChecked: 41,
      firstSeq: 30,
      lastSeq: 70,
    })
    // Records outside the range are ignored even if given.
    expect((await run(records, checkpoints, { from: 30, to: 70 })).eventsChecked).toBe(41)
    // A rewritten chain inside the range still fails its checkpoint (seq 40 and 60).
    const forged = rewriteFrom(slice, 35)
    expect(brief(await run(forged, checkpoints, { from: 30, to: 70 }))).toEqual([
      ['checkpoint-mismatch', 40, 2],
      ['checkpoint-mismatch', 60, 3],
    ])
  })

  it('without a range, the first event must link to the genesis hash', async () => {
    const first = records[0] as AuditRecord
    const body = { ...first, prevHash: '11'.repeat(32) }
    const forged = { ...body, hash: hashRecord(body, body.prevHash) }
    expect(brief(await run([forged, ...records.slice(1)]))).toEqual([
      ['broken-link', 1, undefined],
      ['broken-link', 2, undefined],
    ])
  })

  it('reports duplicates and out-of-order events', async () => {
    const r10 = records[9] as AuditRecord
    expect(brief(await run([...records.slice(0, 50), r10, ...records.slice(50)]))).toEqual([
      ['duplicate', 10, undefined],
    ])
    const moved = [...records.slice(0, 9), ...records.slice(10, 20), r10, ...records.slice(20)]
    expect(brief(await run(moved))).toEqual([['reordered', 10, undefined]])
  })

  it('reports a checkpoint gap and a non-genesis first checkpoint', async () => {
    expect(
      brief(
        await run(
          records,
          checkpoints.filter((c) => c.number !== 3),
        ),
      ),
    ).toEqual([['checkpoint-chain', undefined, 4]])
    expect(brief(await run(records, checkpoints.slice(1)))).toEqual([
      ['checkpoint-chain', undefined, 2],
    ])
  })

  it('a record with an invalid seq is reported, not thrown', async () => {
    const bad = { ...(records[0] as AuditRecord), seq: 1.5 }
    const r = await run([bad, ...records.slice(1)])
    expect(r.problems[0]?.kind).toBe('edited')
  })

  it('refuses a public key that is not Ed25519', async () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const pem = publicKey.export({ format: 'pem', type: 'spki' }).toString()
    await expect(
      verifyAudit({ records, checkpoints, publicKeyPem: pem }).catch((e: unknown) =>
        isStrongroomError(e) ? e.code : 'other',
      ),
    ).resolves.toBe('ERR_AUDIT_INVALID')
  })
})

/** An attacker without the key: edits event `seq` and recomputes every later hash. */
function rewriteFrom(list: AuditRecord[], seq: number): AuditRecord[] {
  const out: AuditRecord[] = []
  let prev = GENESIS_HASH
  for (const r of list) {
    if (r.seq < seq) {
      out.push(r)
      prev = r.hash
      continue
    }
    const body = { ...r, prevHash: prev, principal: r.seq === seq ? 'mallory' : r.principal }
    const hash = hashRecord(body, prev)
    out.push({ ...body, hash })
    prev = hash
  }
  return out
}
