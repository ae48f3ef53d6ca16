import fc from 'fast-check'
import { describe, expect, it } from 'vitest'

import { Masker, maskColumn } from './mask.js'

describe('maskColumn', () => {
  it('keeps the first/last N characters and masks the rest', () => {
    expect(maskColumn(['4111111111111111', null], { keepLast: 4 })).toEqual([
      '************1111',
      null,
    ])
    expect(maskColumn(['secret'], { keepFirst: 2, keepLast: 1, maskChar: '#' })).toEqual(['se###t'])
    expect(maskColumn(['abc'], {})).toEqual(['***'])
    expect(maskColumn([1234567], { keepLast: 2 })).toEqual(['*****67'])
  })

  it('keeps separators in place and does not count them', () => {
    const m = new Masker({ keepLast: 4, keepSeparators: true })
    expect(m.mask('4111-1111-1111-1234')).toBe('****-****-****-1234')
    expect(new Masker({ keepFirst: 1, keepSeparators: true }).mask('ann@example.com')).toBe(
      'a**@*******.***',
    )
  })

  it('masks a value completely when the kept characters would reveal all of it', () => {
    expect(maskColumn(['1234', 'ab'], { keepFirst: 2, keepLast: 2 })).toEqual(['****', '**'])
  })

  it('counts code points, not UTF-16 units', () => {
    expect(new Masker({ keepLast: 1 }).mask('😀😀x😀')).toBe('***😀')
    expect(new Masker({ keepFirst: 1, maskChar: '•' }).mask('😀bc')).toBe('😀••')
  })

  it('keeps the length in code points and never changes separators (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme-ascii', maxLength: 40 }),
        fc.nat(5),
        fc.nat(5),
        (s, a, b) => {
          const out = new Masker({ keepFirst: a, keepLast: b, keepSeparators: true }).mask(s)
          expect([...out]).toHaveLength([...s].length)
          ;[...s].forEach((c, i) => {
            if (!/[\p{L}\p{N}]/u.test(c)) expect([...out][i]).toBe(c)
          })
        },
      ),
    )
  })

  it('refuses bad options and values', () => {
    expect(() => new Masker({ keepFirst: -1 })).toThrow(
      expect.objectContaining({ code: 'ERR_PROTECT_SPEC_INVALID' }),
    )
    expect(() => new Masker({ keepLast: 1.5 })).toThrow(
      expect.objectContaining({ code: 'ERR_PROTECT_SPEC_INVALID' }),
    )
    expect(() => new Masker({ maskChar: '**' })).toThrow(
      expect.objectContaining({ code: 'ERR_PROTECT_SPEC_INVALID' }),
    )
    expect(() => maskColumn(['a', {} as string])).toThrow(
      expect.objectContaining({
        code: 'ERR_PROTECT_INVALID_VALUE',
        details: { row: 1, transform: 'mask' },
      }),
    )
  })
})
