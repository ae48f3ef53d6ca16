import { describe, expect, it } from 'vitest'
import { Lru } from '../../src/access/lru.js'

describe('Lru', () => {
  it('evicts the least recently used entry, where a read counts as a use', () => {
    const c = new Lru<string, number>(2)
    c.set('a', 1)
    c.set('b', 2)
    expect(c.get('a')).toBe(1)
    c.set('c', 3)
    expect(c.get('b')).toBeUndefined()
    expect(c.get('a')).toBe(1)
    expect(c.get('c')).toBe(3)
    expect(c.size).toBe(2)
  })

  it('keeps nothing with size 0, and clears', () => {
    const z = new Lru<string, number>(0)
    z.set('a', 1)
    expect(z.get('a')).toBeUndefined()
    const c = new Lru<string, number>(3)
    c.set('a', 1)
    c.clear()
    expect(c.size).toBe(0)
  })
})
