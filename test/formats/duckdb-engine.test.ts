import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { createDuckDbEngine } from '../../src/formats/duckdb-engine.js'
import type { DuckDbEngine } from '../../src/formats/duckdb-engine.js'
import {
  CUSTOMER_COLUMNS,
  generateCustomersCsv,
  generateCustomersJsonl,
} from '../../src/formats/synthetic.js'
import { CANARY, convertAll, expectCode, iterate, readRows, tempDir } from './helpers.js'

let engine: DuckDbEngine
const tmp = tempDir()

beforeAll(async () => {
  engine = await createDuckDbEngine({ threads: 2 })
})
afterAll(async () => {
  await engine.close()
  tmp.cleanup()
})

describe('engine creation', () => {
  it('refuses a scratch directory that is not tmpfs (fails closed, no disk fallback)', async () => {
    await expectCode(
      () => createDuckDbEngine({ scratchDir: tmp.dir }),
      'ERR_ENGINE_NO_SECURE_SCRATCH',
    )
  })
})

describe('CSV round trip', () => {
  it('converts CSV to Parquet chunks and reads the same values back', async () => {
    const p = tmp.file(
      'basic.csv',
      'id,name,score,born,seen\n1,Ann,1.5,2001-02-03,2024-01-02 03:04:05\n2,"B, ""the"" second",2.25,1999-12-31,2023-06-07 08:09:10\n3,,,,\n',
    )
    const chunks = await convertAll(engine, { path: p, format: 'csv' })
    expect(chunks).toHaveLength(1)
    const [chunk] = chunks
    expect(chunk?.rowCount).toBe(3)
    expect(chunk?.firstRow).toBe(0)
    expect(chunk?.schema.columns.map((c) => [c.name, c.type])).toEqual([
      ['id', 'int64'],
      ['name', 'string'],
      ['score', 'float64'],
      ['born', 'date'],
      ['seen', 'timestamp'],
    ])
    const info = await engine.inspectParquet(chunk?.bytes ?? new Uint8Array())
    expect(info.rowCount).toBe(3)
    expect(info.schema.columns.map((c) => c.name)).toEqual(['id', 'name', 'score', 'born', 'seen'])
    const rows = await readRows(
      engine,
      chunks.map((c) => c.bytes),
    )
    expect(rows).toEqual([
      [1n, 'Ann', 1.5, new Date('2001-02-03T00:00:00Z'), new Date('2024-01-02T03:04:05Z')],
      [
        2n,
        'B, "the" second',
        2.25,
        new Date('1999-12-31T00:00:00Z'),
        new Date('2023-06-07T08:09:10Z'),
      ],
      [3n, null, null, null, null],
    ])
  })

  it('splits a synthetic file into several chunks with one schema and contiguous firstRow', async () => {
    const p = path.join(tmp.dir, 'customers.csv')
    generateCustomersCsv(p, { rows: 3000, seed: 7 })
    const progress: number[] = []
    const chunks = await convertAll(
      engine,
      { path: p, format: 'csv' },
      { chunkBytes: 64 * 1024, onProgress: (n) => progress.push(n) },
    )
    expect(chunks.length).toBeGreaterThan(3)
    let next = 0
    for (const c of chunks) {
      expect(c.firstRow).toBe(next)
      expect(c.schema).toEqual(chunks[0]?.schema)
      next += c.rowCount
    }
    expect(next).toBe(3000)
    expect(progress.at(-1)).toBe(fs.statSync(p).size)
    expect(chunks[0]?.schema.columns.map((c) => c.name)).toEqual([...CUSTOMER_COLUMNS])

    // Values survive: compare the CSV export with a single-chunk conversion of the same file.
    const whole = await convertAll(engine, { path: p, format: 'csv' })
    expect(
      await readRows(
        engine,
        chunks.map((c) => c.bytes),
      ),
    ).toEqual(
      await readRows(
        engine,
        whole.map((c) => c.bytes),
      ),
    )
  })

  it('exports CSV, JSONL and Parquet that match the input', async () => {
    const p = path.join(tmp.dir, 'export-src.csv')
    generateCustomersCsv(p, { rows: 500, seed: 3 })
    const chunks = await convertAll(
      engine,
      { path: p, format: 'csv' },
      { chunkBytes: 16 * 1024, allVarchar: true },
    )
    const files = chunks.map((c) => c.bytes)

    const csvOut = path.join(tmp.dir, 'out.csv')
    const r1 = await engine.writeOutput(iterate(files), { format: 'csv', out: csvOut })
    expect(r1.rows).toBe(500)
    // All-text columns: the export is byte-identical to the input.
    expect(fs.readFileSync(csvOut, 'utf8')).toBe(fs.readFileSync(p, 'utf8'))
    expect(r1.bytes).toBe(fs.statSync(csvOut).size)

    const jsonOut = path.join(tmp.dir, 'out.jsonl')
    const r2 = await engine.writeOutput(iterate(files), {
      format: 'jsonl',
      out: jsonOut,
      columns: ['customer_id', 'email'],
      limit: 10,
    })
    expect(r2.rows).toBe(10)
    const lines = fs
      .readFileSync(jsonOut, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(lines).toHaveLength(10)
    expect(Object.keys(lines[0] ?? {})).toEqual(['customer_id', 'email'])

    const pqOut = path.join(tmp.dir, 'out.parquet')
    const r3 = await engine.writeOutput(iterate(files), { format: 'parquet', out: pqOut })
    expect(r3.rows).toBe(500)
    const back = await convertAll(engine, { path: pqOut, format: 'parquet' })
    expect(
      await readRows(
        engine,
        back.map((c) => c.bytes),
      ),
    ).toEqual(await readRows(engine, files))
    // Atomic write: no temp file left beside the outputs.
    expect(fs.readdirSync(tmp.dir).filter((f) => f.endsWith('.tmp'))).toEqual([])
  })

  it('reads selected columns in order, honours limit and batchRows', async () => {
    const p = path.join(tmp.dir, 'sel.csv')
    generateCustomersCsv(p, { rows: 1000, seed: 5 })
    const files = (
      await convertAll(engine, { path: p, format: 'csv' }, { chunkBytes: 32 * 1024 })
    ).map((c) => c.bytes)
    let rows = 0
    for await (const b of engine.readBatches(iterate(files), {
      columns: ['email', 'customer_id'],
      limit: 250,
      batchRows: 100,
    })) {
      expect(b.columns.map((c) => c.name)).toEqual(['email', 'customer_id'])
      expect(b.rowCount).toBeLessThanOrEqual(2048 + 100)
      expect(typeof b.values[1]?.[0]).toBe('bigint')
      rows += b.rowCount
    }
    expect(rows).toBe(250)
    await expectCode(async () => {
      for await (const b of engine.readBatches(iterate(files), { columns: ['nope'] })) void b
    }, 'ERR_COLUMN_NOT_FOUND')
  })

  it('accepts a header-only file as 0 rows and strips a UTF-8 BOM', async () => {
    const header = await convertAll(engine, { path: tmp.file('h.csv', 'a,b\n'), format: 'csv' })
    expect(header).toHaveLength(1)
    expect(header[0]?.rowCount).toBe(0)
    expect(header[0]?.schema.columns.map((c) => c.name)).toEqual(['a', 'b'])
    expect((await engine.inspectParquet(header[0]?.bytes ?? new Uint8Array())).rowCount).toBe(0)

    const bom = await convertAll(engine, {
      path: tmp.file('bom.csv', '\ufeffid,v\n1,x\n'),
      format: 'csv',
    })
    expect(bom[0]?.schema.columns[0]?.name).toBe('id')
    expect(
      await readRows(
        engine,
        bom.map((c) => c.bytes),
      ),
    ).toEqual([[1n, 'x']])
  })

  it('round-trips a 10 MB field with small chunks (the chunk grows to hold the record)', async () => {
    const big = 'x'.repeat(10 * 1024 * 1024)
    const p = tmp.file('big.csv', `id,blob\n1,a\n2,"${big}"\n3,c\n`)
    const chunks = await convertAll(engine, { path: p, format: 'csv' }, { chunkBytes: 64 * 1024 })
    const rows = await readRows(
      engine,
      chunks.map((c) => c.bytes),
    )
    expect(rows.map((r) => r[0])).toEqual([1n, 2n, 3n])
    expect((rows[1]?.[1] as string).length).toBe(big.length)
  })

  it('reads CRLF files, including quoted CRLF inside fields', async () => {
    const p = tmp.file('crlf.csv', 'a,b\r\n1,"x\r\ny"\r\n2,z\r\n')
    const chunks = await convertAll(engine, { path: p, format: 'csv' }, { chunkBytes: 8 })
    expect(
      await readRows(
        engine,
        chunks.map((c) => c.bytes),
      ),
    ).toEqual([
      [1n, 'x\r\ny'],
      [2n, 'z'],
    ])
  })

  it('honours a custom delimiter', async () => {
    const p = tmp.file('semi.csv', 'a;b\n1;"x;y"\n')
    const chunks = await convertAll(engine, { path: p, format: 'csv', delimiter: ';' })
    expect(
      await readRows(
        engine,
        chunks.map((c) => c.bytes),
      ),
    ).toEqual([[1n, 'x;y']])
  })
})

describe('CSV validation (errors carry row numbers, never values)', () => {
  it('missing file → ERR_INPUT_NOT_FOUND', async () => {
    await expectCode(
      () => convertAll(engine, { path: path.join(tmp.dir, 'missing.csv'), format: 'csv' }),
      'ERR_INPUT_NOT_FOUND',
    )
  })

  it('0-byte file → ERR_INPUT_EMPTY', async () => {
    await expectCode(
      () => convertAll(engine, { path: tmp.file('empty.csv', ''), format: 'csv' }),
      'ERR_INPUT_EMPTY',
    )
  })

  it('invalid UTF-8 → ERR_INPUT_ENCODING with the row', async () => {
    const bytes = Buffer.concat([
      Buffer.from(`a,b\n1,ok\n2,${CANARY}`),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('\n3,ok\n'),
    ])
    const e = await expectCode(
      () => convertAll(engine, { path: tmp.file('enc.csv', bytes), format: 'csv' }),
      'ERR_INPUT_ENCODING',
    )
    expect(e.details['row']).toBe(2)
  })

  it('unbalanced quote → ERR_INPUT_UNBALANCED_QUOTE with the row', async () => {
    const p = tmp.file('quote.csv', `a,b\n1,ok\n2,ok\n3,"${CANARY}\n4,ok\n`)
    const e = await expectCode(
      () => convertAll(engine, { path: p, format: 'csv' }),
      'ERR_INPUT_UNBALANCED_QUOTE',
    )
    expect(e.details['row']).toBe(3)
  })

  it('text after a closing quote → ERR_INPUT_UNBALANCED_QUOTE', async () => {
    const p = tmp.file('quote2.csv', `a,b\n1,ok\n2,"${CANARY}"x\n`)
    const e = await expectCode(
      () => convertAll(engine, { path: p, format: 'csv' }),
      'ERR_INPUT_UNBALANCED_QUOTE',
    )
    expect(e.details['row']).toBe(2)
  })

  it('too many fields → ERR_INPUT_RAGGED_ROW with the row (in the first chunk)', async () => {
    const p = tmp.file('ragged1.csv', `a,b\n1,ok\n2,ok,${CANARY}\n3,ok\n`)
    const e = await expectCode(
      () => convertAll(engine, { path: p, format: 'csv' }),
      'ERR_INPUT_RAGGED_ROW',
    )
    expect(e.details['row']).toBe(2)
  })

  it('too few fields in a later chunk → ERR_INPUT_RAGGED_ROW with the global row', async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => `${i + 1},"v,${i}"`)
    rows[4321] = CANARY
    const p = tmp.file('ragged2.csv', `a,b\n${rows.join('\n')}\n`)
    const e = await expectCode(
      () => convertAll(engine, { path: p, format: 'csv' }, { chunkBytes: 8 * 1024 }),
      'ERR_INPUT_RAGGED_ROW',
    )
    expect(e.details['row']).toBe(4322)
  })

  it('a later chunk failing the sniffed type → ERR_INPUT_TYPE_MISMATCH naming column and row; allVarchar accepts it', async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => `${i + 1},x`)
    rows[3999] = `${CANARY},x`
    const p = tmp.file('type.csv', `n,s\n${rows.join('\n')}\n`)
    const e = await expectCode(
      () => convertAll(engine, { path: p, format: 'csv' }, { chunkBytes: 4 * 1024 }),
      'ERR_INPUT_TYPE_MISMATCH',
    )
    expect(e.details).toMatchObject({ column: 'n', row: 4000 })
    const ok = await convertAll(
      engine,
      { path: p, format: 'csv' },
      { chunkBytes: 4 * 1024, allVarchar: true },
    )
    expect(ok.reduce((n, c) => n + c.rowCount, 0)).toBe(5000)
    expect(ok[0]?.schema.columns.every((c) => c.type === 'string')).toBe(true)
  })

  it('a record over the hard limit → ERR_INPUT_FIELD_TOO_LARGE', async () => {
    const p = tmp.file('huge.csv', `a,b\n1,ok\n2,"${CANARY}${'y'.repeat(300 * 1024)}"\n`)
    await expectCode(
      () =>
        convertAll(
          engine,
          { path: p, format: 'csv' },
          { chunkBytes: 16 * 1024, maxRecordBytes: 256 * 1024 },
        ),
      'ERR_INPUT_FIELD_TOO_LARGE',
    )
  })

  it('duplicate or empty column names → ERR_INPUT_MALFORMED', async () => {
    const dup = await expectCode(
      () => convertAll(engine, { path: tmp.file('dup.csv', `a,A\n${CANARY},1\n`), format: 'csv' }),
      'ERR_INPUT_MALFORMED',
    )
    expect(dup.issues[0]?.path).toBe('columns[1]')
    await expectCode(
      () =>
        convertAll(engine, {
          path: tmp.file('emptyname.csv', `a,,c\n1,${CANARY},3\n`),
          format: 'csv',
        }),
      'ERR_INPUT_MALFORMED',
    )
  })

  it('a bad delimiter option → ERR_USAGE_INVALID_ARGUMENT', async () => {
    await expectCode(
      () =>
        convertAll(engine, { path: tmp.file('d.csv', 'a\n1\n'), format: 'csv', delimiter: '"' }),
      'ERR_USAGE_INVALID_ARGUMENT',
    )
  })

  it('aborts with ERR_OPERATION_ABORTED', async () => {
    const p = path.join(tmp.dir, 'abort.csv')
    generateCustomersCsv(p, { rows: 2000, seed: 1 })
    const ac = new AbortController()
    await expectCode(async () => {
      for await (const c of engine.convertToParquet(
        { path: p, format: 'csv' },
        { chunkBytes: 16 * 1024, signal: ac.signal },
      )) {
        void c
        ac.abort()
      }
    }, 'ERR_OPERATION_ABORTED')
  })
})

