import { generateKeyPairSync, sign } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { createMemoryAuditStore } from '../../test/helpers/memory-audit-store.js'
import { isStrongroomError } from '../errors.js'
import { createAuditLog } from './audit-log.js'
import { auditKeyId } from './signing-key.js'
import type { AuditSigner } from './signing-key.js'
import { createSqliteAuditStore } from './sqlite/sqlite-audit-store.js'
import type { SqliteAuditStore } from './sqlite/sqlite-audit-store.js'
import { verifyAudit, verifyAuditStore } from './verify.js'
import type { VerifyResult } from './verify.js'

const dir = mkdtempSync(join(tmpdir(), 'strongroom-verify-store-'))
const path = join(dir, 'audit.db')
let signer: AuditSigner
let store: SqliteAuditStore
let pristine: { seq: number; json: string }[] = []

function testSigner(): AuditSigner {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const publicKeyPem = publicKey.export({ format: 'pem', type: 'spki' }).toString()
  return { keyId: auditKeyId(publicKeyPem), publicKeyPem, sign: (b) => sign(null, b, privateKey) }
}

/** Runs `change` on the database file, then restores every row as it was. */
function tampered(change: (db: Database.Database) => void): void {
  const db = new Database(path)
  try {
    db.exec('DELETE FROM audit_events')
    const insert = db.prepare(
      "INSERT INTO audit_events (seq, hash, time, principal, action, json) VALUES (?, '', 0, '', '', ?)",
    )
    for (const r of pristine) insert.run(r.seq, r.json)
    change(db)
  } finally {
    db.close()
  }
}

function setJson(db: Database.Database, seq: number, json: string): void {
  db.prepare('UPDATE audit_events SET json = ? WHERE seq = ?').run(json, seq)
}

function jsonOf(db: Database.Database, seq: number): string {
  const row = db.prepare('SELECT json FROM audit_events WHERE seq = ?').get(seq) as
    { json: string } | undefined
  if (row === undefined) throw new Error(`no row ${seq}`)
  return row.json
}

/** Both ways of verifying the store; asserts they agree and returns the result. */
async function both(range: { from?: number; to?: number } = {}): Promise<VerifyResult> {
  const viaRead = await verifyAudit({
    records: store.read(range.from ?? 1, range.to),
    checkpoints: await store.listCheckpoints(),
    publicKeyPem: signer.publicKeyPem,
    ...range,
  })
  const viaText = await verifyAuditStore({ store, publicKeyPem: signer.publicKeyPem, ...range })
  expect(viaText).toEqual(viaRead)
  return viaText
}

const brief = (r: VerifyResult) => r.problems.map((p) => [p.kind, p.seq, p.checkpoint])

beforeAll(async () => {
  signer = testSigner()
  store = createSqliteAuditStore({ path })
  await store.open()
  const log = createAuditLog({ store, signer, checkpointEvery: 10 })
  for (let i = 0; i < 50; i += 5) {
    await Promise.all(
      Array.from({ length: 5 }, (_, j) =>
        log.record({
          principal: j === 4 ? 'Zoë "quoted" \\ 😀' : `user${j}`,
          action: 'dataset.read',
          resources: [{ type: 'dataset', name: 'crm.customers', version: i + j }],
          decision: 'allow',
          policyIds: ['default'],
          requestId: `req_${i + j}`,
          outcome: 'success',
          rows: i + j,
          client: { kind: 'library' },
        }),
      ),
    )
  }
  await log.close()
  const db = new Database(path, { readonly: true })
  pristine = db.prepare('SELECT seq, json FROM audit_events ORDER BY seq').all() as {
    seq: number
    json: string
  }[]
  db.close()
})

afterAll(async () => {
  await store.close()
  await rm(dir, { recursive: true, force: true })
})

