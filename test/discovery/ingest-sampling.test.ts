/**
 * How ingest samples a multi-chunk input for classification: the first rows, then a few
 * from each later chunk, so a column that fills in only later in the file is still found.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { DuckDbEngine } from '../../src/formats/duckdb-engine.js'
import type { ParquetChunk } from '../../src/formats/engine.js'
import type { Strongroom } from '../../src/index.js'
import { newLake, tempDir } from '../e2e/helpers.js'

/** Rows of each chunk's sample handed to ingest, recorded as the engine yields them. */
function recordSamples(): number[] {
  const seen: number[] = []
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called with its engine below
  const convert = DuckDbEngine.prototype.convertToParquet
  vi.spyOn(DuckDbEngine.prototype, 'convertToParquet').mockImplementation(async function* (
    this: DuckDbEngine,
    ...args: Parameters<DuckDbEngine['convertToParquet']>
  ): AsyncGenerator<ParquetChunk> {
    for await (const chunk of convert.apply(this, args)) {
      seen.push(chunk.sample?.rowCount ?? 0)
      yield chunk
    }
  })
  return seen
}

/** A CSV of `rows` rows: an e-mail column, and a column of IP addresses from `lateFrom` on. */
function writeTable(path: string, rows: number, lateFrom: number): void {
  const lines = ['email,late,padding']
  for (let i = 0; i < rows; i++) {
    const ip = i < lateFrom ? '' : `10.${i % 250}.${(i * 7) % 250}.${(i * 13) % 250}`
    lines.push(`person${i}@example.org,${ip},${'x'.repeat(40 + (i % 17))}`)
  }
  writeFileSync(path, lines.join('\n') + '\n')
}

describe('ingest sampling', () => {
  let dir: string
  let cleanup: () => Promise<void>
  let lake: Strongroom

  beforeAll(async () => {
    ;({ dir, cleanup } = await tempDir('sr-sampling-'))
    lake = await newLake(join(dir, 'lake'), {}, 64 * 1024)
  })
  afterEach(() => {
    vi.restoreAllMocks()
  })
  afterAll(async () => {
    await lake.close()
    await cleanup()
  })

  it('samples every later chunk, and finds what only they hold', async () => {
    const csv = join(dir, 'late.csv')
    writeTable(csv, 12_000, 3000)
    const samples = recordSamples()
    const r = await lake.ingest(csv, { dataset: 'crm.late' })
    expect(samples.length).toBeGreaterThan(8)
    expect(samples[0]).toBeGreaterThan(400)
    // 100 rows from every later chunk (the last may hold fewer).
    expect(samples.slice(1, -1).every((n) => n === 100)).toBe(true)
    expect(samples.at(-1)).toBeGreaterThan(0)
    const late = r.classifications.find((c) => c.column === 'late')
    expect(late?.entityType).toBe('IP_ADDRESS')
    expect(Math.min(...(late?.entities[0]?.rows ?? [0]))).toBeGreaterThanOrEqual(3000)
  })
})
