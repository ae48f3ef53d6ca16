import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CellValue, RecordBatch } from '../../src/core/batch.js'
import type { ColumnSchema, ColumnType } from '../../src/core/schema.js'
import { createDefaultRegistry } from '../../src/discovery/default-registry.js'
import { StrongroomError } from '../../src/errors.js'
import { createTokenizer } from '../../src/protect/crypto/token.js'
import { isLuhnValid } from '../../src/protect/fpe/luhn.js'
import { compileProtectPlan, protectBatch, revealPseudonyms } from '../../src/protect/plan.js'
import { parseProtectSpec, parseSpecText, type ParsedSpec } from '../../src/protect/spec.js'

const registry = createDefaultRegistry()

function col(name: string, type: ColumnType = 'string'): ColumnSchema {
  const physical: Record<ColumnType, string> = {
    string: 'VARCHAR',
    int64: 'BIGINT',
    float64: 'DOUBLE',
    boolean: 'BOOLEAN',
    date: 'DATE',
    timestamp: 'TIMESTAMP',
    decimal: 'DECIMAL(18,3)',
    binary: 'BLOB',
    other: 'JSON',
  }
  return { name, type, physicalType: physical[type], nullable: true }
}

function batchOf(columns: ColumnSchema[], rows: CellValue[][]): RecordBatch {
  return {
    columns,
    values: columns.map((_, c) => rows.map((r) => r[c] ?? null)),
    rowCount: rows.length,
  }
}

function spec(yaml: string, baseDir = '.'): ParsedSpec {
  return parseProtectSpec(parseSpecText(yaml), baseDir)
}

async function rejection(p: Promise<unknown>): Promise<StrongroomError> {
  try {
    await p
  } catch (e) {
    if (e instanceof StrongroomError) return e
    throw e
  }
  throw new Error('expected a rejection')
}

const SCHEMA = [
  col('id'),
  col('email'),
  col('name'),
  col('ssn'),
  col('card'),
  col('contact'),
  col('phone'),
  col('notes'),
  col('secret'),
  col('dob', 'date'),
  col('visit'),
  col('age', 'int64'),
  col('signup'),
  col('city'),
  col('kind'),
]
const ROWS: CellValue[][] = [
  [
    'p1',
    'ann@example.com',
    'Ann Lee',
    '123-45-6789',
    '4111 1111 1111 1111',
    'ann.lee@example.org',
    '415-555-0101',
    'Mail ann@example.com today',
    'x1',
    new Date(Date.UTC(1980, 2, 5)),
    '2024-03-01',
    34n,
    '2024-01-15',
    'Lyon',
    'a',
  ],
  [
    'p2',
    'bob@example.com',
    'Bob Roy',
    '987-65-4321',
    '5555555555554444',
    'bobby@example.net',
    '415-555-0102',
    'nothing here',
    'x2',
    null,
    '2024-04-10',
    51n,
    '2024-11-30',
    'Paris',
    null,
  ],
  [
    'p1',
    'ann@example.com',
    null,
    '123-45-6789',
    null,
    null,
    null,
    null,
    'x3',
    new Date(Date.UTC(1980, 2, 5)),
    '2024-03-11',
    null,
    null,
    'Nice',
    'b',
  ],
]

