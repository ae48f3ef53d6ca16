import { createHmac, randomBytes } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'

import { deriveTransformKey } from '../keys.js'
import { Tokenizer, createTokenizer, tokenDomainKey, type TokenEncoding } from './token.js'

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

  it('tokenize (batched, WebAssembly or not) equals the reference per value (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.string({ unit: 'binary', maxLength: 90 }),
            fc.string({ maxLength: 40 }),
            fc.integer(),
            fc.double({ noNaN: true, noDefaultInfinity: true }),
            fc.bigInt(),
            fc.constant(null),
            fc.constant(undefined),
          ),
          { maxLength: 30 },
        ),
        fc.integer({ min: 64, max: 256 }),
        fc.constantFrom('hex' as const, 'base32' as const, 'base64url' as const),
        fc.boolean(),
        (values, bits, encoding, webAssembly) => {
          const tok = new Tokenizer(key, { bits, encoding, webAssembly })
          const want = values.map((v) =>
            v === null || v === undefined
              ? null
              : reference(key, typeof v === 'string' ? v : String(v), bits, encoding),
          )
          expect(tok.tokenize(values)).toEqual(want)
        },
      ),
      { numRuns: 300 },
    )
  })

  it('tokenize spans batches: same tokens as one at a time, errors name the right row', () => {
    const tok = new Tokenizer(key)
    const values = Array.from({ length: 10_000 }, (_, i) =>
      i % 7 === 0 ? null : i % 5 === 0 ? `é${i}` : `user${i}@example.com`,
    )
    const tokens = tok.tokenize(values)
    expect(tokens).toEqual(values.map((v) => (v === null ? null : tok.token(v))))
    expect(tokens[9_999]).toBe(reference(key, 'user9999@example.com', 128, 'base32'))
    const bad: unknown[] = [...values]
    bad[9_001] = Number.POSITIVE_INFINITY
    expect(() => tok.tokenize(bad as string[])).toThrow(
      expect.objectContaining({ code: 'ERR_PROTECT_INVALID_VALUE', details: { row: 9_001 } }),
    )
  })

  it('keeps the tokens of earlier releases, batched or not (known answers)', () => {
    // Tokens of these values under key 00 01 … 1f, as released before batching: a change to
    // the token definition would break joins with every dataset already tokenized.
    const kat = Buffer.from(Array.from({ length: 32 }, (_, i) => i))
    const values = ['ann@example.com', 'Zoë Ñúñez', '', 'x'.repeat(100)]
    const known: readonly [TokenEncoding, number, readonly string[]][] = [
      [
        'base32',
        128,
        [
          'p7lshy3ldsiqrtnxsibxf3wuiu',
          'xxnyb5s5nvamujmpmib3empgue',
          '2ofueclnqd2f7atlisu5kyd544',
          '2heguqwwe7qn4uk5ghnc3uwbae',
        ],
      ],
      ['hex', 64, ['7fd723e36b1c9108', 'bddb80f65d6d40ca', 'd38b42096d80f45f', 'd1c86a42d627e0de']],
      [
        'base32',
        100,
        [
          'p7lshy3ldsiqrtnxsibx',
          'xxnyb5s5nvamujmpmib3',
          '2ofueclnqd2f7atlisu5',
          '2heguqwwe7qn4uk5ghnc',
        ],
      ],
      [
        'base64url',
        256,
        [
          'f9cj42sckQjNt5IDcu7URQ_yBQ8s2gvWXXHl0J3gB5w',
          'vduA9l1tQMolj2IDsjHmobU4NfjqNUV3nNTJGvKlbro',
          '04tCCW2A9F-Ca0Sp1WB95ySWpBXT9KGoyI47udqNwcs',
          '0chqQtYn4N5RXTHaLdLBAfK0n_ugTQRoX-SwXYd8VgE',
        ],
      ],
    ]
    for (const [encoding, bits, want] of known) {
      for (const webAssembly of [true, false]) {
        const tok = new Tokenizer(kat, { encoding, bits, webAssembly })
        expect(tok.tokenize(values)).toEqual(want)
        expect(values.map((v) => tok.token(v))).toEqual(want)
      }
    }
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
