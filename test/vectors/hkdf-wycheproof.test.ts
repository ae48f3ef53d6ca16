/**
 * Wycheproof HKDF-SHA256 (google-wycheproof hkdf_sha256_test.json, which includes the
 * RFC 5869 test cases) through `hkdfSha256`, the derivation the envelope format uses.
 */
import { describe, expect, it } from 'vitest'

import { hkdfSha256 } from '../../src/lib/hkdf.js'
import { loadWycheproof } from './wycheproof.js'

interface HkdfTest {
  readonly tcId: number
  readonly comment: string
  readonly ikm: string
  readonly salt: string
  readonly info: string
  readonly size: number
  readonly okm: string
  readonly result: 'valid' | 'invalid' | 'acceptable'
}

interface HkdfFile {
  readonly numberOfTests: number
  readonly testGroups: readonly { readonly tests: readonly HkdfTest[] }[]
}

const loaded = loadWycheproof<HkdfFile>('hkdf_sha256_test.json')
const hex = (s: string): Buffer => Buffer.from(s, 'hex')

if ('skip' in loaded) {
  describe.skip(`Wycheproof HKDF-SHA256 (${loaded.skip})`, () => {
    it('skipped', () => undefined)
  })
} else {
  const file = loaded.data
  const all = file.testGroups.flatMap((g) => g.tests)

  describe('Wycheproof HKDF-SHA256 (hkdf_sha256_test.json, RFC 5869)', () => {
    it('covers the whole file', () => {
      expect(all.length).toBe(file.numberOfTests)
    })

    it.each(all)('tcId $tcId ($result) $comment', (t) => {
      const run = (): Buffer => hkdfSha256(hex(t.ikm), hex(t.salt), hex(t.info), t.size)
      if (t.result === 'valid') {
        expect(run().toString('hex')).toBe(t.okm)
      } else {
        // The invalid entries ask for more than 255·HashLen bytes (RFC 5869 §2.3).
        expect(t.result).toBe('invalid')
        expect(run).toThrow(RangeError)
      }
    })
  })
}