describe('protection plans', () => {
  let dir: string
  const master = randomBytes(32)

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sr-plan-'))
    await writeFile(
      join(dir, 'city.csv'),
      'Lyon;Rhone;France;*\nParis;IDF;France;*\nNice;PACA;France;*\n',
    )
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  const full = () =>
    spec(
      `
version: 1
columns:
  email: { transform: token, domain: customers }
  name: { transform: pseudonym, domain: people }
  ssn: { transform: fpe, alphabet: digits }
  card: { transform: fpe-card, keepLast4: true }
  contact: { transform: fpe-email }
  phone: { transform: mask, keepLast: 4, char: '#' }
  notes: { transform: redact-text, replace: tag }
  secret: { transform: redact, mode: drop }
  dob: { transform: date-shift, subjectColumn: id, maxDays: 30, domain: study }
  visit: { transform: date-shift, subjectColumn: id, maxDays: 30, domain: study }
  age: { transform: bucket, width: 10 }
  signup: { transform: bucket-date, granularity: quarter }
  city: { transform: generalize, hierarchy: city.csv, level: 2 }
  kind: { transform: tag, entity: CATEGORY }
`,
      dir,
    )

  it('compiles column rules, drops redacted columns and types transformed ones as text', async () => {
    const plan = await compileProtectPlan(full(), { schema: SCHEMA, registry, master })
    expect(plan.output.map((c) => c.name)).toEqual(
      SCHEMA.map((c) => c.name).filter((n) => n !== 'secret'),
    )
    const types = Object.fromEntries(plan.output.map((c) => [c.name, c.physicalType]))
    expect(types).toMatchObject({ id: 'VARCHAR', dob: 'DATE', age: 'VARCHAR', visit: 'VARCHAR' })
    expect(plan.columns.find((c) => c.column === 'secret')).toEqual({
      column: 'secret',
      transform: 'redact',
      source: 'column',
      dropped: true,
    })
    expect(plan.columns.find((c) => c.column === 'id')?.transform).toBe('keep')
  })

  it('applies every transform to whole columns', async () => {
    const plan = await compileProtectPlan(full(), { schema: SCHEMA, registry, master })
    const out = protectBatch(batchOf(SCHEMA, ROWS), plan)
    expect(out.rowCount).toBe(3)
    const get = (name: string) => out.values[out.columns.findIndex((c) => c.name === name)]!

    const tokens = createTokenizer(master, 'customers').tokenize([
      'ann@example.com',
      'bob@example.com',
      'ann@example.com',
    ])
    expect(get('email')).toEqual(tokens)

    const names = get('name') as (string | null)[]
    expect(names[2]).toBeNull()
    expect(revealPseudonyms(master, 'people', names)).toEqual(['Ann Lee', 'Bob Roy', null])

    const ssn = get('ssn') as string[]
    expect(ssn[0]).toMatch(/^\d{3}-\d{2}-\d{4}$/)
    expect(ssn[0]).not.toBe('123-45-6789')
    expect(ssn[2]).toBe(ssn[0])

    const card = get('card') as (string | null)[]
    expect(card[0]).toMatch(/^4111 11\d\d \d{4} 1111$/)
    expect(isLuhnValid(card[0]!.replaceAll(' ', ''))).toBe(true)
    expect(isLuhnValid(card[1]!)).toBe(true)
    expect(card[1]!.slice(-4)).toBe('4444')

    const contact = get('contact') as (string | null)[]
    expect(contact[0]).toMatch(/^[0-9A-Za-z]{3}\.[0-9A-Za-z]{3}@example\.org$/)
    expect(contact[1]).toMatch(/@example\.net$/)

    expect(get('phone')).toEqual(['########0101', '########0102', null])
    expect(get('notes')).toEqual(['Mail <EMAIL_ADDRESS> today', 'nothing here', null])

    // Same subject, same offset: the 10 days between p1's visits survive.
    const visits = get('visit') as string[]
    const day = (s: string) => Date.parse(`${s}T00:00:00Z`) / 86_400_000
    expect(day(visits[2]!) - day(visits[0]!)).toBe(10)
    expect(Math.abs(day(visits[0]!) - day('2024-03-01'))).toBeLessThanOrEqual(30)
    expect(visits[0]).not.toBe('2024-03-01')
    const dobs = get('dob') as (Date | null)[]
    expect(dobs[0]).toBeInstanceOf(Date)
    expect(dobs[2]!.getTime()).toBe(dobs[0]!.getTime())
    expect(dobs[1]).toBeNull()
    // The dob column shares the scope and subject, so it moves by the same offset as visits.
    expect((dobs[0]!.getTime() - Date.UTC(1980, 2, 5)) / 86_400_000).toBe(
      day(visits[0]!) - day('2024-03-01'),
    )

    expect(get('age')).toEqual(['30-39', '50-59', null])
    expect(get('signup')).toEqual(['2024-Q1', '2024-Q4', null])
    expect(get('city')).toEqual(['France', 'France', 'France'])
    expect(get('kind')).toEqual(['<CATEGORY>', null, '<CATEGORY>'])
  })

  it('lets column rules win over classification rules, and keeps unmatched columns', async () => {
    const parsed = spec(`
version: 1
columns:
  email: { transform: mask }
classifications:
  EMAIL_ADDRESS: { transform: token, domain: email }
  PHONE_NUMBER: { transform: redact, mode: null }
`)
    const schema = [col('email'), col('contact'), col('phone'), col('other')]
    const classifications = new Map([
      ['email', 'EMAIL_ADDRESS'],
      ['contact', 'EMAIL_ADDRESS'],
      ['phone', 'PHONE_NUMBER'],
      ['other', 'NONE'],
    ])
    const plan = await compileProtectPlan(parsed, { schema, registry, master, classifications })
    expect(plan.columns.map((c) => [c.column, c.transform, c.source, c.entityType ?? ''])).toEqual([
      ['email', 'mask', 'column', 'EMAIL_ADDRESS'],
      ['contact', 'token', 'classification', 'EMAIL_ADDRESS'],
      ['phone', 'redact', 'classification', 'PHONE_NUMBER'],
      ['other', 'keep', 'none', ''],
    ])
    const out = protectBatch(batchOf(schema, [['a@b.co', 'c@d.co', '555-0100', 'x']]), plan)
    expect(out.values).toEqual([
      ['******'],
      createTokenizer(master, 'email').tokenize(['c@d.co']),
      [null],
      ['x'],
    ])
  })

  it('lists spec, schema, hierarchy and FF1 domain problems together', async () => {
    const parsed = spec(
      `
version: 1
columns:
  missing: { transform: keep }
  ssn: { transform: fpe, alphabet: { characters: "01" } }
  code: { transform: fpe }
  city: { transform: generalize, hierarchy: nowhere.csv, level: 1 }
  city2: { transform: generalize, hierarchy: city.csv, level: 4 }
  name: { transform: wobble }
`,
      dir,
    )
    const schema = [col('ssn'), col('code'), col('city'), col('city2'), col('name')]
    const sample = batchOf(schema, [['101', '12345', 'Lyon', 'Lyon', 'x']])
    const e = await rejection(compileProtectPlan(parsed, { schema, registry, sample }))
    expect(e.code).toBe('ERR_PROTECT_SPEC_INVALID')
    expect(e.issues.map((i) => `${i.code} ${i.path}`).sort()).toEqual(
      [
        'ERR_PROTECT_SPEC_INVALID columns.name.transform',
        'ERR_PROTECT_SPEC_INVALID columns.missing',
        'ERR_PROTECT_SPEC_INVALID columns.city.hierarchy',
        'ERR_PROTECT_SPEC_INVALID columns.city2.level',
        'ERR_PROTECT_DOMAIN_TOO_SMALL columns.ssn',
        'ERR_PROTECT_DOMAIN_TOO_SMALL columns.code',
      ].sort(),
    )
  })

  it('needs the key only for keyed transforms, and asks for it only then', async () => {
    const schema = [col('email'), col('notes')]
    let asked = 0
    const fetch = () => {
      asked += 1
      return Promise.resolve(undefined)
    }
    const plain = spec('version: 1\ncolumns:\n  email: { transform: mask, keepFirst: 1 }\n')
    await compileProtectPlan(plain, { schema, registry, master: fetch })
    expect(asked).toBe(0)
    for (const yaml of [
      'version: 1\ncolumns:\n  email: { transform: token }\n',
      'version: 1\ncolumns:\n  notes: { transform: redact-text, replace: token }\n',
    ]) {
      const e = await rejection(compileProtectPlan(spec(yaml), { schema, registry, master: fetch }))
      expect(e.code).toBe('ERR_PROTECT_KEY_MISSING')
    }
    expect(asked).toBe(2)
  })

  it('gives tokens of a different key and domain no relation', async () => {
    const schema = [col('email')]
    const batch = batchOf(schema, [['ann@example.com']])
    const run = async (yaml: string, key: Uint8Array) =>
      protectBatch(batch, await compileProtectPlan(spec(yaml), { schema, registry, master: key }))
        .values[0]![0]
    const a = await run('version: 1\ncolumns:\n  email: { transform: token, domain: d1 }\n', master)
    const b = await run('version: 1\ncolumns:\n  email: { transform: token, domain: d2 }\n', master)
    const c = await run(
      'version: 1\ncolumns:\n  email: { transform: token, domain: d1 }\n',
      randomBytes(32),
    )
    expect(new Set([a, b, c]).size).toBe(3)
  })

  it('reports a bad value with its column and absolute row, never the value', async () => {
    const schema = [col('id'), col('card')]
    const plan = await compileProtectPlan(
      spec('version: 1\ncolumns:\n  card: { transform: fpe-card }\n'),
      { schema, registry, master },
    )
    const batch = batchOf(schema, [
      ['a', '4111111111111111'],
      ['b', '4111111111111112'],
    ])
    let err: unknown
    try {
      protectBatch(batch, plan, 1000)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(StrongroomError)
    const e = err as StrongroomError
    expect(e.code).toBe('ERR_PROTECT_INVALID_VALUE')
    expect(e.details).toMatchObject({ column: 'card', row: 1001 })
    expect(e.message).not.toContain('4111111111111112')
    expect(() => protectBatch(batchOf([col('card'), col('id')], []), plan)).toThrow(
      expect.objectContaining({ code: 'ERR_DATASET_SCHEMA_MISMATCH' }),
    )
  })
})
