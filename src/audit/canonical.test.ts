import fc from 'fast-check'
import { describe, expect, it } from 'vitest'

import { isStrongroomError } from '../errors.js'
import { canonicalize, canonicalizeWithout } from './canonical.js'

/** A deliberately naive reference serializer: the library sort, JSON.stringify leaves. */
function reference(v: unknown): string {
  if (Array.isArray(v)) return '[' + v.map(reference).join(',') + ']'
  if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>
    return (
      '{' +
      Object.keys(o)
        .sort()
        .filter((k) => o[k] !== undefined)
        .map((k) => JSON.stringify(k) + ':' + reference(o[k]))
        .join(',') +
      '}'
    )
  }
  return JSON.stringify(v)
}

function code(f: () => unknown): string {
  try {
    f()
  } catch (e) {
    return isStrongroomError(e) ? `${e.code} ${String(e.details.path)}` : 'other error'
  }
  return 'no error'
}

describe('canonicalize (RFC 8785 style)', () => {
  it('sorts keys, drops whitespace, prints numbers like ECMAScript', () => {
    expect(canonicalize({ b: [1, 'x', true, null], a: { d: -0, c: 4.5 } })).toBe(
      '{"a":{"c":4.5,"d":0},"b":[1,"x",true,null]}',
    )
  })

  it('sorts by UTF-16 code units: RFC 8785 §3.2.3 example', () => {
    const input: Record<string, string> = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    }
    // Code point order would put U+FB33 before U+1F600; code unit order (0xD83D) does not.
    // (Checked on the text: Object.keys would list the integer-like "1" first.)
    const order = ['\r', '1', '\u0080', '\u00f6', '\u20ac', '\ud83d\ude00', '\ufb33']
    const expected =
      '{' + order.map((k) => `${JSON.stringify(k)}:${JSON.stringify(input[k])}`).join(',') + '}'
    expect(canonicalize(input)).toBe(expected)
  })

  it('formats numbers as RFC 8785 Appendix B expects', () => {
    const cases: [number, string][] = [
      [0, '0'],
      [-0, '0'],
      [1e30, '1e+30'],
      [4.5, '4.5'],
      [0.002, '0.002'],
      [0.000001, '0.000001'],
      [1e-7, '1e-7'],
      [9007199254740991, '9007199254740991'],
      [-1.5e-10, '-1.5e-10'],
      [333333333.3333333, '333333333.3333333'],
    ]
    for (const [n, s] of cases) expect(canonicalize(n)).toBe(s)
  })

  it('escapes strings as JSON.stringify does', () => {
    expect(canonicalize('a"b\\c\n\u0001\u2028é😀')).toBe(JSON.stringify('a"b\\c\n\u0001\u2028é😀'))
  })

  it('omits undefined members, as an absent optional field', () => {
    expect(canonicalize({ a: 1, b: undefined })).toBe(canonicalize({ a: 1 }))
  })

  it('rejects what JSON cannot represent exactly, naming the path', () => {
    expect(code(() => canonicalize({ a: [1, NaN] }))).toBe('ERR_AUDIT_INVALID a[1]')
    expect(code(() => canonicalize({ a: Infinity }))).toBe('ERR_AUDIT_INVALID a')
    expect(code(() => canonicalize({ a: { b: 1n } }))).toBe('ERR_AUDIT_INVALID a.b')
    expect(code(() => canonicalize([undefined]))).toBe('ERR_AUDIT_INVALID [0]')
    // eslint-disable-next-line no-sparse-arrays -- a hole is the point
    expect(code(() => canonicalize([1, , 3]))).toBe('ERR_AUDIT_INVALID [1]')
    expect(code(() => canonicalize({ f: () => 1 }))).toBe('ERR_AUDIT_INVALID f')
    expect(code(() => canonicalize({ d: new Date(0) }))).toBe('ERR_AUDIT_INVALID d')
    expect(code(() => canonicalize({ s: 'x\ud800y' }))).toBe('ERR_AUDIT_INVALID s')
    expect(code(() => canonicalize({ ['\udc00']: 1 }))).toBe('ERR_AUDIT_INVALID ')
    expect(code(() => canonicalize(undefined))).toBe('ERR_AUDIT_INVALID ')
  })

  it('rejects cycles and absurd nesting instead of overflowing the stack', () => {
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    expect(code(() => canonicalize(cyclic))).toMatch(/^ERR_AUDIT_INVALID self/)
    let deep: unknown = 1
    for (let i = 0; i < 40; i++) deep = [deep]
    expect(code(() => canonicalize(deep))).toMatch(/^ERR_AUDIT_INVALID/)
  })

  it('accepts null-prototype objects', () => {
    const o = Object.assign(Object.create(null) as object, { b: 1, a: 2 })
    expect(canonicalize(o)).toBe('{"a":2,"b":1}')
  })

  it('canonicalizeWithout drops one top-level member only', () => {
    expect(canonicalizeWithout({ hash: 'x', a: { hash: 'y' } }, 'hash')).toBe('{"a":{"hash":"y"}}')
    expect(code(() => canonicalizeWithout([], 'x'))).toMatch(/^ERR_AUDIT/)
  })

  it('property: equals a naive reference serializer on any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue({ stringUnit: 'binary' }), (v) => {
        expect(canonicalize(v)).toBe(reference(v))
      }),
      { numRuns: 500 },
    )
  })

  it('property: parses back to the same value and is idempotent', () => {
    fc.assert(
      fc.property(fc.jsonValue({ stringUnit: 'binary' }), (v) => {
        const c = canonicalize(v)
        expect(JSON.parse(c)).toEqual(JSON.parse(JSON.stringify(v)))
        expect(canonicalize(JSON.parse(c))).toBe(c)
      }),
      { numRuns: 500 },
    )
  })

  it('property: member insertion order does not matter', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ unit: 'binary' }), fc.jsonValue()), (o) => {
        const reversed = Object.fromEntries(Object.entries(o).reverse())
        expect(canonicalize(reversed)).toBe(canonicalize(o))
      }),
      { numRuns: 300 },
    )
  })

  it('property: large objects (library sort path) sort the same way', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ unit: 'binary' }), { minLength: 33, maxLength: 80 }),
        (keys) => {
          const o = Object.fromEntries(keys.map((k, i) => [k, i]))
          expect(canonicalize(o)).toBe(reference(o))
        },
      ),
      { numRuns: 100 },
    )
  })
})
