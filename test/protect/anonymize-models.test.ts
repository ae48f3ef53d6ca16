import { describe, expect, it } from 'vitest'
import { isStrongroomError } from '../../src/errors.js'
import { anonymize } from '../../src/protect/anonymize/anonymize.js'
import { parseHierarchy } from '../../src/protect/anonymize/hierarchy.js'
import {
  checkPrivacyModels,
  emd,
  encodeSensitive,
} from '../../src/protect/anonymize/privacy-models.js'
import { riskReport } from '../../src/protect/anonymize/risk.js'

// Two classes: A holds {x, y, z}, B holds {x, x, y}; the table distribution is x 1/2, y 1/3, z 1/6.
const QI = [['A'], ['A'], ['A'], ['B'], ['B'], ['B']]
const S = ['x', 'y', 'z', 'x', 'x', 'y']

describe('l-diversity on a hand-computed example', () => {
  it('distinct: A has 3 values, B has 2', () => {
    expect(checkPrivacyModels(QI, S, [{ kind: 'distinct-l-diversity', l: 2 }]).ok).toBe(true)
    const r = checkPrivacyModels(QI, S, [{ kind: 'distinct-l-diversity', l: 3 }])
    expect(r).toEqual({ classes: 2, failingClasses: 1, failingRows: 3, ok: false })
  })

  it('entropy: H(B) = -(2/3 ln 2/3 + 1/3 ln 1/3) = 0.6365 < ln 2, H(A) = ln 3', () => {
    expect(checkPrivacyModels(QI, S, [{ kind: 'entropy-l-diversity', l: 2 }]).failingClasses).toBe(
      1,
    )
    // exp(0.6365) = 1.8899: B passes entropy l = 1.88 but not 1.9.
    expect(checkPrivacyModels(QI, S, [{ kind: 'entropy-l-diversity', l: 1.88 }]).ok).toBe(true)
    expect(checkPrivacyModels(QI, S, [{ kind: 'entropy-l-diversity', l: 1.9 }]).ok).toBe(false)
    // A alone: exactly ln 3, which must pass l = 3.
    expect(
      checkPrivacyModels(QI.slice(0, 3), S.slice(0, 3), [{ kind: 'entropy-l-diversity', l: 3 }]).ok,
    ).toBe(true)
  })

  it('recursive (c,2): B has r1 = 2, r2 = 1, so it needs 2 < c·1', () => {
    const at = (c: number) =>
      checkPrivacyModels(QI, S, [{ kind: 'recursive-cl-diversity', c, l: 2 }]).failingClasses
    expect(at(2)).toBe(1)
    expect(at(2.01)).toBe(0)
  })
})

describe('t-closeness', () => {
  it('equal distance: both classes are 1/6 from the table', () => {
    const s = encodeSensitive(S)
    const idx = (v: string) => s.labels.indexOf(v)
    const counts = (vals: string[]) => {
      const c = new Array<number>(s.size).fill(0)
      for (const v of vals) c[idx(v)]!++
      return c
    }
    expect(emd(s, counts(['x', 'y', 'z']), 3, 'equal')).toBeCloseTo(1 / 6, 12)
    expect(emd(s, counts(['x', 'x', 'y']), 3, 'equal')).toBeCloseTo(1 / 6, 12)
    expect(
      checkPrivacyModels(QI, S, [{ kind: 't-closeness', t: 0.17, distance: 'equal' }]).ok,
    ).toBe(true)
    expect(
      checkPrivacyModels(QI, S, [{ kind: 't-closeness', t: 0.16, distance: 'equal' }]).ok,
    ).toBe(false)
  })

  it('ordered distance: salaries 3k..11k, {3k,4k,5k} at 0.375 and {6k,8k,11k} at 0.167 (Li, Li, Venkatasubramanian, t-Closeness, ICDE 2007, section 4)', () => {
    const salaries = ['3', '4', '5', '6', '7', '8', '9', '10', '11']
    const s = encodeSensitive(salaries)
    const counts = (vals: string[]) => {
      const c = new Array<number>(s.size).fill(0)
      for (const v of vals) c[s.labels.indexOf(v)]!++
      return c
    }
    expect(emd(s, counts(['3', '4', '5']), 3, 'ordered')).toBeCloseTo(0.375, 12)
    expect(emd(s, counts(['6', '8', '11']), 3, 'ordered')).toBeCloseTo(1 / 6, 12)
  })
})

describe('riskReport on a hand-computed example', () => {
  // Classes of sizes 3, 2, 1; population classes of sizes 10, 4, 2.
  const rows = [['a'], ['a'], ['a'], ['b'], ['b'], ['c']]
  const population = [
    ...Array.from({ length: 10 }, () => ['a']),
    ...Array.from({ length: 4 }, () => ['b']),
    ...Array.from({ length: 2 }, () => ['c']),
  ]

  it('prosecutor, uniques and records at risk', () => {
    const r = riskReport(rows, { threshold: 0.4 })
    expect(r.classes).toBe(3)
    expect(r.prosecutorMax).toBe(1)
    expect(r.prosecutorAverage).toBeCloseTo(0.5, 12)
    expect(r.journalistMax).toBe(1)
    expect(r.marketer).toBeCloseTo(0.5, 12)
    expect(r.uniqueShare).toBeCloseTo(1 / 6, 12)
    // 1/1 and 1/2 exceed 0.4, 1/3 does not: the 3 records of classes b and c.
    expect(r.recordsAtRisk).toBe(3)
    expect(r.shareAtRisk).toBeCloseTo(0.5, 12)
  })

  it('journalist and marketer against a population: max 1/2, mean (3/10 + 2/4 + 1/2)/6', () => {
    const r = riskReport(rows, { population })
    expect(r.journalistMax).toBeCloseTo(0.5, 12)
    expect(r.journalistAverage).toBeCloseTo(1.3 / 6, 12)
    expect(r.marketer).toBeCloseTo(1.3 / 6, 12)
    expect(r.prosecutorMax).toBe(1)
  })
})

describe('anonymize with l-diversity', () => {
  const hierarchies = { zip: parseHierarchy('111;11*;*\n112;11*;*\n121;12*;*\n122;12*;*') }
  const table = {
    columns: ['zip', 'disease'],
    rows: [
      ['111', 'flu'],
      ['112', 'flu'],
      ['121', 'flu'],
      ['122', 'cold'],
    ],
  }

  it('generalizes until each class holds two diseases', () => {
    const plain = anonymize(table, { qi: ['zip'], k: 2, maxSuppression: 0, hierarchies })
    expect(plain.levels).toEqual({ zip: 1 })
    const diverse = anonymize(table, {
      qi: ['zip'],
      k: 2,
      maxSuppression: 0,
      hierarchies,
      sensitive: 'disease',
      l: 2,
    })
    expect(diverse.levels).toEqual({ zip: 2 })
    expect(diverse.rows.map((r) => r[0])).toEqual(['*', '*', '*', '*'])
    expect(diverse.rows.map((r) => r[1])).toEqual(['flu', 'flu', 'flu', 'cold'])
  })

  it('reports no solution when even the top fails the model', () => {
    expect.assertions(2)
    for (const method of ['optimal', 'mondrian'] as const) {
      try {
        anonymize(table, {
          qi: ['zip'],
          k: 2,
          maxSuppression: 0,
          hierarchies,
          sensitive: 'disease',
          l: 3,
          method,
        })
      } catch (e) {
        expect(isStrongroomError(e, 'ERR_ANONYMIZE_NO_SOLUTION')).toBe(true)
      }
    }
  })
})
