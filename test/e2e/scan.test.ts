/**
 * `scan`: column classification of a file (no lake needed) and of a dataset (audited),
 * and span mode over JSONL. Reports name columns, types and row numbers, never values.
 */
import { readFileSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateCustomersCsv } from '../../src/formats/synthetic.js'
import { cli, newLake, tempDir } from './helpers.js'

describe('scan', () => {
  let dir: string
  let cleanup: () => Promise<void>
  let csv: string
  let lake: string

  beforeAll(async () => {
    ;({ dir, cleanup } = await tempDir('sr-scan-'))
    csv = join(dir, 'customers.csv')
    generateCustomersCsv(csv, { rows: 3000, seed: 4 })
    lake = join(dir, 'lake')
    const l = await newLake(lake)
    await l.ingest(csv, { dataset: 'crm.customers' })
    await l.close()
  })
  afterAll(async () => cleanup())

  type Report = {
    rowsSampled: number
    columns: { column: string; entityType: string; sensitivity: string; rows: number[] }[]
  }

  it('classifies a file without a lake, sampling the requested rows', async () => {
    const r = await cli(['scan', csv, '--sample', '500', '--json', '--lake', join(dir, 'none')])
    expect(r.code, r.stderr).toBe(0)
    const report = JSON.parse(r.stdout) as Report
    expect(report.rowsSampled).toBe(500)
    const by = Object.fromEntries(report.columns.map((c) => [c.column, c]))
    expect(by['email']?.entityType).toBe('EMAIL_ADDRESS')
    expect(by['card_number']).toMatchObject({ entityType: 'CREDIT_CARD', sensitivity: 'high' })
    expect(by['email']?.rows.length).toBeGreaterThan(0)
    // No value from the file appears in the report.
    const firstEmail = readFileSync(csv, 'utf8').split('\n')[1]?.split(',')[2] ?? 'x@'
    expect(r.stdout).not.toContain(firstEmail)
  })

  it('scans a dataset through the lake and audits it', async () => {
    const r = await cli(['scan', 'crm.customers', '--json', '--lake', lake])
    expect(r.code, r.stderr).toBe(0)
    const report = JSON.parse(r.stdout) as Report
    expect(report.rowsSampled).toBe(1000)
    expect(report.columns.find((c) => c.column === 'email')?.entityType).toBe('EMAIL_ADDRESS')
    const events = JSON.parse(
      (await cli(['audit', 'query', '--action', 'dataset.scan', '--lake', lake, '--json'])).stdout,
    ) as { outcome: string; rows?: number }[]
    expect(events.map((e) => e.outcome)).toEqual(['started', 'success'])
    expect(events[1]?.rows).toBe(1000)
  })

  it('span mode writes one line of spans per input line, in UTF-16 offsets', async () => {
    const input = join(dir, 'texts.jsonl')
    const texts = ['Mail ada@example.test now', 'ünïcödé then 4539 1488 0343 6467', 'nothing']
    await writeFile(
      input,
      texts.map((t) => JSON.stringify({ text: t })).join('\n') + '\nnot json\n',
    )
    const r = await cli(['scan', input, '--spans', '--text-field', 'text'])
    expect(r.code, r.stderr).toBe(0)
    const lines = r.stdout
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as {
            spans: { type: string; start: number; end: number }[]
            error?: { code: string; line: number }
          },
      )
    expect(lines).toHaveLength(4)
    const email = lines[0]?.spans[0]
    expect(email?.type).toBe('EMAIL_ADDRESS')
    expect(texts[0]?.slice(email?.start, email?.end)).toBe('ada@example.test')
    const card = lines[1]?.spans.find((s) => s.type === 'CREDIT_CARD')
    expect(texts[1]?.slice(card?.start, card?.end)).toBe('4539 1488 0343 6467')
    expect(lines[2]?.spans).toEqual([])
    expect(lines[3]).toEqual({ spans: [], error: { code: 'ERR_INPUT_MALFORMED', line: 4 } })
  })
})
