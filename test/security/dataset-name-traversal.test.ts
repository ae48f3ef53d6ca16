import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseDatasetName } from '../../src/core/names.js'
import { isStrongroomError } from '../../src/errors.js'

const hostile = [
  '../x',
  'a/b',
  '/etc/passwd',
  'crm/../customers',
  'crm.custo\0mers',
  'crm.customers/..',
  '..',
  '.',
  'crm..customers',
  'crm.customers.extra',
  'CRM.customers',
  'crm.cust omers',
  'crm.customers\n',
  '\\\\server\\share.x',
  'crm.' + 'a'.repeat(64),
  '',
]

describe('dataset names cannot address anything outside the lake', () => {
  it.each(hostile.map((h) => [JSON.stringify(h), h]))('rejects %s', (_label, name) => {
    let err: unknown
    try {
      parseDatasetName(name)
    } catch (e) {
      err = e
    }
    expect(isStrongroomError(err, 'ERR_DATASET_INVALID_NAME')).toBe(true)
    // The rejected string is never echoed back (it may be hostile or sensitive).
    if (name.length > 2) expect((err as Error).message).not.toContain(name)
  })

  it('accepts namespace.name of lowercase identifiers', () => {
    expect(parseDatasetName('crm.customers')).toEqual({ namespace: 'crm', name: 'customers' })
    expect(parseDatasetName('a1_b.c_2')).toEqual({ namespace: 'a1_b', name: 'c_2' })
  })

  it('never accepts a name containing a path separator, dot segment or NUL (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (s) => {
        let ok = true
        try {
          parseDatasetName(s)
        } catch {
          ok = false
        }
        if (ok) {
          expect(s).not.toMatch(/[/\\\0]/)
          expect(s.split('.')).toHaveLength(2)
          expect(s).toMatch(/^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$/)
        }
      }),
      { numRuns: 2000 },
    )
  })
})
