import { createHmac, randomBytes } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'

import { deriveTransformKey } from '../keys.js'
import { Tokenizer, createTokenizer, tokenDomainKey } from './token.js'

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567'

/** Independent reference: node HMAC, then a bit-string re-encoding. */
function reference(
  key: Uint8Array,
  value: string,
  bits: number,
  enc: 'hex' | 'base32' | 'base64url',
): string {
  const mac = createHmac('sha256', key).update(value, 'utf8').digest()
  const bitString = [...mac]
    .map((b) => b.toString(2).padStart(8, '0'))
    .join('')
    .slice(0, bits)
  const per = enc === 'hex' ? 4 : enc === 'base32' ? 5 : 6
  const chars =
    enc === 'hex'
      ? '0123456789abcdef'
      : enc === 'base32'
        ? BASE32
        : 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  let out = ''
  for (let i = 0; i < bits; i += per)
    out += chars[parseInt(bitString.slice(i, i + per).padEnd(per, '0'), 2)]
  return out
}

describe('Tokenizer', () => {
  const key = randomBytes(32)

  it('equals HMAC-SHA-256 truncated and encoded, for every encoding and many sizes (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 80 }),
        fc.integer({ min: 64, max: 256 }),
        fc.constantFrom('hex' as const, 'base32' as const, 'base64url' as const),
        (value, bits, encoding) => {
          const tok = new Tokenizer(key, { bits, encoding })
          expect(tok.token(value)).toBe(reference(key, value, bits, encoding))
        },
      ),
      { numRuns: 400 },
    )
  })

  it('full-size hex and base64url tokens are the plain encodings of the HMAC', () => {
    const mac = createHmac('sha256', key).update('ann@example.com').digest()
    expect(new Tokenizer(key, { bits: 256, encoding: 'hex' }).token('ann@example.com')).toBe(
      mac.toString('hex'),
    )
    expect(new Tokenizer(key, { bits: 256, encoding: 'base64url' }).token('ann@example.com')).toBe(
      mac.toString('base64url'),
    )
  })

  it('is joinable within a domain and unrelated across domains', () => {
    const master = randomBytes(32)
    const a1 = createTokenizer(master, 'customer-email')
    const a2 = createTokenizer(master, 'customer-email') // e.g. another dataset, later
    const b = createTokenizer(master, 'employee-email')
    const values = ['ann@example.com', 'bob@example.com', null, 'ann@example.com']
    const ta = a1.tokenize(values)
    expect(a2.tokenize(values)).toEqual(ta)
    expect(ta[0]).toBe(ta[3])
    expect(ta[0]).not.toBe(ta[1])
    expect(ta[2]).toBeNull()
    const tb = b.tokenize(values)
    expect(tb[0]).not.toBe(ta[0])
    expect(tb[1]).not.toBe(ta[1])
    // Another master key: unrelated tokens for the same domain.
    expect(createTokenizer(randomBytes(32), 'customer-email').token('ann@example.com')).not.toBe(
      ta[0],
    )
    expect(
      tokenDomainKey(master, 'x').equals(
        deriveTransformKey(master, { purpose: 'token', domain: 'x', length: 32 }),
      ),
    ).toBe(true)
  })

  it('has the documented lengths and default (128-bit base32, 26 characters)', () => {
    expect(new Tokenizer(key).token('x')).toMatch(/^[a-z2-7]{26}$/)
    expect(new Tokenizer(key, { bits: 64, encoding: 'hex' }).length).toBe(16)
    expect(new Tokenizer(key, { bits: 96, encoding: 'base64url' }).token('x')).toHaveLength(16)
  })

  it('tokenizes numbers as their decimal text and refuses other types', () => {
    const tok = new Tokenizer(key)
    expect(tok.token(42)).toBe(tok.token('42'))
    expect(tok.token(42n)).toBe(tok.token('42'))
    expect(tok.token(1.5)).toBe(tok.token('1.5'))
    expect(() => tok.token(Number.NaN)).toThrow(
      expect.objectContaining({ code: 'ERR_PROTECT_INVALID_VALUE' }),
    )
    expect(() => tok.tokenize(['a', {} as unknown as string])).toThrow(
      expect.objectContaining({ code: 'ERR_PROTECT_INVALID_VALUE', details: { row: 1 } }),
    )
  })

  it('normalizes to NFC only when asked', () => {
    const composed = '\u00e9'
    const decomposed = 'e\u0301'
    expect(new Tokenizer(key).token(composed)).not.toBe(new Tokenizer(key).token(decomposed))
    const nfc = new Tokenizer(key, { normalize: 'NFC' })
    expect(nfc.token(composed)).toBe(nfc.token(decomposed))
  })

  it('refuses tokens under 64 bits, other bad options, and short keys', () => {
    for (const bits of [0, 32, 63, 257, 64.5]) {
      expect(() => new Tokenizer(key, { bits })).toThrow(
        expect.objectContaining({ code: 'ERR_PROTECT_SPEC_INVALID' }),
      )
    }
    expect(() => new Tokenizer(key, { encoding: 'rot13' as 'hex' })).toThrow(
      expect.objectContaining({ code: 'ERR_PROTECT_SPEC_INVALID' }),
    )
    expect(() => new Tokenizer(Buffer.alloc(8))).toThrow(
      expect.objectContaining({ code: 'ERR_PROTECT_KEY_MISSING' }),
    )
  })
})
