import { writeFile, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createStrongroom,
  isStrongroomError,
  type RecordBatch,
  type Strongroom,
} from '../../src/index.js'
import { generateCustomersCsv } from '../../src/formats/synthetic.js'
import { PASSPHRASE, csvOf, newLake, tempDir } from './helpers.js'

async function rowsOf(it: AsyncIterable<RecordBatch>): Promise<unknown[][]> {
  const rows: unknown[][] = []
  for await (const b of it)
    for (let r = 0; r < b.rowCount; r++) rows.push(b.values.map((col) => col[r]))
  return rows
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p
  } catch (e) {
    return isStrongroomError(e) ? e.code : `non-strongroom: ${String(e)}`
  }
  return undefined
}

describe('lake: ingest, versions, read, rotate, gc, doctor', () => {
  let dir: string
  let cleanup: () => Promise<void>
  let lake: Strongroom
  let csv: string

  beforeAll(async () => {
    ;({ dir, cleanup } = await tempDir())
    csv = join(dir, 'customers.csv')
    generateCustomersCsv(csv, { rows: 20_000, seed: 1 })
    // Small chunks so the dataset spans several data files.
    lake = await newLake(join(dir, 'lake'), {}, 512 * 1024)
  })
  afterAll(async () => {
    await lake.close()
    await cleanup()
  })

  it('ingests a CSV into several encrypted files and reads every row back', async () => {
    const r = await lake.ingest(csv, { dataset: 'crm.customers', subjectColumn: 'customer_id' })
    expect(r.version).toBe(1)
    expect(r.rows).toBe(20_000)
    expect(r.files).toBeGreaterThan(1)
    const rows = await rowsOf(
      lake.read('crm.customers', { purpose: 'analytics', columns: ['customer_id'] }),
    )
    expect(rows).toHaveLength(20_000)
    expect(new Set(rows.map((r) => String(r[0]))).size).toBe(20_000)
  })

  it('lists and shows the dataset with schema, files and key versions', async () => {
    const list = await lake.list()
    expect(list.map((d) => d.dataset)).toEqual(['crm.customers'])
    const show = await lake.show('crm.customers')
    expect(show.subjectColumn).toBe('customer_id')
    expect(show.schema.columns.map((c) => c.name)).toContain('email')
    expect(show.currentFiles.every((f) => f.kekVersion === 1)).toBe(true)
    // Ingest classified every column from a sample of its values.
    const meta = await lake.metadata('crm.customers')
    const byColumn = Object.fromEntries(meta.classifications.map((c) => [c.column, c]))
    expect(Object.keys(byColumn).sort()).toEqual(show.schema.columns.map((c) => c.name).sort())
    expect(byColumn['email']).toMatchObject({ entityType: 'EMAIL_ADDRESS', source: 'detected' })
    expect(byColumn['card_number']).toMatchObject({
      entityType: 'CREDIT_CARD',
      sensitivity: 'high',
    })
    expect(byColumn['customer_id']?.entityType).toBe('NONE')
    expect(show.keys).toEqual([expect.objectContaining({ version: 1, state: 'active' })])
  })

  it('appends a version, keeps the old one readable, and reads with columns and limit', async () => {
    const r = await lake.ingest(csv, { dataset: 'crm.customers' })
    expect(r.version).toBe(2)
    expect((await lake.versions('crm.customers')).map((v) => [v.version, v.rows])).toEqual([
      [1, 20_000],
      [2, 40_000],
    ])
    expect(
      await rowsOf(
        lake.read('crm.customers', { purpose: 'analytics', version: 1, columns: ['customer_id'] }),
      ),
    ).toHaveLength(20_000)
    const limited = await rowsOf(
      lake.read('crm.customers', { purpose: 'analytics', columns: ['city', 'email'], limit: 7 }),
    )
    expect(limited).toHaveLength(7)
    expect(limited[0]).toHaveLength(2)
  })

  it('overwrites: the new version has only the new rows', async () => {
    const small = join(dir, 'small.csv')
    await writeFile(
      small,
      csvOf([
        ['a', 'b'],
        [1, 'x'],
        [2, 'y'],
      ]),
    )
    const r = await lake.ingest(small, { dataset: 'crm.small' })
    expect(r.rows).toBe(2)
    await writeFile(
      small,
      csvOf([
        ['a', 'b'],
        [3, 'z'],
      ]),
    )
    const o = await lake.ingest(small, { dataset: 'crm.small', mode: 'overwrite' })
    expect(o.version).toBe(2)
    expect(await rowsOf(lake.read('crm.small', { purpose: 'analytics' }))).toEqual([[3n, 'z']])
  })

  it('rejects an append with other columns and commits nothing', async () => {
    const other = join(dir, 'other.csv')
    await writeFile(other, csvOf([['x'], [1]]))
    expect(await codeOf(lake.ingest(other, { dataset: 'crm.small', mode: 'append' }))).toBe(
      'ERR_DATASET_SCHEMA_MISMATCH',
    )
    expect((await lake.show('crm.small')).currentVersion).toBe(2)
  })

  it('rotates the dataset key: DEKs re-wrapped, data unchanged and readable', async () => {
    const before = await lake.show('crm.customers')
    const [rot] = await lake.rotateKeys('crm.customers')
    expect(rot).toMatchObject({
      fromKekVersion: 1,
      toKekVersion: 2,
      filesRewrapped: before.currentFiles.length,
    })
    const after = await lake.show('crm.customers')
    expect(after.currentFiles.map((f) => f.ciphertextSha256)).toEqual(
      before.currentFiles.map((f) => f.ciphertextSha256),
    )
    expect(after.currentFiles.every((f) => f.kekVersion === 2)).toBe(true)
    expect(after.keys.map((k) => [k.version, k.state])).toEqual([
      [1, 'retired'],
      [2, 'active'],
    ])
    expect(
      await rowsOf(lake.read('crm.customers', { purpose: 'analytics', columns: ['customer_id'] })),
    ).toHaveLength(40_000)
    const status = await lake.keyStatus()
    expect(status.find((s) => s.dataset === 'crm.customers')?.activeKekVersion).toBe(2)
  })

  it('reopens with the passphrase and fails cleanly with a wrong one', async () => {
    const again = await createStrongroom({ root: join(dir, 'lake'), passphrase: PASSPHRASE })
    expect((await again.list()).length).toBe(2)
    await again.close()
    expect(await codeOf(createStrongroom({ root: join(dir, 'lake'), passphrase: 'wrong' }))).toBe(
      'ERR_KEYS_BAD_PASSPHRASE',
    )
  })

  it('doctor checks every file; gc finds nothing to remove', async () => {
    const d = await lake.doctor()
    expect(d.ok).toBe(true)
    expect(d.files).toBeGreaterThan(2)
    const g = await lake.gc({ minAgeMs: 0 })
    expect(g.removed).toBe(0)
  })

  it('writes CSV, JSONL and Parquet output that round-trips', async () => {
    const out = join(dir, 'out.csv')
    const r = await lake.readToFile('crm.small', { purpose: 'analytics', format: 'csv', out })
    expect(r.rows).toBe(1)
    expect((await readFile(out, 'utf8')).trim().split('\n')).toEqual(['a,b', '3,z'])
    const jl = join(dir, 'out.jsonl')
    await lake.readToFile('crm.small', { purpose: 'analytics', format: 'jsonl', out: jl })
    expect(JSON.parse((await readFile(jl, 'utf8')).trim())).toEqual({ a: 3, b: 'z' })
    const pq = join(dir, 'out.parquet')
    await lake.readToFile('crm.customers', {
      purpose: 'analytics',
      format: 'parquet',
      out: pq,
      columns: ['customer_id'],
    })
    const back = await lake.ingest(pq, { dataset: 'crm.roundtrip' })
    expect(back.rows).toBe(40_000)
  })

  it('reports unknown datasets, versions and columns with codes', async () => {
    expect(await codeOf(lake.show('crm.nope'))).toBe('ERR_DATASET_NOT_FOUND')
    expect(await codeOf(lake.show('../etc'))).toBe('ERR_DATASET_INVALID_NAME')
    expect(
      await codeOf(rowsOf(lake.read('crm.customers', { purpose: 'analytics', version: 99 }))),
    ).toBe('ERR_VERSION_NOT_FOUND')
    expect(
      await codeOf(rowsOf(lake.read('crm.customers', { purpose: 'analytics', columns: ['nope'] }))),
    ).toBe('ERR_COLUMN_NOT_FOUND')
  })
})
