import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { findCsvIssue, lastRecordEnd } from '../../src/formats/csv-scan.js'
import { createDuckDbEngine } from '../../src/formats/duckdb-engine.js'
import type { DuckDbEngine } from '../../src/formats/duckdb-engine.js'
import { convertAll, readRows, tempDir } from './helpers.js'

const QUOTE = 0x22
const COMMA = 0x2c

/** A field and whether to quote it even when it does not need quotes. */
const field = fc.record({
  text: fc.string({
    unit: fc.constantFrom('a', 'b', 'é', ',', '"', '\n', ' ', '\r\n', '1'),
    maxLength: 12,
  }),
  forceQuote: fc.boolean(),
})

function encode(f: { text: string; forceQuote: boolean }): string {
  return f.forceQuote || /[",\r\n]/.test(f.text) ? `"${f.text.replaceAll('"', '""')}"` : f.text
}

/** What DuckDB yields for a field: unquoted empty is NULL, everything else is the text. */
function expected(f: { text: string; forceQuote: boolean }): string | null {
  return encode(f) === '' ? null : f.text
}

const table = fc.integer({ min: 2, max: 4 }).chain((cols) =>
  fc.array(fc.array(field, { minLength: cols, maxLength: cols }), {
    minLength: 1,
    maxLength: 60,
  }),
)

describe('lastRecordEnd (property)', () => {
  it('cuts exactly at record boundaries for any prefix length', () => {
    fc.assert(
      fc.property(table, fc.nat(), (rows, cutSeed) => {
        const lines = rows.map((r) => `${r.map(encode).join(',')}\n`)
        const text = Buffer.from(lines.join(''))
        const boundaries = new Set<number>([0])
        let off = 0
        for (const l of lines) boundaries.add((off += Buffer.byteLength(l)))
        const end = cutSeed % (text.length + 1)
        const scan = lastRecordEnd(text, 0, end, QUOTE)
        const best = Math.max(...[...boundaries].filter((b) => b <= end))
        expect(scan.end).toBe(best === 0 ? -1 : best)
        // Every cut chunk is structurally valid for the slow-path validator.
        if (scan.end > 0)
          expect(
            findCsvIssue(text, 0, scan.end, COMMA, QUOTE, rows[0]?.length ?? 0),
          ).toBeUndefined()
      }),
      { numRuns: 500 },
    )
  })
})

describe('chunked CSV ingest (property)', () => {
  let engine: DuckDbEngine
  const tmp = tempDir()
  beforeAll(async () => {
    engine = await createDuckDbEngine({ threads: 1 })
  })
  afterAll(async () => {
    await engine.close()
    tmp.cleanup()
  })

  it('returns the same rows for any chunk size, with quoted commas, quotes and newlines', async () => {
    let n = 0
    await fc.assert(
      fc.asyncProperty(table, fc.integer({ min: 1, max: 300 }), async (rows, chunkBytes) => {
        const cols = rows[0]?.length ?? 0
        const header = Array.from({ length: cols }, (_, i) => `c${i}`).join(',')
        const p = tmp.file(
          `p${n++}.csv`,
          `${header}\n${rows.map((r) => r.map(encode).join(',')).join('\n')}\n`,
        )
        const chunks = await convertAll(
          engine,
          { path: p, format: 'csv' },
          { chunkBytes, allVarchar: true },
        )
        const back = await readRows(
          engine,
          chunks.map((c) => c.bytes),
        )
        expect(back).toEqual(rows.map((r) => r.map(expected)))
      }),
      { numRuns: 150 },
    )
  })
})
