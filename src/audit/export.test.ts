import { generateKeyPairSync, sign } from 'node:crypto'

import { beforeAll, describe, expect, it } from 'vitest'

import { createMemoryAuditStore } from '../../test/helpers/memory-audit-store.js'
import type { MemoryAuditStore } from '../../test/helpers/memory-audit-store.js'
import { isStrongroomError } from '../errors.js'
import { createAuditLog } from './audit-log.js'
import { exportAudit, parseAuditExport } from './export.js'
import { PUBLIC_KEY_META, auditKeyId } from './signing-key.js'
import type { AuditSigner } from './signing-key.js'
import { verifyAudit } from './verify.js'

function testSigner(): AuditSigner {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const publicKeyPem = publicKey.export({ format: 'pem', type: 'spki' }).toString()
  return { keyId: auditKeyId(publicKeyPem), publicKeyPem, sign: (b) => sign(null, b, privateKey) }
}

let store: MemoryAuditStore
let signer: AuditSigner

async function exportLines(from?: number, to?: number): Promise<string[]> {
  const lines: string[] = []
  await exportAudit(store, (l) => void lines.push(l), {
    ...(from === undefined ? {} : { from }),
    ...(to === undefined ? {} : { to }),
  })
  return lines
}

async function malformedLine(lines: string[]): Promise<number | string> {
  try {
    await parseAuditExport(lines)
  } catch (e) {
    if (isStrongroomError(e, 'ERR_AUDIT_EXPORT_MALFORMED')) return e.details.line as number
    return 'other error'
  }
  return 'parsed'
}

beforeAll(async () => {
  signer = testSigner()
  store = createMemoryAuditStore()
  await store.open()
  await store.setMeta(PUBLIC_KEY_META, signer.publicKeyPem)
  const log = createAuditLog({ store, signer, checkpointEvery: 10 })
  for (let i = 0; i < 25; i++) {
    await log.record({
      principal: 'p',
      action: 'dataset.read',
      resources: [{ type: 'dataset', name: 'a.b' }],
      decision: 'allow',
      policyIds: [],
      requestId: `r${i}`,
      outcome: 'success',
      client: { kind: 'server', address: '10.0.0.1' },
    })
  }
  await log.checkpoint()
})

describe('exportAudit / parseAuditExport', () => {
  it('writes a header, events in order, each checkpoint after the event it covers', async () => {
    const lines = await exportLines()
    expect(lines[0]).toBe(
      JSON.stringify({
        format: 'strongroom-audit-export',
        version: 1,
        publicKey: signer.publicKeyPem,
        keyId: signer.keyId,
      }),
    )
    const kinds = lines.slice(1).map((l) => {
      const v = JSON.parse(l) as {
        type: string
        record?: { seq: number }
        checkpoint?: { seq: number }
      }
      return v.type === 'event' ? `e${v.record?.seq}` : `c${v.checkpoint?.seq}`
    })
    expect(kinds.slice(9, 12)).toEqual(['e10', 'c10', 'e11'])
    expect(kinds.slice(-2)).toEqual(['e25', 'c25'])
    expect(kinds.filter((k) => k.startsWith('c'))).toEqual(['c10', 'c20', 'c25'])
    // Deterministic: the same trail exports to the same bytes.
    expect(await exportLines()).toEqual(lines)
  })

  it('round-trips: the parsed export verifies', async () => {
    const parsed = await parseAuditExport(await exportLines())
    expect(parsed.publicKeyPem).toBe(signer.publicKeyPem)
    expect(parsed.records).toEqual(store.snapshot().records)
    expect(parsed.checkpoints).toEqual(await store.listCheckpoints())
    const result = await verifyAudit(parsed)
    expect(result).toMatchObject({ ok: true, eventsChecked: 25, checkpointsChecked: 3 })
  })

  it('a range export carries its range and verifies as such', async () => {
    const lines = await exportLines(12, 21)
    const parsed = await parseAuditExport(lines)
    expect([parsed.from, parsed.to]).toEqual([12, 21])
    expect(parsed.records.map((r) => r.seq)).toEqual([12, 13, 14, 15, 16, 17, 18, 19, 20, 21])
    expect(parsed.checkpoints).toHaveLength(3) // all checkpoints, whatever the range
    expect((await verifyAudit(parsed)).ok).toBe(true)
  })

  it('names the line of anything malformed', async () => {
    const lines = await exportLines()
    const at = (i: number, text: string) => lines.map((l, j) => (j === i ? text : l))
    expect(await malformedLine(at(3, '{"type":"event","record":'))).toBe(4)
    expect(await malformedLine(at(3, '[1,2]'))).toBe(4)
    expect(await malformedLine(at(5, '{"type":"note"}'))).toBe(6)
    expect(await malformedLine(at(5, '{"type":"event","record":{"seq":"5"}}'))).toBe(6)
    expect(await malformedLine(at(5, '{"type":"event"}'))).toBe(6)
    expect(await malformedLine(at(11, '{"type":"checkpoint","checkpoint":{"number":1}}'))).toBe(12)
    expect(await malformedLine(at(0, '{"format":"other","version":1}'))).toBe(1)
    const header = JSON.parse(lines[0] ?? '') as Record<string, unknown>
    expect(await malformedLine(at(0, JSON.stringify({ ...header, version: 2 })))).toBe(1)
    expect(await malformedLine(at(0, JSON.stringify({ ...header, keyId: '00'.repeat(16) })))).toBe(
      1,
    )
    expect(await malformedLine(at(0, JSON.stringify({ ...header, publicKey: 'nope' })))).toBe(1)
    expect(await malformedLine([])).toBe(1)
    expect(await malformedLine(['', ...lines, ''])).toBe('parsed')
  })

  it('refuses to export a store without a public key', async () => {
    const empty = createMemoryAuditStore()
    await empty.open()
    await expect(
      exportAudit(empty, () => undefined).catch((e: unknown) =>
        isStrongroomError(e) ? e.code : 'other',
      ),
    ).resolves.toBe('ERR_AUDIT_INVALID')
  })
})
