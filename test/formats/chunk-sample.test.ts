/**
 * Leading-row samples that the engine reads with each chunk must be exactly the chunk's
 * first rows as stored: the same values, types and row count a read of the chunk's Parquet
 * gives, for every input format and across chunk boundaries.
 */
import * as path from 'node:path'

import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import {
  SamplePlan,
  chunkSamplePrefixRows,
  chunkSampleRows,
  leadingCsvRecordsEnd,
  leadingJsonLinesEnd,
  type ChunkSampling,
} from '../../src/formats/chunk-sample.js'
import { firstRecordEnd } from '../../src/formats/csv-scan.js'
import { createDuckDbEngine } from '../../src/formats/duckdb-engine.js'
import type { DuckDbEngine } from '../../src/formats/duckdb-engine.js'
import type { ConvertSource, ParquetChunk } from '../../src/formats/engine.js'
import { generateCustomersCsv, generateCustomersJsonl } from '../../src/formats/synthetic.js'
import { convertAll, iterate, readRows, tempDir } from './helpers.js'

let engine: DuckDbEngine
const tmp = tempDir()

beforeAll(async () => {
  engine = await createDuckDbEngine({ threads: 2 })
})
afterAll(async () => {
  await engine.close()
  tmp.cleanup()
})

const QUOTE = 0x22
const bytes = (s: string): Buffer => Buffer.from(s, 'utf8')

describe('sample sizes', () => {
  const s: ChunkSampling = { first: 1000, later: 100, total: 5000 }
  it('takes the first rows from the first chunk with any, then a few from each later one', () => {
    expect(chunkSampleRows(s, 0)).toBe(1000)
    expect(chunkSampleRows(s, 300)).toBe(100)
    expect(chunkSampleRows(s, 4950)).toBe(50)
    expect(chunkSampleRows(s, 5000)).toBe(0)
    expect(chunkSampleRows({ first: 10, later: 10, total: 4 }, 0)).toBe(4)
  })
  it('counts what was taken, chunk after chunk', () => {
    const plan = new SamplePlan({ first: 10, later: 4, total: 16 })
    const taken: number[] = []
    for (const rows of [0, 7, 4, 4, 4]) {
      taken.push(plan.wanted)
      plan.took(rows)
    }
    expect(taken).toEqual([10, 10, 4, 4, 1])
    expect(plan.done).toBe(true)
    expect(new SamplePlan(undefined)).toMatchObject({ wanted: 0, done: true })
  })
  it('keeps a prefix long enough for any chunk', () => {
    expect(chunkSamplePrefixRows(s)).toBe(1000)
    expect(chunkSamplePrefixRows({ first: 5, later: 50, total: 20 })).toBe(20)
  })
})

describe('leading records', () => {
  it('cuts CSV after whole records, keeping quoted line breaks inside theirs', () => {
    const csv = bytes('a,"x\ny"\nb,"say ""hi""\r\n"\r\nc,z\n')
    expect(leadingCsvRecordsEnd(csv, 1, QUOTE)).toBe(bytes('a,"x\ny"\n').length)
    expect(leadingCsvRecordsEnd(csv, 2, QUOTE)).toBe(
      bytes('a,"x\ny"\nb,"say ""hi""\r\n"\r\n').length,
    )
    expect(leadingCsvRecordsEnd(csv, 9, QUOTE)).toBe(csv.length)
    expect(leadingCsvRecordsEnd(bytes('a,b'), 1, QUOTE)).toBe(3)
    expect(leadingCsvRecordsEnd(csv, 0, QUOTE)).toBe(0)
  })
  it('property: ends where reading record after record from the start ends', () => {
    // The reference reads each record with firstRecordEnd, from the record's own start.
    const reference = (buf: Buffer, records: number): number => {
      let pos = 0
      for (let i = 0; i < records && pos < buf.length; i++) {
        const end = firstRecordEnd(buf, pos, buf.length, QUOTE)
        if (end === -1) return buf.length
        pos = end
      }
      return pos
    }
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('a', ',', '"', '\n', '\r', 'é'), maxLength: 80 }),
        fc.integer({ min: 0, max: 12 }),
        (text, records) => {
          const buf = bytes(text)
          expect(leadingCsvRecordsEnd(buf, records, QUOTE)).toBe(reference(buf, records))
        },
      ),
      { numRuns: 2000 },
    )
  })
  it('counts JSON lines without the blank ones', () => {
    const jl = bytes('{"a":1}\n\n  \r\n{"a":2}\n{"a":3}')
    expect(leadingJsonLinesEnd(jl, 1)).toBe(8)
    expect(leadingJsonLinesEnd(jl, 2)).toBe(bytes('{"a":1}\n\n  \r\n{"a":2}\n').length)
    expect(leadingJsonLinesEnd(jl, 3)).toBe(jl.length)
    expect(leadingJsonLinesEnd(jl, 4)).toBe(jl.length)
  })
})

/** Checks each chunk's sample against its stored rows and the sampling plan. */
async function expectFaithfulSamples(
  chunks: readonly ParquetChunk[],
  sampling: ChunkSampling,
): Promise<number> {
  let sampled = 0
  for (const c of chunks) {
    const want = chunkSampleRows(sampling, sampled)
    const stored = (await readRows(engine, [c.bytes])).slice(0, want)
    if (want === 0) {
      expect(c.sample).toBeUndefined()
      continue
    }
    const sample = c.sample
    expect(sample, `chunk at row ${c.firstRow}`).toBeDefined()
    if (sample === undefined) continue
    expect(sample.columns).toEqual(c.schema.columns)
    expect(sample.rowCount).toBe(stored.length)
    const rows = Array.from({ length: sample.rowCount }, (_, r) =>
      sample.values.map((col) => col[r]),
    )
    expect(rows).toEqual(stored)
    sampled += sample.rowCount
  }
  return sampled
}

