import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { sortStable } from './stable-sort.js'

describe('sortStable', () => {
  it('orders as a stable Array#sort does, short lists and long', () => {
    const byKey = (a: { key: number }, b: { key: number }) => a.key - b.key
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 60 }), (keys) => {
        const items = keys.map((key, id) => ({ key, id }))
        const expected = [...items].sort(byKey)
        const list = [...items]
        expect(sortStable(list, byKey)).toBe(list)
        expect(list).toEqual(expected)
      }),
      { numRuns: 500 },
    )
  })
})
