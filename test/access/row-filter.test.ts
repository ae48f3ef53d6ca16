import { DuckDBInstance } from '@duckdb/node-api'
import type { DuckDBConnection } from '@duckdb/node-api'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DatasetInfo, PrincipalInfo, Scalar } from '../../src/access/index.js'
import {
  DEFAULT_POLICIES,
  PolicyEngine,
  compileRowFilters,
  parseRowFilter,
} from '../../src/access/index.js'
import { isStrongroomError } from '../../src/errors.js'

const COLUMNS = ['region', 'status', 'owner_id', 'tier', 'deleted']
const eu: PrincipalInfo = {
  id: 'u1',
  roles: ['regional'],
  clearance: 'low',
  region: 'eu',
  mfa: false,
}

function compile(text: string, principal: PrincipalInfo = eu) {
  return compileRowFilters([parseRowFilter(text)], { columns: COLUMNS, principal })
}

function rejects(text: string): void {
  let err: unknown
  try {
    compile(text)
  } catch (e) {
    err = e
  }
  expect(isStrongroomError(err, 'ERR_AUTHZ_POLICY_INVALID'), text).toBe(true)
}

describe('row filter language', () => {
  it('compiles to a parameterized predicate', () => {
    const f = compile('region = principal.region')
    expect({ sql: f.sql, params: f.params }).toEqual({ sql: '"region" = ?', params: ['eu'] })
    const g = compile(
      "(region = 'eu' or region = 'us') and status in ('a', 'b') and deleted is null",
    )
    expect(g.sql).toBe(
      '(("region" = ? OR "region" = ?) AND "status" IN (?, ?) AND "deleted" IS NULL)',
    )
    expect(g.params).toEqual(['eu', 'us', 'a', 'b'])
    expect(compile('tier != 2 and owner_id is not null').sql).toBe(
      '("tier" <> ? AND "owner_id" IS NOT NULL)',
    )
    expect(compile("status = 'it''s'").params).toEqual(["it's"])
  })

  it('NULLs never match a comparison (SQL semantics)', () => {
    const f = compile('region = principal.region')
    expect(f.matches({ region: 'eu' })).toBe(true)
    expect(f.matches({ region: null })).toBe(false)
    expect(f.matches({})).toBe(false)
    const ne = compile("region != 'us'")
    expect(ne.matches({ region: 'eu' })).toBe(true)
    expect(ne.matches({ region: null })).toBe(false)
    const inList = compile("region in ('eu', principal.missing)")
    expect(inList.matches({ region: null })).toBe(false)
    expect(inList.matches({ region: 'eu' })).toBe(true)
    // A principal attribute that is absent is NULL: it matches no row, not every row.
    const noAttr = compile('region = principal.department')
    expect(noAttr.params).toEqual([null])
    expect(noAttr.matches({ region: null })).toBe(false)
    expect(noAttr.matches({ region: 'eu' })).toBe(false)
    expect(compile('deleted is null').matches({ deleted: null })).toBe(true)
    expect(compile('deleted is null').matches({ deleted: 'x' })).toBe(false)
  })

  it('permits are alternatives: filters OR-ed, an unfiltered permit allows all, none allows none', () => {
    const a = parseRowFilter("region = 'eu'")
    const b = parseRowFilter("status = 'open'")
    const both = compileRowFilters([a, b], { columns: COLUMNS, principal: eu })
    expect(both.sql).toBe('("region" = ? OR "status" = ?)')
    expect(compileRowFilters([a, null], { columns: COLUMNS, principal: eu }).sql).toBe('TRUE')
    expect(compileRowFilters([], { columns: COLUMNS, principal: eu }).sql).toBe('FALSE')
  })

  it('refuses names that are not plain identifiers or not columns of the dataset', () => {
    for (const bad of [
      'region; drop table x',
      'region -- comment',
      "region = 'eu' -- x",
      'region /* x */ = 1',
      '"region" = 1',
      'r\u0435gion = 1', // Cyrillic e, a look-alike of "region"
      'ｒegion = 1', // full-width r
      'region\u0000 = 1',
      'salary = 1', // not a column of the dataset
      'principal = 1',
      "region = 'eu' or",
      'region = principal.reg\u0456on',
      "region = 'a\u0000b'",
      "region = 'unterminated",
      'region == 1',
      'region = 99999999999999999999',
      '(((((((((((((((((region = 1)))))))))))))))))',
      '',
    ]) {
      rejects(bad)
    }
  })
})

