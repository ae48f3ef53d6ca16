/**
 * Access control end to end: every decision is proven through a real read of a real lake
 * (ingest → catalog → Cedar → plan → DuckDB → masks), with the exact rows, columns and cells
 * each principal gets back. Each principal is its own `Strongroom` handle on the same lake.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSqliteCatalog } from '../../src/catalog/sqlite/sqlite-catalog.js'
import type { Catalog } from '../../src/catalog/catalog.js'
import { createAccessControl } from '../../src/lake/access-control.js'
import { accessUnused, type UnusedAccess } from '../../src/lake/access-review.js'
import type { AuditRecord } from '../../src/audit/audit-event.js'
import type { LakeContext } from '../../src/lake/context.js'
import {
  createStrongroom,
  isStrongroomError,
  type RecordBatch,
  type Strongroom,
} from '../../src/index.js'
import { PASSPHRASE, csvOf, newLake, tempDir } from './helpers.js'

/** What a read returned: column names and rows (int64 cells as numbers, for readability). */
interface Read {
  readonly columns: string[]
  readonly rows: unknown[][]
}

async function readAll(batches: AsyncIterable<RecordBatch>): Promise<Read> {
  let columns: string[] = []
  const rows: unknown[][] = []
  for await (const b of batches) {
    columns = b.columns.map((c) => c.name)
    for (let r = 0; r < b.rowCount; r++) {
      rows.push(b.values.map((col) => (typeof col[r] === 'bigint' ? Number(col[r]) : col[r])))
    }
  }
  return { columns, rows }
}

/** The error a promise rejects with (fails the test when it resolves). */
async function failure(
  p: Promise<unknown>,
): Promise<{ code: string; message: string; e: unknown }> {
  try {
    await p
  } catch (e) {
    return isStrongroomError(e)
      ? { code: e.code, message: e.message, e }
      : { code: `non-strongroom: ${String(e)}`, message: String(e), e }
  }
  throw new Error('expected a rejection')
}

/** The id column of a read, sorted: row filters are compared on it. */
function ids(r: Read): number[] {
  const at = r.columns.indexOf('id')
  return r.rows.map((row) => Number(row[at])).sort((a, b) => a - b)
}

/**
 * Synthetic customers. The values are distinctive so the audit trail can be searched for
 * them: none may ever appear there.
 */
const CUSTOMERS = [
  ['id', 'name', 'email', 'ssn', 'region', 'score'],
  [1, 'Adaline Quexample', 'adaline@example.test', '123-45-6789', 'eu', 10],
  [2, 'Bertram Quexample', 'bertram@example.test', '234-56-7890', 'us', 20],
  [3, 'Cyrilla Quexample', 'cyrilla@example.test', '345-67-8901', '', 30],
  [4, 'Dorotea Quexample', 'dorotea@example.test', '456-78-9012', 'eu', 40],
] as const

/** Cell values that must never leave the lake through an audit event. */
const SECRETS = CUSTOMERS.slice(1).flatMap((r) => [r[1], r[2], r[3]])

/**
 * Runs `fn` with `accessUnused` over the lake's own catalog (a second connection), acting as
 * `admin`, with an injected clock and audit trail: the Strongroom method uses the real clock,
 * and a grant made minutes ago is never older than a window of whole days.
 */
async function withUnused(
  admin: Strongroom,
  fn: (
    unused: (days: number, trail: readonly AuditRecord[], now: Date) => Promise<UnusedAccess>,
  ) => Promise<void>,
): Promise<void> {
  const config = admin.config.catalog
  if (config.kind !== 'sqlite') throw new Error('these tests use the embedded catalog')
  const catalog: Catalog = createSqliteCatalog({ path: config.path })
  await catalog.open()
  try {
    // accessUnused reads only the catalog and the access control of its context.
    const ctx = {
      catalog,
      access: createAccessControl(catalog, 'alice'),
    } as unknown as LakeContext
    await fn((days, trail, now) =>
      accessUnused(
        ctx,
        days,
        (q) => Promise.resolve(trail.filter((e) => e.principal === q.principal)),
        now,
      ),
    )
  } finally {
    await catalog.close()
  }
}

async function open(root: string, principal: string): Promise<Strongroom> {
  return createStrongroom({ root, passphrase: PASSPHRASE, principal })
}

