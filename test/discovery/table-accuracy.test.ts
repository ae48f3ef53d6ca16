/**
 * Column classification accuracy on a generated table of 31 mixed columns (personal data of
 * many kinds and look-alike columns that hold none), once with meaningful column names and
 * once with meaningless ones (c1…c31), where only the values can decide. Goal: at least 95%
 * of columns classified right in both.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { classifyColumns } from '../../src/discovery/classify-columns.js'
import { createDiscoveryEngine } from '../../src/discovery/discovery-engine.js'
import { MIXED_COLUMNS, mixedTable } from '../helpers/mixed-table.js'

describe('column classification on a 31-column mixed table', () => {
  const engine = createDiscoveryEngine()
  afterAll(() => engine.close())

  for (const anonymousNames of [false, true]) {
    it(`classifies >= 95% of columns right with ${anonymousNames ? 'c1…c31' : 'meaningful'} names`, () => {
      expect(MIXED_COLUMNS.length).toBeGreaterThanOrEqual(30)
      const table = mixedTable(300, 20261128, { anonymousNames })
      const found = classifyColumns(
        table.map((c) => ({ name: c.name, values: c.values })),
        engine,
      )
      const wrong = found
        .map((f, i) => ({ column: f.column, expected: table[i]?.expected, got: f.entityType }))
        .filter((x) => x.expected !== x.got)
      const accuracy = 1 - wrong.length / table.length
      console.log(
        `table accuracy (${anonymousNames ? 'c-names' : 'named'}): ${(accuracy * 100).toFixed(1)}%`,
        wrong,
      )
      expect(accuracy).toBeGreaterThanOrEqual(0.95)
    })
  }
})