describe('row filters in DuckDB: values are parameters, never SQL', () => {
  let db: DuckDBInstance
  let conn: DuckDBConnection
  const rows: Record<string, Scalar>[] = [
    { region: 'eu', status: 'open', owner_id: 'u1', tier: 1, deleted: null },
    { region: 'us', status: 'open', owner_id: 'u2', tier: 2, deleted: null },
    { region: null, status: 'closed', owner_id: null, tier: null, deleted: 'y' },
    { region: "eu' OR '1'='1", status: 'open', owner_id: 'u3', tier: 3, deleted: null },
    { region: 'eu--', status: null, owner_id: 'u4', tier: 1, deleted: null },
  ]

  beforeAll(async () => {
    db = await DuckDBInstance.create(':memory:')
    conn = await db.connect()
    await conn.run(
      'CREATE TABLE t (i INTEGER, region VARCHAR, status VARCHAR, owner_id VARCHAR, tier INTEGER, deleted VARCHAR)',
    )
    for (const [i, r] of rows.entries()) {
      await conn.run('INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)', [
        i,
        r['region'] ?? null,
        r['status'] ?? null,
        r['owner_id'] ?? null,
        r['tier'] ?? null,
        r['deleted'] ?? null,
      ] as (string | number | null)[])
    }
  })

  afterAll(() => {
    conn.closeSync()
    db.closeSync()
  })

  async function selected(sql: string, params: readonly Scalar[]): Promise<number[]> {
    const reader = await conn.runAndReadAll(`SELECT i FROM t WHERE ${sql} ORDER BY i`, [
      ...params,
    ] as (string | number | boolean | null)[])
    return reader.getRowObjectsJS().map((r) => Number(r['i']))
  }

  function jsSelected(f: ReturnType<typeof compile>): number[] {
    return rows.flatMap((r, i) => (f.matches(r) ? [i] : []))
  }

  const attacks = [
    "eu' OR '1'='1",
    "' OR 1=1 --",
    'eu/*',
    'eu\u0000',
    'e\u0075', // "eu" spelled with an escape: equal, so it must match only eu rows
    'еu', // Cyrillic e
    null,
  ]

  for (const value of attacks) {
    it(`a hostile principal attribute ${JSON.stringify(value)} only ever matches equal cells`, async () => {
      const p: PrincipalInfo = { ...eu, region: 'zz', attributes: { home: value } }
      for (const text of [
        'region = principal.home',
        "region in (principal.home, 'us')",
        'region != principal.home',
      ]) {
        const f = compile(text, p)
        expect(f.sql).not.toContain(String(value))
        const inDb = await selected(f.sql, f.params)
        expect(inDb).toEqual(jsSelected(f))
        if (text.startsWith('region = ')) {
          expect(inDb).toEqual(
            rows.flatMap((r, i) => (value !== null && r['region'] === value ? [i] : [])),
          )
        }
      }
    })
  }

  it('the SQL and the JS predicate agree on NULLs for every operator', async () => {
    for (const text of [
      "region = 'eu'",
      "region != 'eu'",
      "status in ('open', 'closed')",
      'deleted is null',
      'owner_id is not null',
      "tier = 1 or region = 'us'",
      "(tier != 1 and status = 'open') or deleted is not null",
      'owner_id = principal.id',
    ]) {
      const f = compile(text)
      expect({ text, rows: await selected(f.sql, f.params) }).toEqual({ text, rows: jsSelected(f) })
    }
  })
})

describe('row filters on policies', () => {
  const dataset: DatasetInfo = {
    id: 'crm.accounts',
    owner: 'olga',
    region: 'eu',
    tags: ['shared'],
    purposes: ['training'],
    columns: COLUMNS.map((name) => ({ name })),
  }
  const regional = `
    @id("regional-reader")
    @rowFilter("region = principal.region and deleted is null")
    permit (principal in Role::"regional", action == Action::"read", resource is Dataset)
    when { resource.tags.contains("shared") };
    @id("regional-column")
    permit (principal in Role::"regional", action == Action::"read", resource is Column);`

  it('a read plan carries the filter of the permit that allowed it', () => {
    const e = PolicyEngine.create({ policies: [...DEFAULT_POLICIES, regional], version: 'rf' })
    const plan = e.planColumns({ principal: eu, dataset })
    expect(plan.dataset.policies).toEqual(['regional-reader'])
    expect({ sql: plan.rowFilter.sql, params: plan.rowFilter.params }).toEqual({
      sql: '("region" = ? AND "deleted" IS NULL)',
      params: ['eu'],
    })
    expect(plan.rowFilter.matches({ region: 'eu', deleted: null })).toBe(true)
    expect(plan.rowFilter.matches({ region: null, deleted: null })).toBe(false)
    // The owner's permit has no filter, so the owner sees every row.
    const owner = e.planColumns({ principal: { ...eu, id: 'olga' }, dataset })
    expect(owner.rowFilter.sql).toBe('TRUE')
    expect(
      e.explain({ principal: eu, action: 'read', resource: { dataset } }).determining[0]?.rowFilter,
    ).toBe('(region = principal.region and deleted is null)')
  })

  it('a filter naming a column the dataset lacks fails closed', () => {
    const e = PolicyEngine.create({ policies: [...DEFAULT_POLICIES, regional], version: 'rf2' })
    const narrow: DatasetInfo = { ...dataset, columns: [{ name: 'region' }, { name: 'status' }] }
    const plan = e.planColumns({ principal: eu, dataset: narrow })
    expect(plan.rowFilter.sql).toBe('FALSE')
    expect(plan.errors.map((x) => x.policyId)).toEqual(['regional-reader'])
  })
})