describe('access control through the lake: columns, tags, purpose, export, audit, review', () => {
  let dir: string
  let cleanup: () => Promise<void>
  let root: string
  let csv: string
  // alice created the lake (admin, clearance high); olga owns the datasets; rita is a reader
  // with clearance medium; lowe a reader with clearance low; nobody has no role at all.
  let alice: Strongroom
  let olga: Strongroom
  let rita: Strongroom
  let lowe: Strongroom
  let nobody: Strongroom

  beforeAll(async () => {
    ;({ dir, cleanup } = await tempDir('sr-access-'))
    root = join(dir, 'lake')
    csv = join(dir, 'customers.csv')
    await writeFile(csv, csvOf(CUSTOMERS))
    alice = await newLake(root, { principal: 'alice' })
    await alice.addPrincipal('olga')
    await alice.addPrincipal('rita', { clearance: 'medium', region: 'eu' })
    await alice.addPrincipal('lowe', { clearance: 'low' })
    await alice.addPrincipal('nobody', { clearance: 'high' })
    await alice.grantRole('rita', 'reader')
    await alice.grantRole('lowe', 'reader')
    ;[olga, rita, lowe, nobody] = await Promise.all([
      open(root, 'olga'),
      open(root, 'rita'),
      open(root, 'lowe'),
      open(root, 'nobody'),
    ])
    // Classified by hand so the expectations do not hang on detection of four rows.
    await olga.ingest(csv, { dataset: 'crm.customers', classify: false })
    await alice.classify('crm.customers', {
      column: 'email',
      entityType: 'EMAIL_ADDRESS',
      sensitivity: 'medium',
    })
    await alice.classify('crm.customers', {
      column: 'ssn',
      entityType: 'US_SSN',
      sensitivity: 'high',
    })
    await alice.tag('crm.customers', ['region=eu', 'sensitivity=medium'])
    await olga.ingest(csv, { dataset: 'pub.open', classify: false })
  })
  afterAll(async () => {
    for (const h of [nobody, lowe, rita, olga, alice]) await h?.close()
    await cleanup()
  })

  it('the owner reads plaintext except US_SSN, masked to its last four until granted ssn-reader', async () => {
    const r = await readAll(olga.read('crm.customers', { purpose: 'analytics' }))
    expect(r.columns).toEqual(['id', 'name', 'email', 'ssn', 'region', 'score'])
    expect(r.rows).toEqual([
      [1, 'Adaline Quexample', 'adaline@example.test', '***-**-6789', 'eu', 10],
      [2, 'Bertram Quexample', 'bertram@example.test', '***-**-7890', 'us', 20],
      [3, 'Cyrilla Quexample', 'cyrilla@example.test', '***-**-8901', null, 30],
      [4, 'Dorotea Quexample', 'dorotea@example.test', '***-**-9012', 'eu', 40],
    ])
    expect(await alice.grantRole('olga', 'ssn-reader')).toBe(true)
    const clear = await readAll(olga.read('crm.customers', { purpose: 'analytics' }))
    expect(clear.rows.map((row) => row[3])).toEqual([
      '123-45-6789',
      '234-56-7890',
      '345-67-8901',
      '456-78-9012',
    ])
    // Revoked: masked again on the very next read.
    expect(await alice.revokeRole('olga', 'ssn-reader')).toBe(true)
    const again = await readAll(olga.read('crm.customers', { purpose: 'analytics', limit: 1 }))
    expect(again.rows).toEqual([
      [1, 'Adaline Quexample', 'adaline@example.test', '***-**-6789', 'eu', 10],
    ])
  })

  it('an administrator who does not own the dataset reads nothing, yet lists and shows it', async () => {
    const e = await failure(readAll(alice.read('crm.customers', { purpose: 'analytics' })))
    expect(e.code).toBe('ERR_AUTHZ_DENIED')
    expect((await alice.list()).map((d) => d.dataset)).toEqual(['crm.customers', 'pub.open'])
    const show = await alice.show('crm.customers')
    expect(show.schema.columns.map((c) => c.name)).toEqual([
      'id',
      'name',
      'email',
      'ssn',
      'region',
      'score',
    ])
    // Nor may the administrator write the dataset to a file.
    const out = join(dir, 'admin.csv')
    const x = await failure(
      alice.readToFile('crm.customers', { purpose: 'analytics', format: 'csv', out }),
    )
    expect(x.code).toBe('ERR_AUTHZ_DENIED')
    await expect(readFile(out)).rejects.toThrow()
  })

  it('a reader gets protected columns masked, columns above its clearance hidden, the rest in clear', async () => {
    const r = await readAll(rita.read('crm.customers', { purpose: 'analytics' }))
    // ssn is sensitivity high, above rita's medium: left out. email is masked to its type.
    expect(r.columns).toEqual(['id', 'name', 'email', 'region', 'score'])
    expect(r.rows).toEqual([
      [1, 'Adaline Quexample', '<EMAIL_ADDRESS>', 'eu', 10],
      [2, 'Bertram Quexample', '<EMAIL_ADDRESS>', 'us', 20],
      [3, 'Cyrilla Quexample', '<EMAIL_ADDRESS>', null, 30],
      [4, 'Dorotea Quexample', '<EMAIL_ADDRESS>', 'eu', 40],
    ])
    // Naming a hidden column is a denial, not a silent omission.
    const e = await failure(
      readAll(rita.read('crm.customers', { purpose: 'analytics', columns: ['id', 'ssn'] })),
    )
    expect(e.code).toBe('ERR_AUTHZ_DENIED')
    expect(e.message).toContain('ssn')
  })

  it('a reader whose clearance is below the dataset sensitivity is denied and gets no rows', async () => {
    const e = await failure(readAll(lowe.read('crm.customers', { purpose: 'analytics' })))
    expect(e.code).toBe('ERR_AUTHZ_DENIED')
    // The untagged dataset (sensitivity none) is within lowe's clearance.
    const open = await readAll(lowe.read('pub.open', { purpose: 'analytics', columns: ['id'] }))
    expect(open.rows).toEqual([[1], [2], [3], [4]])
  })

  it('list shows only the datasets the principal may list', async () => {
    expect((await rita.list()).map((d) => d.dataset)).toEqual(['crm.customers', 'pub.open'])
    expect((await lowe.list()).map((d) => d.dataset)).toEqual(['pub.open'])
    expect((await nobody.list()).map((d) => d.dataset)).toEqual([])
    expect((await olga.list()).map((d) => d.dataset)).toEqual(['crm.customers', 'pub.open'])
  })

  it('without list rights "does not exist" and "not allowed" are the same answer', async () => {
    const denied = await failure(readAll(nobody.read('crm.customers', { purpose: 'analytics' })))
    const missing = await failure(readAll(nobody.read('crm.missing', { purpose: 'analytics' })))
    expect(denied.code).toBe('ERR_AUTHZ_DENIED')
    expect(missing.code).toBe('ERR_AUTHZ_DENIED')
    expect(missing.message.replace('crm.missing', 'X')).toBe(
      denied.message.replace('crm.customers', 'X'),
    )
    const detailsOf = (x: { e: unknown }) =>
      isStrongroomError(x.e) ? { ...x.e.details, dataset: 'X' } : undefined
    expect(detailsOf(missing)).toEqual(detailsOf(denied))
    // show, too: a listing refused is the same for both.
    const s1 = await failure(nobody.show('crm.customers'))
    const s2 = await failure(nobody.show('crm.missing'))
    expect([s1.code, s2.code]).toEqual(['ERR_AUTHZ_DENIED', 'ERR_AUTHZ_DENIED'])
    // lowe may list some datasets but not the lake: a missing one is still a denial.
    const lm = await failure(readAll(lowe.read('crm.missing', { purpose: 'analytics' })))
    expect(lm.code).toBe('ERR_AUTHZ_DENIED')
    // An administrator may list the lake, so it is told the dataset is missing.
    const am = await failure(readAll(alice.read('crm.missing', { purpose: 'analytics' })))
    expect(am.code).toBe('ERR_DATASET_NOT_FOUND')
  })

  it('a column tagged pii later is masked for the reader with no policy change', async () => {
    const before = await readAll(rita.read('crm.customers', { purpose: 'analytics' }))
    expect(before.rows.map((r) => r[1])).toEqual([
      'Adaline Quexample',
      'Bertram Quexample',
      'Cyrilla Quexample',
      'Dorotea Quexample',
    ])
    await alice.tag('crm.customers', ['pii'], { column: 'name' })
    await alice.tag('crm.customers', ['pii'], { column: 'score' })
    const after = await readAll(rita.read('crm.customers', { purpose: 'analytics' }))
    expect(after.columns).toEqual(['id', 'name', 'email', 'region', 'score'])
    // Text without a classification becomes <REDACTED>; a protected number becomes NULL.
    expect(after.rows).toEqual([
      [1, '<REDACTED>', '<EMAIL_ADDRESS>', 'eu', null],
      [2, '<REDACTED>', '<EMAIL_ADDRESS>', 'us', null],
      [3, '<REDACTED>', '<EMAIL_ADDRESS>', null, null],
      [4, '<REDACTED>', '<EMAIL_ADDRESS>', 'eu', null],
    ])
    // The owner reads them in clear: pii needs readPlaintext, which owners have.
    const owner = await readAll(olga.read('crm.customers', { purpose: 'analytics', limit: 1 }))
    expect(owner.rows[0]).toEqual([
      1,
      'Adaline Quexample',
      'adaline@example.test',
      '***-**-6789',
      'eu',
      10,
    ])
    // Untagged again: back in clear.
    await alice.tag('crm.customers', [], { column: 'name' })
    await alice.tag('crm.customers', [], { column: 'score' })
    const undone = await readAll(rita.read('crm.customers', { purpose: 'analytics', limit: 1 }))
    expect(undone.rows).toEqual([[1, 'Adaline Quexample', '<EMAIL_ADDRESS>', 'eu', 10]])
  })

  it('a dataset tagged pii masks every column for the reader, unless a column says pii=false', async () => {
    await alice.tag('pub.open', ['pii'])
    await alice.tag('pub.open', ['pii=false'], { column: 'id' })
    const r = await readAll(
      lowe.read('pub.open', { purpose: 'analytics', columns: ['id', 'name', 'region', 'score'] }),
    )
    expect(r.rows).toEqual([
      [1, '<REDACTED>', '<REDACTED>', null],
      [2, '<REDACTED>', '<REDACTED>', null],
      [3, '<REDACTED>', null, null],
      [4, '<REDACTED>', '<REDACTED>', null],
    ])
    await alice.tag('pub.open', [])
    await alice.tag('pub.open', [], { column: 'id' })
  })

  it('a column added in a later version is governed by its classification', async () => {
    const v1 = join(dir, 'contacts-v1.csv')
    const v2 = join(dir, 'contacts-v2.csv')
    await writeFile(
      v1,
      csvOf([
        ['id', 'city'],
        [1, 'Lisbon'],
        [2, 'Oslo'],
      ]),
    )
    await writeFile(
      v2,
      csvOf([
        ['id', 'city', 'contact'],
        [1, 'Lisbon', 'lisbon.desk@example.test'],
        [2, 'Oslo', 'oslo.desk@example.test'],
        [3, 'Turin', 'turin.desk@example.test'],
      ]),
    )
    await olga.ingest(v1, { dataset: 'crm.contacts', classify: false })
    const first = await readAll(lowe.read('crm.contacts', { purpose: 'analytics' }))
    expect(first).toEqual({
      columns: ['id', 'city'],
      rows: [
        [1, 'Lisbon'],
        [2, 'Oslo'],
      ],
    })
    // Version 2 brings a column nobody wrote a policy for; ingest classifies it.
    const r = await olga.ingest(v2, { dataset: 'crm.contacts', mode: 'overwrite' })
    expect(r.version).toBe(2)
    const meta = await alice.metadata('crm.contacts')
    const contact = meta.classifications.find((c) => c.column === 'contact')
    expect(contact?.entityType).toBe('EMAIL_ADDRESS')
    expect(['medium', 'high']).toContain(contact?.sensitivity)
    const second = await readAll(rita.read('crm.contacts', { purpose: 'analytics' }))
    expect(second.columns).toEqual(['id', 'city', 'contact'])
    expect(second.rows.map((row) => row[2])).toEqual([
      '<EMAIL_ADDRESS>',
      '<EMAIL_ADDRESS>',
      '<EMAIL_ADDRESS>',
    ])
    expect(second.rows.map((row) => row[0])).toEqual([1, 2, 3])
    // For lowe (clearance low) the detected e-mail column (medium) is above clearance: hidden.
    const low = await readAll(lowe.read('crm.contacts', { purpose: 'analytics' }))
    expect(low.columns).not.toContain('contact')
    expect(ids(low)).toEqual([1, 2, 3])
    // The old version stays readable with the columns it had.
    const old = await readAll(rita.read('crm.contacts', { purpose: 'analytics', version: 1 }))
    expect(old.columns).toEqual(['id', 'city'])
  })

  it('every read states a purpose; training needs a dataset whose purposes include training', async () => {
    const none = await failure(readAll(rita.read('crm.customers', {})))
    expect(none.code).toBe('ERR_USAGE_INVALID_ARGUMENT')
    const empty = await failure(readAll(rita.read('crm.customers', { purpose: '' })))
    expect(empty.code).toBe('ERR_USAGE_INVALID_ARGUMENT')
    const odd = await failure(readAll(rita.read('crm.customers', { purpose: "x' or 1=1" })))
    expect(odd.code).toBe('ERR_USAGE_INVALID_ARGUMENT')
    const training = await failure(readAll(rita.read('crm.customers', { purpose: 'training' })))
    expect(training.code).toBe('ERR_AUTHZ_DENIED')
    // rita may list the dataset, so the guardrail is named.
    expect(training.message).toContain('guardrail-purpose-training-dataset')
    // The owner is bound by the guardrail too.
    const owner = await failure(readAll(olga.read('crm.customers', { purpose: 'training' })))
    expect(owner.code).toBe('ERR_AUTHZ_DENIED')
    await alice.tag('crm.customers', [
      'region=eu',
      'sensitivity=medium',
      'purposes=training,analytics',
    ])
    const ok = await readAll(rita.read('crm.customers', { purpose: 'training', columns: ['id'] }))
    expect(ok.rows).toEqual([[1], [2], [3], [4]])
    await alice.tag('crm.customers', ['region=eu', 'sensitivity=medium'])
    const back = await failure(readAll(rita.read('crm.customers', { purpose: 'training' })))
    expect(back.code).toBe('ERR_AUTHZ_DENIED')
  })

  it('an export leaves only for the dataset region (guardrail-export-region)', async () => {
    const us = join(dir, 'export-us.csv')
    const e = await failure(
      olga.readToFile('crm.customers', {
        purpose: 'analytics',
        format: 'csv',
        out: us,
        export: { destinationRegion: 'us' },
      }),
    )
    expect(e.code).toBe('ERR_AUTHZ_DENIED')
    expect(e.message).toContain('guardrail-export-region')
    await expect(readFile(us)).rejects.toThrow()
    const eu = join(dir, 'export-eu.csv')
    const r = await olga.readToFile('crm.customers', {
      purpose: 'analytics',
      format: 'csv',
      out: eu,
      columns: ['id', 'email', 'ssn'],
      export: { destinationRegion: 'eu' },
    })
    expect(r.rows).toBe(4)
    expect(r.policyIds).toContain('owner-dataset-access')
    const text = await readFile(eu, 'utf8')
    expect(text.trim().split('\n')).toEqual([
      'id,email,ssn',
      '1,adaline@example.test,***-**-6789',
      '2,bertram@example.test,***-**-7890',
      '3,cyrilla@example.test,***-**-8901',
      '4,dorotea@example.test,***-**-9012',
    ])
    // A reader holds no export permission at all, whatever the region.
    const reader = await failure(
      rita.readToFile('crm.customers', {
        purpose: 'analytics',
        format: 'csv',
        out: join(dir, 'reader.csv'),
        export: { destinationRegion: 'eu' },
      }),
    )
    expect(reader.code).toBe('ERR_AUTHZ_DENIED')
  })

  it('audit events carry the decision and deciding policies, never a cell value', async () => {
    await readAll(rita.read('crm.customers', { purpose: 'analytics', columns: ['id', 'email'] }))
    await failure(readAll(lowe.read('crm.customers', { purpose: 'support' })))
    const events = await alice.auditQuery({ dataset: 'crm.customers' })
    const reads = events.filter((e) => e.principal === 'rita' && e.action === 'dataset.read')
    const ok = reads.filter((e) => e.outcome === 'success').at(-1)
    expect(ok).toMatchObject({ decision: 'allow', purpose: 'analytics', rows: 4 })
    expect([...(ok?.policyIds ?? [])].sort()).toEqual([
      'reader-column-by-clearance',
      'reader-dataset-by-clearance',
    ])
    const denied = events
      .filter((e) => e.principal === 'lowe' && e.action === 'dataset.read')
      .filter((e) => e.outcome === 'failure')
      .at(-1)
    expect(denied).toMatchObject({
      decision: 'deny',
      errorCode: 'ERR_AUTHZ_DENIED',
      purpose: 'support',
    })
    // A denied read never started: no `started` event precedes its failure.
    expect(
      events.filter(
        (e) => e.principal === 'lowe' && e.action === 'dataset.read' && e.outcome === 'started',
      ),
    ).toEqual([])
    const ownerReads = events.filter(
      (e) => e.principal === 'olga' && e.action === 'dataset.read' && e.outcome === 'success',
    )
    expect(ownerReads.length).toBeGreaterThan(0)
    for (const e of ownerReads) expect(e.policyIds).toContain('owner-column-access')
    // Nothing in the whole trail holds a value of the data.
    const all = JSON.stringify(await alice.auditQuery({}))
    for (const secret of SECRETS) expect(all).not.toContain(secret)
  })

  it('access review lists per principal and column: plaintext, masked or hidden, and the row filter', async () => {
    const review = await alice.accessReview('crm.customers')
    expect(review.columns).toEqual(['id', 'name', 'email', 'ssn', 'region', 'score'])
    expect(review.policyVersion).toBe(0)
    const of = (id: string) => review.principals.find((p) => p.principal === id)
    expect(of('rita')).toMatchObject({
      roles: ['reader'],
      rowFilter: 'TRUE',
      columns: {
        id: 'plaintext',
        name: 'plaintext',
        email: 'masked',
        ssn: 'hidden',
        region: 'plaintext',
        score: 'plaintext',
      },
    })
    expect(of('rita')?.actions).toEqual(expect.arrayContaining(['read', 'list']))
    expect(of('rita')?.actions).not.toContain('readPlaintext')
    expect(of('olga')?.columns).toEqual({
      id: 'plaintext',
      name: 'plaintext',
      email: 'plaintext',
      ssn: 'masked',
      region: 'plaintext',
      score: 'plaintext',
    })
    expect(of('olga')?.actions).toContain('export')
    expect(Object.values(of('alice')?.columns ?? {})).toEqual(Array(6).fill('hidden'))
    expect(of('alice')?.rowFilter).toBe('FALSE')
    expect(of('alice')?.actions).toEqual(expect.arrayContaining(['admin', 'list']))
    expect(of('alice')?.actions).not.toContain('read')
    expect(of('lowe')?.actions).toEqual([])
    // Reviewing is administration: a reader may not.
    expect((await failure(rita.accessReview('crm.customers'))).code).toBe('ERR_AUTHZ_DENIED')
  })

  it('access unused: nothing before grants are older than the window; then the unused grant', async () => {
    const now = await alice.accessUnused(1)
    // Every grant is minutes old, so none is older than a one-day window.
    expect(now.grants).toEqual([])
    expect(now.inactivePrincipals).toEqual([])
    expect((await failure(alice.accessUnused(0))).code).toBe('ERR_USAGE_INVALID_ARGUMENT')
    expect((await failure(rita.accessUnused(30))).code).toBe('ERR_AUTHZ_DENIED')

    // The same logic 10 days on, over this lake's real catalog and audit trail: rita and
    // lowe used their reader grants today, so seen 10 days later with a 3-day window every
    // grant is unused and every principal inactive; with a 30-day window the grants, 10 days
    // old, are not judged yet; 40 days on they are.
    const trail = await alice.auditQuery({})
    const later = new Date(Date.now() + 10 * 86_400_000)
    await withUnused(alice, async (unused) => {
      const short = await unused(3, trail, later)
      expect(short.grants.map((g) => `${g.principal}:${g.role}`).sort()).toEqual([
        'alice:admin',
        'lowe:reader',
        'rita:reader',
      ])
      // rita and lowe read today; seen 10 days later their last use is on record.
      for (const g of short.grants.filter((x) => x.role === 'reader')) {
        expect(g.lastUsed).not.toBeNull()
      }
      expect([...short.inactivePrincipals].sort()).toEqual([
        'alice',
        'lowe',
        'nobody',
        'olga',
        'rita',
      ])
      expect((await unused(30, trail, later)).grants).toEqual([])
      const much = await unused(30, trail, new Date(Date.now() + 40 * 86_400_000))
      expect(much.grants.map((g) => g.principal).sort()).toEqual(['alice', 'lowe', 'rita'])
      // A grant never used at all reports lastUsed null.
      await alice.grantRole('nobody', 'plaintext-reader')
      const fresh = await unused(3, trail, later)
      expect(fresh.grants.find((g) => g.principal === 'nobody')).toMatchObject({
        role: 'plaintext-reader',
        lastUsed: null,
      })
      // The same trail as if it had happened within the window: the readers' grants were
      // used (a permit naming Role::"reader" allowed their reads), nobody's was not.
      const recent = trail.map((e) => ({ ...e, time: later.toISOString() }))
      const reported = (await unused(3, recent, later)).grants.map(
        (g) => `${g.principal}:${g.role}`,
      )
      expect(reported).toContain('nobody:plaintext-reader')
      expect(reported).not.toContain('rita:reader')
      expect(reported).not.toContain('lowe:reader')
    })
  })

  it('access unused: an administrator who administered within the window used its admin grant', async () => {
    // alice added principals, granted roles, tagged, classified and queried the trail in this
    // run, every one allowed by admin-manage (a permit naming Role::"admin").
    const later = new Date(Date.now() + 10 * 86_400_000)
    const recent = (await alice.auditQuery({})).map((e) => ({ ...e, time: later.toISOString() }))
    expect(recent.some((e) => e.principal === 'alice' && e.action === 'dataset.tag')).toBe(true)
    await withUnused(alice, async (unused) => {
      const reported = (await unused(3, recent, later)).grants.map(
        (g) => `${g.principal}:${g.role}`,
      )
      expect(reported).not.toContain('alice:admin')
    })
  })
})

