/**
 * The JS reader of sample records must type every value exactly as the engine stores it,
 * and must decline (undefined) any shape it does not type exactly, so the engine reads the
 * sample itself.
 */
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import type { ColumnSchema } from '../../src/core/schema.js'
import { parseCsvSample } from '../../src/formats/csv-sample.js'
import { createDuckDbEngine, type DuckDbEngine } from '../../src/formats/duckdb-engine.js'
import { convertAll, readRows, tempDir } from './helpers.js'

let engine: DuckDbEngine
const tmp = tempDir()
beforeAll(async () => {
  engine = await createDuckDbEngine({ threads: 1 })
})
afterAll(async () => {
  await engine.close()
  tmp.cleanup()
})

const COMMA = 0x2c
const QUOTE = 0x22
const bytes = (s: string): Buffer => Buffer.from(s, 'utf8')

/** Converts `csv` (with its header) and returns the stored schema and rows. */
async function stored(
  csv: string,
): Promise<{ columns: readonly ColumnSchema[]; rows: unknown[][] }> {
  const p = tmp.file('sample.csv', csv)
  const chunks = await convertAll(engine, { path: p, format: 'csv' })
  const columns = chunks[0]?.schema.columns ?? []
  return {
    columns,
    rows: await readRows(
      engine,
      chunks.map((c) => c.bytes),
    ),
  }
}

/** The parsed sample, row-major. */
function rowsOf(batch: ReturnType<typeof parseCsvSample>): unknown[][] | undefined {
  if (batch === undefined) return undefined
  return Array.from({ length: batch.rowCount }, (_, r) => batch.values.map((c) => c[r]))
}

const body = (csv: string): Buffer => bytes(csv.slice(csv.indexOf('\n') + 1))

describe('parseCsvSample', () => {
  it('types text, integers, doubles, ISO dates and timestamps and booleans as stored', async () => {
    const csv = [
      'id,amount,born,seen,ok,note',
      '1,2.5,2020-01-31,2020-01-31 10:11:12.345,true,plain',
      '-9,1e3,0999-12-31,1969-12-31 23:59:59,false,""',
      ',,,,,',
      `9007199254740993,-0.1,2000-02-29,2024-06-01 00:00:00.5,true,"a ""quoted"", two-line${'\n'}note"`,
      '0,.5,1970-01-01,1970-01-01 00:00:00,false,é ünïcode',
    ].join('\n')
    const want = await stored(csv + '\n')
    expect(want.columns.map((c) => c.physicalType)).toEqual([
      'BIGINT',
      'DOUBLE',
      'DATE',
      'TIMESTAMP',
      'BOOLEAN',
      'VARCHAR',
    ])
    const got = parseCsvSample(body(csv + '\n'), want.columns, COMMA, QUOTE, 100)
    expect(rowsOf(got)).toEqual(want.rows)
    // No final line feed: the last record ends with the buffer.
    expect(rowsOf(parseCsvSample(body(csv), want.columns, COMMA, QUOTE, 100))).toEqual(want.rows)
    // At most `limit` records.
    expect(parseCsvSample(body(csv), want.columns, COMMA, QUOTE, 2)?.rowCount).toBe(2)
  })

  it('declines what it does not type exactly as the engine does', async () => {
    const { columns } = await stored(
      'id,amount,born,seen,ok,note\n1,2.5,2020-01-31,2020-01-31 10:11:12,true,x\n',
    )
    const declined = [
      '1,2.5,2020-01-31,2020-01-31 10:11:12,true,x\r\n', // carriage return
      ' 1,2.5,2020-01-31,2020-01-31 10:11:12,true,x\n', // padded integer
      '+1,2.5,2020-01-31,2020-01-31 10:11:12,true,x\n', // signed integer
      '1,inf,2020-01-31,2020-01-31 10:11:12,true,x\n', // non-finite double
      '1,2.5,2020-1-31,2020-01-31 10:11:12,true,x\n', // short month
      '1,2.5,2020-01-31,2020-01-31 10:11:12.123456,true,x\n', // microseconds
      '1,2.5,2020-01-31,2020-01-31T10:11:12,true,x\n', // T separator
      '1,2.5,2020-01-31,2020-01-31 10:11:12,TRUE,x\n', // other boolean spelling
      '1,2.5,2020-01-31,2020-01-31 10:11:12,true,a"b\n', // quote inside an unquoted field
      '1,2.5,2020-01-31,2020-01-31 10:11:12,true,"x"y\n', // text after a closing quote
      '1,2.5,2020-01-31,2020-01-31 10:11:12,true\n', // too few fields
      '\n', // empty line
      '1,"",2020-01-31,2020-01-31 10:11:12,true,x\n', // quoted empty number
    ]
    for (const line of declined)
      expect(parseCsvSample(bytes(line), columns, COMMA, QUOTE, 10), line).toBeUndefined()
    const decimal: ColumnSchema = {
      name: 'd',
      type: 'decimal',
      physicalType: 'DECIMAL(10,2)',
      nullable: true,
    }
    expect(parseCsvSample(bytes('1.25\n'), [decimal], COMMA, QUOTE, 10)).toBeUndefined()
  })

  it('property: random typed tables read as the engine stores them', async () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'Z', ',', '"', '\n', ' ', 'é', '7', '-') })
    const date = fc
      .date({
        min: new Date(Date.UTC(1000, 0, 1)),
        max: new Date(Date.UTC(9999, 11, 31)),
        noInvalidDate: true,
      })
      .map((d) => d.toISOString().slice(0, 10))
    const stamp = fc
      .date({
        min: new Date(Date.UTC(1000, 0, 1)),
        max: new Date(Date.UTC(9999, 11, 31)),
        noInvalidDate: true,
      })
      .chain((d) =>
        fc.constantFrom(19, 21, 22, 23).map((n) => d.toISOString().slice(0, n).replace('T', ' ')),
      )
    const nullable = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | null> =>
      fc.oneof({ weight: 5, arbitrary: a }, { weight: 1, arbitrary: fc.constant(null) })
    const row = fc.tuple(
      nullable(fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n }).map(String)),
      nullable(fc.double({ noNaN: true, noDefaultInfinity: true }).map(String)),
      nullable(date),
      nullable(stamp),
      nullable(fc.boolean().map(String)),
      nullable(text),
    )
    const field = (v: string | null, i: number): string =>
      v === null ? '' : i === 5 ? `"${v.replaceAll('"', '""')}"` : v
    let typed = 0
    await fc.assert(
      fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 40 }), async (rows) => {
        const csv = ['i,d,day,ts,b,t', ...rows.map((r) => r.map(field).join(','))].join('\n') + '\n'
        const want = await stored(csv)
        const got = rowsOf(parseCsvSample(body(csv), want.columns, COMMA, QUOTE, 1000))
        if (got === undefined) return
        typed += 1
        expect(got).toEqual(want.rows)
      }),
      { numRuns: 60 },
    )
    // Most tables take the JS path, so the comparison above is not vacuous.
    expect(typed).toBeGreaterThan(40)
  })
})