describe('verifyAuditStore (records hashed from their stored text)', () => {
  it('verifies an untouched store, whole and by range, like verifyAudit over read', async () => {
    tampered(() => undefined)
    expect(await both()).toMatchObject({ ok: true, eventsChecked: 50, checkpointsChecked: 5 })
    expect(await both({ from: 12, to: 31 })).toMatchObject({ ok: true, eventsChecked: 20 })
  })

  it('names an edited record, on the fast path and on the slow one', async () => {
    tampered((db) => {
      setJson(db, 3, jsonOf(db, 3).replace('"library"', '"cli"'))
      // Record 5 has quotes and a backslash: its text takes the slow path.
      setJson(db, 5, jsonOf(db, 5).replace('"library"', '"cli"'))
    })
    expect(brief(await both())).toEqual([
      ['edited', 3, undefined],
      ['edited', 5, undefined],
    ])
  })

  it('accepts the same record written differently (member order, spaces, escapes)', async () => {
    tampered((db) => {
      const r = JSON.parse(jsonOf(db, 7)) as Record<string, unknown>
      setJson(db, 7, JSON.stringify(Object.fromEntries(Object.entries(r).reverse())))
      setJson(db, 8, JSON.stringify(JSON.parse(jsonOf(db, 8)), null, 1))
      setJson(db, 9, jsonOf(db, 9).replace('"user3"', '"\\u0075ser3"'))
    })
    expect((await both()).ok).toBe(true)
  })

  it('names a duplicate member, a re-hashed edit, deletions and reordering', async () => {
    tampered((db) => {
      // JSON.parse keeps the last of two equal names: the record now reads "cli".
      setJson(db, 11, jsonOf(db, 11).replace('}', ',"client":{"kind":"cli"}}'))
      setJson(db, 12, jsonOf(db, 12).replace(/"hash":"[0-9a-f]{64}"/, `"hash":"${'0'.repeat(64)}"`))
      db.prepare('DELETE FROM audit_events WHERE seq IN (20, 21)').run()
      const a = jsonOf(db, 33)
      setJson(db, 33, jsonOf(db, 34))
      setJson(db, 34, a)
      db.prepare('DELETE FROM audit_events WHERE seq > 45').run()
    })
    const r = await both()
    expect(r.ok).toBe(false)
    expect(brief(r)).toEqual([
      ['edited', 11, undefined],
      ['edited', 12, undefined],
      ['broken-link', 13, undefined],
      ['reordered', 33, undefined],
      ['missing', 20, undefined],
      ['truncated', 46, 5],
    ])
  })

  it('fails like read on a record that is not JSON (ERR_AUDIT_UNAVAILABLE)', async () => {
    tampered((db) => setJson(db, 4, '{"seq":4,'))
    const err = await verifyAuditStore({ store, publicKeyPem: signer.publicKeyPem }).catch(
      (e: unknown) => e,
    )
    expect(isStrongroomError(err) && err.code).toBe('ERR_AUDIT_UNAVAILABLE')
    expect(isStrongroomError(err) && err.details.seq).toBe(4)
    tampered(() => undefined)
  })

  it('reads with read() from a store without readText, and stops when aborted', async () => {
    const memory = createMemoryAuditStore()
    await memory.open()
    const log = createAuditLog({ store: memory, signer, checkpointEvery: 3 })
    for (let i = 0; i < 7; i++) {
      await log.record({
        principal: 'svc',
        action: 'dataset.read',
        resources: [],
        decision: 'allow',
        policyIds: [],
        requestId: `r${i}`,
        outcome: 'success',
        client: { kind: 'library' },
      })
    }
    await log.close()
    expect('readText' in memory).toBe(false)
    const r = await verifyAuditStore({ store: memory, publicKeyPem: signer.publicKeyPem })
    expect(r).toMatchObject({ ok: true, eventsChecked: 7, checkpointsChecked: 2 })
    const controller = new AbortController()
    controller.abort(new Error('stop'))
    await expect(
      verifyAuditStore({ store, publicKeyPem: signer.publicKeyPem, signal: controller.signal }),
    ).rejects.toThrow('stop')
  })
})
