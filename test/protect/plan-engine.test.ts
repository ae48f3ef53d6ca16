import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CellValue, RecordBatch } from '../../src/core/batch.js'
import type { ColumnSchema } from '../../src/core/schema.js'
import { createDuckDbEngine, type DuckDbEngine } from '../../src/formats/duckdb-engine.js'

function column(name: string, type: ColumnSchema['type'], physicalType: string): ColumnSchema {
  return { name, type, physicalType, nullable: true }
}

async function* once(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield await Promise.resolve(bytes)
}

describe('engine: batches built in JS back to Parquet', () => {
  let engine: DuckDbEngine
  beforeAll(async () => {
    engine = await createDuckDbEngine({ scratchDir: '/dev/shm', threads: 1 })
  })
  afterAll(async () => {
    await engine.close()
  })

  it('keeps every column type and null through batchToParquet and readBatches', async () => {
    const columns = [
      column('s', 'string', 'VARCHAR'),
      column('i', 'int64', 'BIGINT'),
      column('f', 'float64', 'DOUBLE'),
      column('b', 'boolean', 'BOOLEAN'),
      column('d', 'date', 'DATE'),
      column('t', 'timestamp', 'TIMESTAMP'),
      column('tz', 'timestamp', 'TIMESTAMP WITH TIME ZONE'),
      column('m', 'decimal', 'DECIMAL(18,3)'),
      column('x', 'binary', 'BLOB'),
      column('weird "name", too', 'string', 'VARCHAR'),
    ]
    const rows: CellValue[][] = [
      [
        'a "quoted", line\nbreak 😀',
        9007199254740993n,
        0.1,
        true,
        new Date(Date.UTC(1999, 11, 31)),
        new Date(Date.UTC(2024, 2, 5, 10, 20, 30, 456)),
        new Date(Date.UTC(2024, 2, 5, 23, 0, 0)),
        '12345.678',
        Uint8Array.from([0, 255, 10]),
        '',
      ],
      [null, null, null, null, null, null, null, null, null, null],
    ]
    const batch: RecordBatch = {
      columns,
      values: columns.map((_, c) => rows.map((r) => r[c]!)),
      rowCount: rows.length,
    }
    const parquet = await engine.batchToParquet(batch)
    const back: RecordBatch[] = []
    for await (const b of engine.readBatches(once(parquet))) back.push(b)
    expect(back).toHaveLength(1)
    expect(back[0]!.columns.map((c) => [c.name, c.type])).toEqual(
      columns.map((c) => [c.name, c.type]),
    )
    const got = back[0]!.values.map((col) =>
      col.map((v) => (v instanceof Uint8Array ? [...v] : v instanceof Date ? v.getTime() : v)),
    )
    const want = batch.values.map((col) =>
      col.map((v) => (v instanceof Uint8Array ? [...v] : v instanceof Date ? v.getTime() : v)),
    )
    expect(got).toEqual(want)
  })

  it('writes an empty batch as a schema-only file', async () => {
    const columns = [column('a', 'int64', 'BIGINT'), column('b', 'string', 'VARCHAR')]
    const parquet = await engine.batchToParquet({ columns, values: [[], []], rowCount: 0 })
    const info = await engine.inspectParquet(parquet)
    expect(info.rowCount).toBe(0)
    expect(info.schema.columns.map((c) => [c.name, c.physicalType])).toEqual([
      ['a', 'BIGINT'],
      ['b', 'VARCHAR'],
    ])
  })
})