describe('JSONL', () => {
  it('converts synthetic JSONL in several chunks', async () => {
    const p = path.join(tmp.dir, 'c.jsonl')
    generateCustomersJsonl(p, { rows: 1000, seed: 9 })
    const chunks = await convertAll(engine, { path: p, format: 'jsonl' }, { chunkBytes: 32 * 1024 })
    expect(chunks.length).toBeGreaterThan(2)
    expect(chunks.reduce((n, c) => n + c.rowCount, 0)).toBe(1000)
    expect(chunks[0]?.schema.columns.map((c) => c.name)).toEqual([...CUSTOMER_COLUMNS])
    const rows = await readRows(
      engine,
      chunks.map((c) => c.bytes),
      ['customer_id', 'notes'],
    )
    expect(rows[0]?.[0]).toBe(1n)
    expect(rows.at(-1)?.[0]).toBe(1000n)
  })

  it('malformed line → ERR_INPUT_MALFORMED with the line number', async () => {
    const p = tmp.file('bad.jsonl', `{"a":1}\n{"a":2}\n{"a":"${CANARY}"\n{"a":4}\n`)
    const e = await expectCode(
      () => convertAll(engine, { path: p, format: 'jsonl' }),
      'ERR_INPUT_MALFORMED',
    )
    expect(e.details['line']).toBe(3)
  })

  it('a later line failing the type → ERR_INPUT_TYPE_MISMATCH', async () => {
    const lines = Array.from({ length: 3000 }, (_, i) => `{"n":${i},"s":"x"}`)
    lines[2500] = `{"n":"${CANARY}","s":"x"}`
    const p = tmp.file('type.jsonl', `${lines.join('\n')}\n`)
    const e = await expectCode(
      () => convertAll(engine, { path: p, format: 'jsonl' }, { chunkBytes: 4 * 1024 }),
      'ERR_INPUT_TYPE_MISMATCH',
    )
    expect(e.details).toMatchObject({ line: 2501, column: 'n' })
  })

  it('a key unseen in the first chunk is refused, not dropped', async () => {
    const lines = Array.from({ length: 3000 }, (_, i) => `{"n":${i}}`)
    lines[2900] = `{"n":1,"secret":"${CANARY}"}`
    const p = tmp.file('drift.jsonl', `${lines.join('\n')}\n`)
    const e = await expectCode(
      () => convertAll(engine, { path: p, format: 'jsonl' }, { chunkBytes: 4 * 1024 }),
      'ERR_INPUT_MALFORMED',
    )
    expect(e.details['column']).toBe('secret')
  })

  it('invalid UTF-8 → ERR_INPUT_ENCODING with the line', async () => {
    const bytes = Buffer.concat([
      Buffer.from(`{"a":"ok"}\n{"a":"${CANARY}`),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('"}\n'),
    ])
    const e = await expectCode(
      () => convertAll(engine, { path: tmp.file('enc.jsonl', bytes), format: 'jsonl' }),
      'ERR_INPUT_ENCODING',
    )
    expect(e.details['line']).toBe(2)
  })
})

