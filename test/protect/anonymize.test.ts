import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { StrongroomError } from '../../src/errors.js'
import { anonymize } from '../../src/protect/anonymize/anonymize.js'
import { encodeQis } from '../../src/protect/anonymize/encode.js'
import type { Hierarchy } from '../../src/protect/anonymize/hierarchy.js'
import { intervalHierarchy, parseHierarchy } from '../../src/protect/anonymize/hierarchy.js'
import { FullDomainSearch } from '../../src/protect/anonymize/search.js'
import type { Table } from '../../src/protect/anonymize/table.js'

const colour = parseHierarchy('red;warm;*\norange;warm;*\nblue;cold;*\ngreen;cold;*')
const shape = parseHierarchy('circle;round;*\noval;round;*\nsquare;angular;*\ntriangle;angular;*')
const age = intervalHierarchy({ widths: [5, 10, 20] })
const hierarchies = new Map<string, Hierarchy>([
  ['colour', colour],
  ['shape', shape],
  ['age', age],
])

function counts(rows: readonly (readonly string[])[], cols: readonly number[]) {
  const m = new Map<string, number>()
  for (const r of rows) {
    if (cols.every((c) => r[c] === '*')) continue
    const key = JSON.stringify(cols.map((c) => r[c]))
    m.set(key, (m.get(key) ?? 0) + 1)
  }
  return m
}

