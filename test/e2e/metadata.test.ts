/**
 * Catalog metadata through the CLI: descriptions, tags, manual classifications with
 * history, search, and `show` presenting them. Every change is audited.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EXIT } from '../../src/cli/exit-codes.js'
import { cli, csvOf, newLake, tempDir } from './helpers.js'

describe('catalog metadata and search', () => {
  let dir: string
  let cleanup: () => Promise<void>
  let lake: string
  const run = (...args: string[]) => cli([...args, '--lake', lake])
  const json = async <T>(...args: string[]): Promise<T> => {
    const r = await cli([...args, '--lake', lake, '--json'])
    expect(r.code, r.stderr).toBe(0)
    return JSON.parse(r.stdout) as T
  }

  beforeAll(async () => {
    ;({ dir, cleanup } = await tempDir('sr-meta-'))
    lake = join(dir, 'lake')
    await (await newLake(lake)).close()
    const csv = join(dir, 'c.csv')
    await writeFile(
      csv,
      csvOf([
        ['id', 'email', 'city'],
        [1, 'a@example.test', 'Oslo'],
      ]),
    )
    expect((await run('ingest', csv, '--dataset', 'crm.customers')).code).toBe(0)
    expect((await run('ingest', csv, '--dataset', 'web.visits')).code).toBe(0)
  })
  afterAll(async () => cleanup())

  it('describes, tags and classifies, and show presents it', async () => {
    expect(
      (await run('describe', 'crm.customers', 'Customer master data (100% synthetic)')).code,
    ).toBe(0)
    expect(
      (await run('describe', 'crm.customers', 'Where they live', '--column', 'city')).code,
    ).toBe(0)
    expect((await run('tag', 'crm.customers', 'domain=crm', 'pii')).code).toBe(0)
    expect((await run('tag', 'crm.customers', 'contact', '--column', 'email')).code).toBe(0)
    const current = await json<{ column: string; entityType: string; source: string }[]>(
      'classify',
      'crm.customers',
      '--column',
      'email',
      '--entity',
      'EMAIL_ADDRESS',
      '--sensitivity',
      'high',
    )
    // Every column is classified (detected on ingest); the manual entry now rules email.
    expect(current.map((c) => c.column).sort()).toEqual(['city', 'email', 'id'])
    expect(current).toContainEqual(
      expect.objectContaining({ column: 'email', entityType: 'EMAIL_ADDRESS', source: 'manual' }),
    )
    const show = await run('show', 'crm.customers')
    expect(show.stdout).toContain('Customer master data')
    expect(show.stdout).toContain('EMAIL_ADDRESS (high, manual)')
    expect(show.stdout).toContain('domain=crm')
    expect(show.stdout).toContain('Where they live')
  })

  it('keeps the classification history', async () => {
    await run(
      'classify',
      'crm.customers',
      '--column',
      'email',
      '--entity',
      'NONE',
      '--sensitivity',
      'none',
    )
    const history = await json<{ entityType: string; source: string }[]>(
      'classifications',
      'crm.customers',
      '--history',
      '--column',
      'email',
    )
    expect(history.map((h) => [h.entityType, h.source])).toEqual([
      ['EMAIL_ADDRESS', 'detected'],
      ['EMAIL_ADDRESS', 'manual'],
      ['NONE', 'manual'],
    ])
    await run(
      'classify',
      'crm.customers',
      '--column',
      'email',
      '--entity',
      'EMAIL_ADDRESS',
      '--sensitivity',
      'high',
    )
  })

  it('searches by text, tag, owner, classification and sensitivity', async () => {
    const names = async (...args: string[]) =>
      (await json<{ dataset: string }[]>('search', ...args)).map((h) => h.dataset)
    expect(await names('CUSTOMER')).toEqual(['crm.customers'])
    expect(await names('100%')).toEqual(['crm.customers'])
    expect(await names('%')).toEqual(['crm.customers'])
    expect(await names('10_%')).toEqual([])
    expect(await names('visits')).toEqual(['web.visits'])
    expect(await names('--tag', 'domain=crm')).toEqual(['crm.customers'])
    expect(await names('--tag', 'contact')).toEqual(['crm.customers'])
    // web.visits' email column was classified on ingest; crm.customers' by hand.
    expect(await names('--classification', 'EMAIL_ADDRESS')).toEqual([
      'crm.customers',
      'web.visits',
    ])
    expect(await names('--sensitivity', 'high')).toEqual(['crm.customers'])
    expect(await names('--sensitivity', 'medium')).toEqual(['crm.customers', 'web.visits'])
    expect(await names()).toEqual(['crm.customers', 'web.visits'])
    expect(await names("' OR 1=1 --")).toEqual([])
  })

  it('rejects unknown columns and bad tags with codes', async () => {
    const col = await run('describe', 'crm.customers', 'x', '--column', 'nope')
    expect(col.code).toBe(EXIT.notFound)
    expect(col.stderr).toContain('ERR_COLUMN_NOT_FOUND')
    const tag = await run('tag', 'crm.customers', 'Bad Tag!')
    expect(tag.code).toBe(EXIT.usage)
    expect(tag.stderr).toContain('ERR_USAGE_INVALID_ARGUMENT')
  })

  it('audits every metadata change', async () => {
    const events = await json<{ action: string; outcome: string }[]>(
      'audit',
      'query',
      '--dataset',
      'crm.customers',
    )
    const actions = new Set(events.filter((e) => e.outcome === 'success').map((e) => e.action))
    for (const a of ['dataset.describe', 'dataset.tag', 'dataset.classify'])
      expect(actions).toContain(a)
  })
})
