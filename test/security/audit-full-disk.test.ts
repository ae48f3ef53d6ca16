/**
 * A full disk under the audit trail: the product fails closed on audit, so a write that
 * cannot be made durable must fail with ERR_AUDIT_UNAVAILABLE, leave the chain exactly as
 * it was (every record readable, no half batch), and work again once space is freed.
 * The SQLite audit store lives on a 1 MiB tmpfs mounted for the test (needs root, as in CI).
 */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtemp, mkdir, rm, unlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import type { AuditRecord } from '../../src/audit/audit-event.js'
import type { ChainHead } from '../../src/audit/audit-store.js'
import { createSqliteAuditStore } from '../../src/audit/sqlite/sqlite-audit-store.js'
import type { SqliteAuditStore } from '../../src/audit/sqlite/sqlite-audit-store.js'
import { isStrongroomError } from '../../src/errors.js'

/** Records per append: a failed append must leave none of its batch behind. */
const BATCH = 25

/** Bytes freed by deleting the filler: room for several more batches. */
const FILLER_BYTES = 256 * 1024

function tryMount(dir: string): string | false {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { stdio: 'ignore' })
    return false
  } catch {
    return 'cannot mount a small tmpfs here (needs root)'
  }
}

function batch(head: ChainHead | undefined): AuditRecord[] {
  const out: AuditRecord[] = []
  let prevHash = head?.hash ?? '0'.repeat(64)
  for (let seq = (head?.seq ?? 0) + 1; out.length < BATCH; seq++) {
    const hash = createHash('sha256').update(String(seq)).digest('hex')
    out.push({
      seq,
      time: new Date(Date.UTC(2024, 0, 1) + seq).toISOString(),
      principal: 'alice',
      action: 'dataset.read',
      resources: [{ type: 'dataset', name: 'crm.customers', version: seq }],
      // Bulk, so the disk fills in a few hundred appends rather than thousands.
      purpose: 'p'.repeat(400),
      decision: 'allow',
      policyIds: [],
      requestId: `req_${String(seq)}`,
      outcome: 'success',
      client: { kind: 'cli' },
      prevHash,
      hash,
    })
    prevHash = hash
  }
  return out
}

async function readAll(store: SqliteAuditStore): Promise<AuditRecord[]> {
  const out: AuditRecord[] = []
  for await (const r of store.read(1)) out.push(r)
  return out
}

describe('audit store on a full disk', () => {
  let dir: string
  let small: string
  let skip: string | false = false
  let store: SqliteAuditStore | undefined

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sr-audit-full-'))
    small = join(dir, 'small')
    await mkdir(small)
    skip = tryMount(small)
    if (skip !== false && process.env['STRONGROOM_REQUIRE_SERVICES'] === '1') throw new Error(skip)
  })
  afterAll(async () => {
    await store?.close()
    if (skip === false) execFileSync('umount', [small])
    await rm(dir, { recursive: true, force: true })
  })

  it('fails with ERR_AUDIT_UNAVAILABLE, keeps the chain whole, and recovers', async (ctx) => {
    if (skip !== false) ctx.skip(skip)
    const filler = join(small, 'filler')
    await writeFile(filler, Buffer.alloc(FILLER_BYTES, 1))
    store = createSqliteAuditStore({ path: join(small, 'audit', 'audit.db') })
    await store.open()

    const appended: AuditRecord[] = []
    let err: unknown
    // 1 MiB holds at most a few thousand 0.5 KiB records; the bound only stops a runaway.
    for (let i = 0; i < 1000 && err === undefined; i++) {
      const next = batch(await store.head())
      try {
        await store.append(next, await store.head())
        appended.push(...next)
      } catch (e) {
        err = e
      }
    }
    expect(isStrongroomError(err, 'ERR_AUDIT_UNAVAILABLE')).toBe(true)
    expect(appended.length).toBeGreaterThan(0)

    // The failed batch left nothing: the head is the last acknowledged record, and every
    // record up to it reads back whole and in order.
    const last = appended.at(-1)
    expect(await store.head()).toEqual({ seq: last?.seq, hash: last?.hash })
    expect(await readAll(store)).toEqual(appended)

    // A second handle (as after a restart) sees the same durable chain.
    const other = createSqliteAuditStore({ path: join(small, 'audit', 'audit.db') })
    await other.open()
    try {
      expect(await other.head()).toEqual(await store.head())
      expect((await readAll(other)).length).toBe(appended.length)
    } finally {
      await other.close()
    }

    // Space comes back: the chain continues from the same head.
    await unlink(filler)
    const more = batch(await store.head())
    await store.append(more, await store.head())
    expect(await store.head()).toEqual({ seq: more.at(-1)?.seq, hash: more.at(-1)?.hash })
    expect(await readAll(store)).toEqual([...appended, ...more])
  })
})
