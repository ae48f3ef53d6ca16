import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { mixedTable } from '../../test/helpers/mixed-table.js'
import { generateCustomerRows } from '../formats/synthetic.js'
import { TableClassifier, classifyColumns } from './classify-columns.js'
import { createDefaultRegistry } from './default-registry.js'

describe('classifyColumns', () => {
  const registry = createDefaultRegistry()

  it('classifies the synthetic customer table by its values', () => {
    const rows: Record<string, unknown>[] = []
    for (const r of generateCustomerRows(11)) {
      rows.push(r as unknown as Record<string, unknown>)
      if (rows.length === 500) break
    }
    const names = Object.keys(rows[0] ?? {})
    const samples = names.map((name) => ({
      name,
      values: rows.map((r) => (r[name] === undefined ? null : String(r[name] as string | number))),
    }))
    const found = Object.fromEntries(classifyColumns(samples, registry).map((f) => [f.column, f]))
    expect(found['email']?.entityType).toBe('EMAIL_ADDRESS')
    expect(found['card_number']).toMatchObject({ entityType: 'CREDIT_CARD', sensitivity: 'high' })
    expect(found['date_of_birth']?.entityType).toBe('DATE_TIME')
    expect(found['customer_id']?.entityType).toBe('NONE')
    expect(found['email']?.confidence).toBeGreaterThan(0.9)
  })

  it('meaningless column names do not change the result (values decide)', () => {
    const samples = [
      { name: 'c1', values: ['ada@example.test', 'bob@example.test', null, ''] },
      { name: 'c2', values: ['4539 5787 6362 1486', '4539578763621486'] },
      { name: 'c3', values: ['hello', 'world'] },
    ]
    expect(classifyColumns(samples, registry).map((f) => f.entityType)).toEqual([
      'EMAIL_ADDRESS',
      'CREDIT_CARD',
      'NONE',
    ])
  })

  it('classifies free text by what it contains, with lower confidence', () => {
    const notes = Array.from({ length: 10 }, (_, i) =>
      i % 2 === 0 ? `call me, write to user${i}@example.test please` : 'nothing here',
    )
    const [f] = classifyColumns([{ name: 'notes', values: notes }], registry)
    expect(f?.entityType).toBe('EMAIL_ADDRESS')
    expect(f?.confidence).toBeLessThan(0.5)
  })
})

describe('TableClassifier', () => {
  const registry = createDefaultRegistry()
  // A table whose columns settle at different points, with empty cells, a free-text column
  // that never settles, and a column of bare postal codes beside a city column.
  const table = mixedTable(260, 7, { anonymousNames: false }).map((c) => ({
    name: c.name,
    values: c.values.map((v, i) => (i % 37 === 5 ? null : v)),
  }))

  it('fed in pieces, finds exactly what classifyColumns finds over the whole sample', () => {
    const whole = classifyColumns(table, registry, { reveal: true })
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 120 }), { maxLength: 8 }), (cuts) => {
        const table2 = new TableClassifier(registry, { reveal: true })
        let at = 0
        for (const size of [...cuts, Number.MAX_SAFE_INTEGER]) {
          const end = Math.min(at + size, 260)
          table2.add(
            table.map((c) => ({
              name: c.name,
              values: c.values.slice(at, end),
              rows: c.values.slice(at, end).map((_, i) => at + i),
            })),
          )
          at = end
        }
        expect(table2.rowsAdded).toBe(260)
        expect(table2.finish()).toEqual(whole)
      }),
      { numRuns: 12 },
    )
  })
})

describe('settling early', () => {
  const registry = createDefaultRegistry()
  const email = (i: number): string => `person${i}@example.org`
  const noise = (i: number): string => `zq${(i * 7919) % 100000}xv`

  it('stops at 200 values when one type covers nearly all of them', () => {
    const [f] = classifyColumns(
      [{ name: 'c', values: Array.from({ length: 1000 }, (_, i) => email(i)) }],
      registry,
    )
    expect(f).toMatchObject({ entityType: 'EMAIL_ADDRESS', sampled: 200, share: 1 })
  })

  it('stops at 400 values when one type leads clearly, with its share estimated', () => {
    const values = Array.from({ length: 1000 }, (_, i) => (i % 10 < 7 ? email(i) : noise(i)))
    const [f] = classifyColumns([{ name: 'c', values }], registry)
    expect(f).toMatchObject({ entityType: 'EMAIL_ADDRESS', sampled: 400, share: 0.7 })
    const [all] = classifyColumns([{ name: 'c', values }], registry, { exhaustive: true })
    expect(all).toMatchObject({ entityType: 'EMAIL_ADDRESS', sampled: 1000, share: 0.7 })
  })

  it('scans on while the runner-up is close', () => {
    // 65% e-mail addresses, 35% IP addresses: a leader, but only 30 points ahead.
    const values = Array.from({ length: 1000 }, (_, i) =>
      i % 20 < 13 ? email(i) : `10.${i % 200}.${(i * 7) % 250}.${(i * 13) % 250}`,
    )
    const [f] = classifyColumns([{ name: 'c', values }], registry)
    expect(f).toMatchObject({ entityType: 'EMAIL_ADDRESS', sampled: 1000, share: 0.65 })
    expect(f?.entities.find((e) => e.entityType === 'IP_ADDRESS')?.wholeValues).toBe(350)
  })
})