describe('anonymize: request validation', () => {
  const table: Table = {
    columns: ['colour', 'shape', 'age', 'income'],
    rows: [
      ['red', 'circle', '30', '1'],
      ['purple', 'oval', '31', '2'],
      ['blue', 'square', '32', '3'],
    ],
  }

  it('lists every problem in one ERR_ANONYMIZE_INVALID', () => {
    let err: unknown
    try {
      anonymize(table, {
        qi: ['colour', 'income', 'missing'],
        k: 1,
        maxSuppression: 1.5,
        hierarchies,
      })
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(StrongroomError)
    const e = err as StrongroomError
    expect(e.code).toBe('ERR_ANONYMIZE_INVALID')
    const paths = e.issues.map((i) => i.path).sort()
    expect(paths).toEqual(['k', 'maxSuppression', 'qi.colour', 'qi.income', 'qi.missing'])
    // Messages name columns and rows, never the uncovered value itself.
    expect(JSON.stringify(e.toJSON())).not.toContain('purple')
    expect(e.issues.find((i) => i.path === 'qi.colour')!.message).toContain('row 2')
  })

  it('rejects k larger than the table and l without a sensitive column', () => {
    try {
      anonymize(table, { qi: ['age'], k: 4, maxSuppression: 0, hierarchies, l: 2 })
      expect.unreachable()
    } catch (e) {
      expect((e as StrongroomError).issues.map((i) => i.path)).toEqual(['k', 'sensitive'])
    }
  })

  it('rejects a population without the QI columns', () => {
    try {
      anonymize(table, {
        qi: ['age'],
        k: 2,
        maxSuppression: 0,
        hierarchies,
        population: { columns: ['colour'], rows: [['red']] },
      })
      expect.unreachable()
    } catch (e) {
      expect((e as StrongroomError).issues.map((i) => i.path)).toEqual(['population.age'])
    }
  })

  it('generalizes the population with the chosen levels for journalist risk', () => {
    const t: Table = { columns: ['colour'], rows: [['red'], ['orange'], ['blue'], ['green']] }
    const population: Table = {
      columns: ['colour'],
      rows: [...t.rows, ['red'], ['red'], ['blue'], ['purple']],
    }
    const r = anonymize(t, { qi: ['colour'], k: 2, maxSuppression: 0, hierarchies, population })
    expect(r.levels).toEqual({ colour: 1 })
    // Sample classes warm (2) and cold (2); population warm 4, cold 3 (purple is not covered).
    expect(r.risk.after.prosecutorMax).toBe(0.5)
    expect(r.risk.after.journalistMax).toBeCloseTo(1 / 3, 12)
    expect(r.risk.after.journalistAverage).toBeCloseTo((2 / 4 + 2 / 3) / 4, 12)
    // Before: every sample value is unique; red is 3 times in the population.
    expect(r.risk.before.prosecutorMax).toBe(1)
    expect(r.risk.before.journalistAverage).toBeCloseTo((1 / 3 + 1 + 1 / 2 + 1) / 4, 12)
  })

  it('removes suppressed rows on request instead of masking them', () => {
    const t: Table = {
      columns: ['colour'],
      rows: [['red'], ['red'], ['red'], ['blue']],
    }
    const masked = anonymize(t, { qi: ['colour'], k: 2, maxSuppression: 0.25, hierarchies })
    expect(masked.rows).toEqual([['red'], ['red'], ['red'], ['*']])
    expect(masked.suppressed).toBe(1)
    const removed = anonymize(t, {
      qi: ['colour'],
      k: 2,
      maxSuppression: 0.25,
      hierarchies,
      suppressed: 'remove',
    })
    expect(removed.rows).toEqual([['red'], ['red'], ['red']])
    // 0.2 · 4 rounds down to 0 rows (ARX's floor): the node must generalize instead, and
    // warm (3) / cold (1) is not enough.
    const strict = anonymize(t, { qi: ['colour'], k: 2, maxSuppression: 0.2, hierarchies })
    expect(strict.suppressed).toBe(0)
    expect(strict.levels).toEqual({ colour: 2 })
  })
})

const COLOURS = ['red', 'orange', 'blue', 'green']
const SHAPES = ['circle', 'oval', 'square', 'triangle']
const tableArb = fc
  .array(
    fc.tuple(
      fc.constantFrom(...COLOURS),
      fc.constantFrom(...SHAPES),
      fc.integer({ min: 0, max: 79 }),
      fc.constantFrom('a', 'b', 'c'),
    ),
    { minLength: 6, maxLength: 60 },
  )
  .map((rows): Table => ({
    columns: ['colour', 'shape', 'age', 'diag'],
    rows: rows.map(([c, s, a, d]) => [c, s, String(a), d]),
  }))

describe('anonymize: properties on random tables', () => {
  it('every released QI combination occurs at least k times (optimal and mondrian)', () => {
    fc.assert(
      fc.property(
        tableArb,
        fc.integer({ min: 2, max: 5 }),
        fc.constantFrom(0, 0.05, 0.2),
        fc.constantFrom('optimal' as const, 'mondrian' as const),
        (table, k, limit, method) => {
          fc.pre(k <= table.rows.length)
          const qi = ['colour', 'shape', 'age']
          const r = anonymize(table, { qi, k, maxSuppression: limit, hierarchies, method })
          const m = counts(r.rows, [0, 1, 2])
          for (const v of m.values()) expect(v).toBeGreaterThanOrEqual(k)
          expect(r.suppressed).toBeLessThanOrEqual(Math.floor(limit * table.rows.length))
          // All-'*' rows are the suppressed ones plus, if any, a genuine class at the top.
          const masked = r.rows.filter((row) => row.slice(0, 3).every((v) => v === '*')).length
          expect(masked).toBeGreaterThanOrEqual(r.suppressed)
          if (masked > r.suppressed) expect(masked - r.suppressed).toBeGreaterThanOrEqual(k)
          // Non-QI columns are released unchanged.
          expect(r.rows.map((row) => row[3])).toEqual(table.rows.map((row) => row[3]))
          expect(r.risk.after.prosecutorMax).toBeLessThanOrEqual(
            r.suppressed > 0 && r.suppressed < k ? 1 / r.suppressed : 1 / k,
          )
        },
      ),
      { numRuns: 150 },
    )
  })

  it('the pruned search finds the same optimum as the exhaustive one', () => {
    fc.assert(
      fc.property(
        tableArb,
        fc.integer({ min: 2, max: 6 }),
        fc.constantFrom(0, 0.1, 0.3),
        (table, k, limit) => {
          fc.pre(k <= table.rows.length)
          const { qis } = encodeQis(table, ['colour', 'shape', 'age'], hierarchies)
          const search = new FullDomainSearch(qis, table.rows.length)
          const c = { k, maxSuppressed: Math.floor(limit * table.rows.length) }
          const a = search.optimal(c)!
          const b = search.exhaustive(c)!
          expect(a.loss).toBeCloseTo(b.loss, 9)
          expect(a.suppressed).toBeLessThanOrEqual(c.maxSuppressed)
        },
      ),
      { numRuns: 150 },
    )
  })

  it('l-diversity and t-closeness hold in every released class', () => {
    fc.assert(
      fc.property(
        tableArb,
        fc.constantFrom('optimal' as const, 'mondrian' as const),
        (table, method) => {
          const distinct = new Set(table.rows.map((r) => r[3])).size
          fc.pre(distinct >= 2)
          const r = anonymize(table, {
            qi: ['colour', 'shape', 'age'],
            k: 2,
            maxSuppression: 0.1,
            hierarchies,
            sensitive: 'diag',
            l: 2,
            t: 0.6,
            method,
          })
          const groups = new Map<string, Set<string>>()
          for (const row of r.rows) {
            if (row.slice(0, 3).every((v) => v === '*')) continue
            const key = JSON.stringify(row.slice(0, 3))
            if (!groups.has(key)) groups.set(key, new Set())
            groups.get(key)!.add(row[3]!)
          }
          for (const s of groups.values()) expect(s.size).toBeGreaterThanOrEqual(2)
        },
      ),
      { numRuns: 100 },
    )
  })
})
