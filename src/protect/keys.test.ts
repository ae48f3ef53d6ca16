import { hkdfSync, randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'

import { deriveTransformKey, transformKeyInfo } from './keys.js'

describe('deriveTransformKey', () => {
  const master = randomBytes(32)

  it('is HKDF-SHA-256 over a length-prefixed info (checked against node hkdfSync)', () => {
    const label = Buffer.from('strongroom/protect/transform-key/v1')
    const info = Buffer.concat([
      Buffer.from([0, label.length]),
      label,
      Buffer.from([0, 5]),
      Buffer.from('token'),
      Buffer.from([0, 5]),
      Buffer.from('email'),
      Buffer.from([0, 2, 0, 32]),
    ])
    expect(transformKeyInfo({ purpose: 'token', domain: 'email', length: 32 }).equals(info)).toBe(
      true,
    )
    const expected = Buffer.from(
      hkdfSync('sha256', master, Buffer.from('strongroom/protect'), info, 32),
    )
    expect(
      deriveTransformKey(master, { purpose: 'token', domain: 'email', length: 32 }).equals(
        expected,
      ),
    ).toBe(true)
  })

  it('is deterministic, and separates purposes, domains, lengths and masters', () => {
    const k = (purpose: string, domain: string, length = 32, m = master): string =>
      deriveTransformKey(m, { purpose, domain, length }).toString('hex')
    expect(k('token', 'email')).toBe(k('token', 'email'))
    const all = [
      k('token', 'email'),
      k('siv', 'email'),
      k('token', 'phone'),
      k('token', 'email', 64).slice(0, 64),
      k('token', 'email', 32, randomBytes(32)),
      // Concatenation ambiguity: ("a","bc") and ("ab","c") must differ.
      k('a', 'bc'),
      k('ab', 'c'),
      k('date-shift', 'email'),
    ]
    expect(new Set(all).size).toBe(all.length)
    expect(k('siv', 'crm.notes', 64)).toHaveLength(128)
  })

  it('refuses a missing or wrong-size master key and reports every bad field', () => {
    expect(() =>
      deriveTransformKey(Buffer.alloc(16), { purpose: 'token', domain: 'x', length: 32 }),
    ).toThrow(expect.objectContaining({ code: 'ERR_PROTECT_KEY_MISSING' }))
    try {
      deriveTransformKey(master, { purpose: 'Not Kebab', domain: '', length: 8 })
      expect.unreachable()
    } catch (e) {
      expect(e).toMatchObject({ code: 'ERR_PROTECT_SPEC_INVALID' })
      expect((e as { issues: { path: string }[] }).issues.map((i) => i.path)).toEqual([
        'purpose',
        'domain',
        'length',
      ])
    }
    expect(() =>
      deriveTransformKey(master, { purpose: 'token', domain: 'x'.repeat(2000), length: 32 }),
    ).toThrow(expect.objectContaining({ code: 'ERR_PROTECT_SPEC_INVALID' }))
  })
})