describe('export destinations', () => {
  it('writes into an existing FIFO in place instead of renaming over it', async () => {
    const fifo = path.join(tmp.dir, 'pipe')
    execFileSync('mkfifo', [fifo])
    const files = (
      await convertAll(engine, { path: tmp.file('f.csv', 'a,b\n1,x\n2,y\n'), format: 'csv' })
    ).map((c) => c.bytes)
    const reading = fs.promises.readFile(fifo, 'utf8')
    const r = await engine.writeOutput(iterate(files), { format: 'csv', out: fifo })
    expect(await reading).toBe('a,b\n1,x\n2,y\n')
    expect(r).toEqual({ rows: 2, bytes: 12 })
    expect(fs.lstatSync(fifo).isFIFO()).toBe(true)
  })

  it('refuses a directory as output', async () => {
    await expectCode(
      () => engine.writeOutput(iterate([]), { format: 'csv', out: tmp.dir }),
      'ERR_USAGE_INVALID_ARGUMENT',
    )
  })
})

describe('Parquet input', () => {
  it('re-chunks a Parquet file by row ranges', async () => {
    const src = path.join(tmp.dir, 'pq-src.csv')
    generateCustomersCsv(src, { rows: 5000, seed: 11 })
    const files = (await convertAll(engine, { path: src, format: 'csv' })).map((c) => c.bytes)
    const pq = path.join(tmp.dir, 'in.parquet')
    await engine.writeOutput(iterate(files), { format: 'parquet', out: pq })
    const chunks = await convertAll(
      engine,
      { path: pq, format: 'parquet' },
      { chunkBytes: 64 * 1024 },
    )
    expect(chunks.length).toBeGreaterThan(2)
    let next = 0
    for (const c of chunks) {
      expect(c.firstRow).toBe(next)
      next += c.rowCount
    }
    expect(next).toBe(5000)
    expect(
      await readRows(
        engine,
        chunks.map((c) => c.bytes),
      ),
    ).toEqual(await readRows(engine, files))
  })

  it('corrupt Parquet → ERR_INPUT_MALFORMED (file and buffer)', async () => {
    const p = tmp.file('bad.parquet', `PAR1${CANARY}garbagePAR1`)
    await expectCode(
      () => convertAll(engine, { path: p, format: 'parquet' }),
      'ERR_INPUT_MALFORMED',
    )
    await expectCode(
      () => engine.inspectParquet(Buffer.from(`PAR1${CANARY}`)),
      'ERR_INPUT_MALFORMED',
    )
  })

  it('a user path with glob characters is read literally', async () => {
    const src = tmp.file('g.csv', 'a\n1\n')
    const files = (await convertAll(engine, { path: src, format: 'csv' })).map((c) => c.bytes)
    const pq = path.join(tmp.dir, 'data[1]*.parquet')
    await engine.writeOutput(iterate(files), { format: 'parquet', out: pq })
    const back = await convertAll(engine, { path: pq, format: 'parquet' })
    expect(
      await readRows(
        engine,
        back.map((c) => c.bytes),
      ),
    ).toEqual([[1n]])
  })
})