describe('samples read with the chunks', () => {
  const sampling: ChunkSampling = { first: 40, later: 7, total: 90 }
  /** Rows the plan gives over `chunks` when each chunk holds at least 40 rows. */
  const planned = (chunks: readonly ParquetChunk[]): number =>
    Math.min(sampling.total, sampling.first + sampling.later * (chunks.length - 1))

  it('CSV: the same values as the stored chunk, chunk after chunk, up to the total', async () => {
    const p = path.join(tmp.dir, 'customers.csv')
    generateCustomersCsv(p, { rows: 3000, seed: 3 })
    const source: ConvertSource = { path: p, format: 'csv' }
    const chunks = await convertAll(engine, source, { chunkBytes: 64 * 1024, sample: sampling })
    expect(chunks.length).toBeGreaterThan(8)
    expect(await expectFaithfulSamples(chunks, sampling)).toBe(planned(chunks))
    // Asking for samples changes nothing else.
    const plain = await convertAll(engine, source, { chunkBytes: 64 * 1024 })
    expect(
      await readRows(
        engine,
        chunks.map((c) => c.bytes),
      ),
    ).toEqual(
      await readRows(
        engine,
        plain.map((c) => c.bytes),
      ),
    )
    expect(plain.every((c) => c.sample === undefined)).toBe(true)
  })

  it('CSV with typed columns, quoted line breaks, CRLF and a custom date format', async () => {
    const lines = ['id,born,seen,amount,note']
    for (let i = 0; i < 400; i++)
      lines.push(
        `${i},${String((i % 28) + 1).padStart(2, '0')}/03/1990,2024-01-02 03:04:${String(i % 60).padStart(2, '0')},${i / 4},"line ${i}\r\nnext, ""quoted"""`,
      )
    const p = tmp.file('typed.csv', lines.join('\r\n') + '\r\n')
    const chunks = await convertAll(
      engine,
      { path: p, format: 'csv' },
      { chunkBytes: 4096, sample: sampling },
    )
    expect(chunks.length).toBeGreaterThan(3)
    expect(chunks[0]?.schema.columns.map((c) => c.type)).toEqual([
      'int64',
      'date',
      'timestamp',
      'float64',
      'string',
    ])
    expect(await expectFaithfulSamples(chunks, sampling)).toBe(planned(chunks))
  })

  it('JSONL, blank lines included', async () => {
    const p = path.join(tmp.dir, 'c.jsonl')
    generateCustomersJsonl(p, { rows: 1000, seed: 5 })
    const chunks = await convertAll(
      engine,
      { path: p, format: 'jsonl' },
      { chunkBytes: 16 * 1024, sample: sampling },
    )
    expect(await expectFaithfulSamples(chunks, sampling)).toBe(planned(chunks))
    const blank = tmp.file(
      'blank.jsonl',
      Array.from(
        { length: 300 },
        (_, i) => `{"a":${i},"b":"x${i}"}${i % 3 === 0 ? '\n\n \n' : '\n'}`,
      ).join(''),
    )
    const b = await convertAll(
      engine,
      { path: blank, format: 'jsonl' },
      { chunkBytes: 2048, sample: sampling },
    )
    expect(await expectFaithfulSamples(b, sampling)).toBe(planned(b))
  })

  it('Parquet input', async () => {
    const src = path.join(tmp.dir, 'pq-src.csv')
    generateCustomersCsv(src, { rows: 2000, seed: 11 })
    const files = (await convertAll(engine, { path: src, format: 'csv' })).map((c) => c.bytes)
    const pq = path.join(tmp.dir, 'in.parquet')
    await engine.writeOutput(iterate(files), { format: 'parquet', out: pq })
    const chunks = await convertAll(
      engine,
      { path: pq, format: 'parquet' },
      { chunkBytes: 32 * 1024, sample: sampling },
    )
    expect(chunks.length).toBeGreaterThan(2)
    expect(await expectFaithfulSamples(chunks, sampling)).toBe(planned(chunks))
  })

  it('property: any small table of awkward text, any chunk size', async () => {
    const cell = fc.string({ unit: fc.constantFrom('a', 'Z', ',', '"', '\n', ' ', 'é', '7') })
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: -1e6, max: 1e6 }), cell, cell), {
          minLength: 1,
          maxLength: 60,
        }),
        fc.integer({ min: 65536, max: 65536 * 2 }),
        fc.record({
          first: fc.integer({ min: 1, max: 20 }),
          later: fc.integer({ min: 0, max: 10 }),
          total: fc.integer({ min: 1, max: 40 }),
        }),
        async (rows, chunkBytes, s) => {
          const quote = (v: string): string => `"${v.replaceAll('"', '""')}"`
          const body = rows.map(([n, a, b]) => `${n},${quote(a)},${quote(b)}`).join('\n')
          // Padding rows make several chunks of the smallest size the engine allows.
          const pad = Array.from({ length: 1500 }, (_, i) => `${i},"${'p'.repeat(80)}",x`)
          const p = tmp.file('prop.csv', `n,a,b\n${body}\n${pad.join('\n')}\n`)
          const chunks = await convertAll(
            engine,
            { path: p, format: 'csv' },
            { chunkBytes, sample: s },
          )
          await expectFaithfulSamples(chunks, s)
        },
      ),
      { numRuns: 15 },
    )
  })
})