/** Data for row filters: NULL regions, a case variant, a near miss. */
const PEOPLE = [
  ['id', 'region', 'team', 'amount'],
  [1, 'eu', 'red', 10],
  [2, 'us', 'blue', 20],
  [3, '', 'red', 30],
  [4, 'eu', '', 40],
  [5, 'us', 'red', 50],
  [6, 'EU', 'green', 60],
] as const

const REGIONAL = `
@id("regional-read")
@rowFilter("region = principal.region")
permit (principal in Role::"regional", action == Action::"read", resource is Dataset);

@id("regional-columns")
permit (principal in Role::"regional", action == Action::"read", resource is Column);

@id("team-read")
@rowFilter("team = principal.team")
permit (principal in Role::"team", action == Action::"read", resource is Dataset);

@id("team-columns")
permit (principal in Role::"team", action == Action::"read", resource is Column);
`

describe('row filters through the lake: NULLs, missing attributes, two roles, revoke, rollback', () => {
  let dir: string
  let cleanup: () => Promise<void>
  let root: string
  let alice: Strongroom
  let eve: Strongroom
  let ulf: Strongroom
  let nora: Strongroom
  let twin: Strongroom
  const read = async (h: Strongroom) =>
    ids(await readAll(h.read('geo.people', { purpose: 'analytics' })))

  beforeAll(async () => {
    ;({ dir, cleanup } = await tempDir('sr-rowfilter-'))
    root = join(dir, 'lake')
    const csv = join(dir, 'people.csv')
    await writeFile(csv, csvOf(PEOPLE))
    alice = await newLake(root, { principal: 'alice' })
    await alice.ingest(csv, { dataset: 'geo.people', classify: false })
    await alice.addPrincipal('eve', { region: 'eu' })
    await alice.addPrincipal('ulf', { region: 'us' })
    await alice.addPrincipal('nora')
    await alice.addPrincipal('twin', { region: 'us', attributes: { team: 'red' } })
    for (const p of ['eve', 'ulf', 'nora', 'twin']) await alice.grantRole(p, 'regional')
    await alice.grantRole('twin', 'team')
    ;[eve, ulf, nora, twin] = await Promise.all([
      open(root, 'eve'),
      open(root, 'ulf'),
      open(root, 'nora'),
      open(root, 'twin'),
    ])
  })
  afterAll(async () => {
    for (const h of [twin, nora, ulf, eve, alice]) await h?.close()
    await cleanup()
  })

  it('before any policy is applied, the regional role reads nothing', async () => {
    expect((await failure(read(eve))).code).toBe('ERR_AUTHZ_DENIED')
  })

  it('an invalid policy set is rejected listing every error, and no version is stored', async () => {
    const bad = [
      {
        name: 'bad.cedar',
        text: `
@id("typo-attribute")
permit (principal, action == Action::"read", resource is Dataset) when { principal.clearence > 1 };

@id("bad-filter")
@rowFilter("region = = 'eu'")
permit (principal in Role::"regional", action == Action::"read", resource is Dataset);

@id("forbid-with-filter")
@rowFilter("region = 'eu'")
forbid (principal, action == Action::"read", resource is Dataset);
`,
      },
    ]
    const e = await failure(alice.applyPolicies(bad))
    expect(e.code).toBe('ERR_AUTHZ_POLICY_INVALID')
    const issues = isStrongroomError(e.e) ? e.e.issues : []
    expect(issues.map((i) => i.message)).toEqual([
      expect.stringMatching(/^invalid @rowFilter: /),
      '@rowFilter is allowed on permit policies only',
      expect.stringMatching(/clearence/),
    ])
    // Each problem is located by the @id of its policy.
    expect(issues.map((i) => i.path)).toEqual([
      'bad-filter',
      'forbid-with-filter',
      'typo-attribute',
    ])
    expect((await alice.policyVersions()).map((v) => v.version)).toEqual([0])
    // Nothing changed for anyone.
    expect((await failure(read(eve))).code).toBe('ERR_AUTHZ_DENIED')
  })

  it('a @rowFilter on region gives exactly the rows of the principal region; NULL never matches', async () => {
    const r = await alice.applyPolicies([{ name: 'regional.cedar', text: REGIONAL }], {
      comment: 'regional readers',
    })
    expect(r).toMatchObject({ version: 1, changed: true })
    expect(r.diff.added.map((a) => a.id)).toEqual([
      'regional-columns',
      'regional-read',
      'team-columns',
      'team-read',
    ])
    const rows = await readAll(eve.read('geo.people', { purpose: 'analytics' }))
    expect(rows).toEqual({
      columns: ['id', 'region', 'team', 'amount'],
      rows: [
        [1, 'eu', 'red', 10],
        [4, 'eu', null, 40],
      ],
    })
    expect(await read(ulf)).toEqual([2, 5])
  })

  it('a principal without a region gets no row at all', async () => {
    expect(await read(nora)).toEqual([])
  })

  it('a principal in two roles with two filtered permits gets the union', async () => {
    // region = 'us' → 2, 5; team = 'red' → 1, 3, 5.
    expect(await read(twin)).toEqual([1, 2, 3, 5])
  })

  it('a revoked role takes effect on the next read', async () => {
    expect(await alice.revokeRole('twin', 'regional')).toBe(true)
    expect(await read(twin)).toEqual([1, 3, 5])
    expect(await alice.revokeRole('twin', 'team')).toBe(true)
    expect((await failure(read(twin))).code).toBe('ERR_AUTHZ_DENIED')
    await alice.grantRole('twin', 'regional')
    expect(await read(twin)).toEqual([2, 5])
  })

  it('a changed principal attribute changes the rows on the next read', async () => {
    await alice.setPrincipal('nora', { region: 'eu' })
    expect(await read(nora)).toEqual([1, 4])
    await alice.setPrincipal('nora', { region: '' })
    expect(await read(nora)).toEqual([])
  })

  it('access review shows the compiled row filter', async () => {
    const review = await alice.accessReview('geo.people')
    const eveRow = review.principals.find((p) => p.principal === 'eve')
    expect(eveRow?.rowFilter).toBe('"region" = ?')
    expect(eveRow?.columns).toEqual({
      id: 'plaintext',
      region: 'plaintext',
      team: 'plaintext',
      amount: 'plaintext',
    })
    expect(review.policyVersion).toBe(1)
  })

  it('a policy version rolled back restores the previous behaviour', async () => {
    const widened = REGIONAL.replace(
      '@rowFilter("region = principal.region")',
      `@rowFilter("region != 'us'")`,
    )
    const v2 = await alice.applyPolicies([{ name: 'regional.cedar', text: widened }])
    expect(v2.version).toBe(2)
    expect(v2.diff.changed.map((c) => c.id)).toEqual(['regional-read'])
    // != never matches NULL: row 3 stays out; 'EU' is not 'us'.
    expect(await read(eve)).toEqual([1, 4, 6])
    const back = await alice.rollbackPolicies(1)
    expect(back.version).toBe(3)
    expect(await read(eve)).toEqual([1, 4])
    const versions = await alice.policyVersions()
    expect(versions.map((v) => [v.version, v.current, v.basedOn])).toEqual([
      [0, false, null],
      [1, false, null],
      [2, false, null],
      [3, true, 1],
    ])
    const diff = await alice.diffPolicies(1, 3)
    expect([diff.added, diff.removed, diff.changed]).toEqual([[], [], []])
  })

  it('a filter naming a column the dataset lacks contributes no rows (fail closed)', async () => {
    const text = `${REGIONAL}
@id("ghost-read")
@rowFilter("no_such_column = 'x'")
permit (principal in Role::"ghost", action == Action::"read", resource is Dataset);
`
    await alice.applyPolicies([{ name: 'regional.cedar', text }])
    await alice.grantRole('eve', 'ghost')
    // The ghost permit adds nothing; the regional one still applies.
    expect(await read(eve)).toEqual([1, 4])
    await alice.revokeRole('eve', 'ghost')
  })

  it('a rollback to version 0 puts the shipped defaults back in force', async () => {
    const before = (await alice.policyVersions()).length
    const r = await alice.rollbackPolicies(0)
    expect(r).toMatchObject({ version: before, changed: true })
    // The version in force holds the regional set and the ghost permit of the test before.
    expect(r.diff.removed.map((x) => x.id)).toEqual([
      'ghost-read',
      'regional-columns',
      'regional-read',
      'team-columns',
      'team-read',
    ])
    // The regional role reads nothing under the defaults.
    expect((await failure(read(eve))).code).toBe('ERR_AUTHZ_DENIED')
    await alice.rollbackPolicies(1)
    expect(await read(eve)).toEqual([1, 4])
  })
})