describe('no plaintext at rest', () => {
  it('creates nothing in os.tmpdir(), /dev/shm or the working directory while converting', async () => {
    // Fixture outside the watched directories so only engine activity could appear there.
    const fixtureDir = fs.mkdtempSync(path.join(process.cwd(), '.formats-fixture-'))
    try {
      const p = path.join(fixtureDir, 'c.csv')
      generateCustomersCsv(p, { rows: 20_000, seed: 2 })
      fs.appendFileSync(
        p,
        `20001,${CANARY},x@example.com,+447700900000,4111111111111111,1 A St,Leeds,LS1 1AA,GB,1990-01-01,2020-01-01 00:00:00,1.00,\n`,
      )
      const watched = [os.tmpdir(), '/dev/shm', process.cwd()]
      const before = watched.map((d) => new Set(fs.readdirSync(d)))
      const chunks = await convertAll(
        engine,
        { path: p, format: 'csv' },
        { chunkBytes: 256 * 1024 },
      )
      await engine.writeOutput(iterate(chunks.map((c) => c.bytes)), {
        format: 'parquet',
        out: path.join(fixtureDir, 'export.parquet'),
      })
      for await (const b of engine.readBatches(iterate(chunks.map((c) => c.bytes)))) void b
      watched.forEach((d, i) => {
        const added = fs.readdirSync(d).filter((f) => !before[i]?.has(f))
        // Other test files may run in parallel and create their own temp dirs in /tmp; none
        // of them may hold our canary, and /dev/shm must stay untouched (O_TMPFILE is unnamed).
        if (d === '/dev/shm') expect(added).toEqual([])
        for (const f of added) expect(containsCanary(path.join(d, f)), path.join(d, f)).toBe(false)
      })
      expect(fs.existsSync(path.join(process.cwd(), '.tmp'))).toBe(false)
    } finally {
      fs.rmSync(fixtureDir, { recursive: true, force: true })
    }
  })
})

function containsCanary(p: string): boolean {
  let st: fs.Stats
  try {
    st = fs.statSync(p)
  } catch {
    return false
  }
  if (st.isDirectory()) return fs.readdirSync(p).some((f) => containsCanary(path.join(p, f)))
  return st.isFile() && fs.readFileSync(p).includes(CANARY)
}
